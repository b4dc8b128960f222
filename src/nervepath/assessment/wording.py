"""Plain words shared by every door (terminal summary, web pages, reports) for urgency levels
and origin groups, so a person reads the same sentence wherever they meet the result."""

from __future__ import annotations

from typing import Final

__all__ = ["ORIGIN_PLAIN", "URGENCY_HEADLINE", "URGENCY_MEANING"]

URGENCY_HEADLINE: Final = {
    "emergency": "Emergency",
    "urgent": "Urgent",
    "routine": "Routine",
    "self_care": "Self-care",
}
URGENCY_MEANING: Final = {
    "emergency": "EMERGENCY: go to an emergency department now (same day).",
    "urgent": "URGENT: see a doctor within days.",
    "routine": "ROUTINE: arrange to see a clinician in the coming weeks.",
    "self_care": "SELF-CARE: this can usually be managed at home; seek care if it changes.",
}
ORIGIN_PLAIN: Final = {
    "lumbar_spine": "lower back (spine)",
    "peripheral_nerve": "a nerve in the leg",
    "pelvis_hip": "hip or pelvis",
    "knee": "the knee joint",
    "foot_local": "the foot itself",
    "vascular": "blood vessels",
    "systemic": "the nerves in general (e.g. diabetes)",
    "leg_muscle": "the muscles of the lower leg",
    "spinal_cord": "the spinal cord",
}
