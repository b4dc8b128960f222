"""The generated rule table (docs/clinical-safety.md) shows each rule's clinical wording whole."""

from __future__ import annotations

from nervepath.knowledge.markdown import first_sentence, render_rules
from nervepath.knowledge.model import KnowledgeBase


def test_first_sentence_keeps_the_meaning_after_the_colon() -> None:
    text = "Saddle sensory disturbance: suspected cauda equina syndrome. Same-day MRI."
    assert first_sentence(text) == "Saddle sensory disturbance: suspected cauda equina syndrome."


def test_first_sentence_does_not_end_inside_brackets() -> None:
    text = (
        "Suspected acute limb ischaemia (within 2 weeks: pulselessness. with pallor): "
        "a vascular emergency. Call the vascular team."
    )
    assert first_sentence(text) == (
        "Suspected acute limb ischaemia (within 2 weeks: pulselessness. with pallor): "
        "a vascular emergency."
    )
    assert first_sentence("MRC 0.5 or § 4.5 kept") == "MRC 0.5 or § 4.5 kept"


def test_every_rule_row_shows_a_whole_wording(shipped_kb: KnowledgeBase) -> None:
    rows = {
        line.split("|")[1].strip(" `"): line.split("|")[4].strip()
        for line in render_rules(shipped_kb).splitlines()[2:]
    }
    for rule in shipped_kb.raw.triage.rules:
        meaning = rows[rule.id]
        assert meaning.count("(") == meaning.count(")"), f"{rule.id}: {meaning!r} cut in brackets"
        assert rule.clinical.startswith(meaning), rule.id
        if ": " in rule.clinical.split(". ")[0]:
            assert ": " in meaning, f"{rule.id}: {meaning!r} lost what the finding means"
