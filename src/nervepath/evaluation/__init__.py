"""Measuring accuracy on labelled cases: the metrics and JSONL loading (evaluate), the
published cases and their split (published), scoring them by half and setting (halves), the
self-check interview replayed by a simulated patient (replay), and the terminal tables (render)."""
