"""Assessing one case: the answers (case), the differential and its explanations (service),
urgency (triage), recommendations, the readable summary, and the published likelihood ratios
the model must reproduce (calibration). Built on the engine; used by every door."""
