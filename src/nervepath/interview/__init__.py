"""The adaptive interview: the state machine (machine), its JSON state document (state) and
the terminal interview (terminal)."""
