"""The adaptive interview: the state machine (machine) and its parts (steps, body_map,
escalation, adaptive), its JSON state document (state) and the terminal interview (terminal)."""
