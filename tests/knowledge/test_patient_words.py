"""The plain words of the result (patient.yaml): one per site, each cited, checked on load."""

from __future__ import annotations

from pathlib import Path

import pytest

from nervepath.errors import KnowledgeBaseError
from nervepath.knowledge.model import KnowledgeBase, load_knowledge_base


def test_every_shipped_site_has_plain_words_with_a_known_source(shipped_kb: KnowledgeBase) -> None:
    words = {c.site: c for c in shipped_kb.raw.patient.conditions}
    assert set(words) == {s.id for s in shipped_kb.raw.sites}
    for site, entry in words.items():
        assert entry.source.ref in shipped_kb.references, site
        assert entry.condition and entry.medical_name and entry.meaning, site
        assert 60 <= len(entry.explanation) <= 420, f"{site}: keep the explanation short and plain"
    assert words["l5_root"].condition == "Sciatica"
    assert words["plantar_fascia"].condition == "Plantar fasciitis"
    net = shipped_kb.raw.patient.safety_net
    assert net.source.ref in shipped_kb.references and len(net.signs) >= 4


def _problems(root: Path) -> str:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(root)
    return "\n".join(caught.value.problems)


def test_a_site_without_plain_words_and_an_unknown_site_are_both_named(kb_copy: Path) -> None:
    path = kb_copy / "patient.yaml"
    text = path.read_text()
    path.write_text(text.replace("site: peroneal_nerve", "site: peroneal_nerv", 1))
    problems = _problems(kb_copy)
    assert "patient.yaml › peroneal_nerv › site: found 'peroneal_nerv'" in problems
    assert "found 0 entries for site 'peroneal_nerve', expected exactly one" in problems


def test_plain_words_reject_unknown_keys_and_need_a_source(kb_copy: Path) -> None:
    path = kb_copy / "patient.yaml"
    text = path.read_text()
    text = text.replace(
        "    explanation: The fixture's nerve.\n    source: {ref: textbook}\n",
        "    explanation: The fixture's nerve.\n    colour: red\n",
        1,
    )
    path.write_text(text)
    problems = _problems(kb_copy)
    assert "patient.yaml › peroneal_nerve › colour: found an unknown key" in problems
    assert "patient.yaml › peroneal_nerve › source: found nothing" in problems
