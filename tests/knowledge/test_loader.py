"""Loading and checking: a valid base loads; a broken one reports every problem at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nervepath.errors import KnowledgeBaseError
from nervepath.knowledge.model import KnowledgeBase, load_knowledge_base


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture changed: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def test_tiny_base_loads_with_version_and_hash(tiny_kb: KnowledgeBase) -> None:
    assert tiny_kb.version == "0.0.1"
    assert len(tiny_kb.content_hash) == 64
    assert tiny_kb.stamp() == {"kb_version": "0.0.1", "kb_hash": tiny_kb.content_hash}


def test_hash_changes_when_any_number_changes(kb_copy: Path, tiny_kb: KnowledgeBase) -> None:
    _edit(kb_copy / "causes" / "all.yaml", "value: 0.02,", "value: 0.021,")
    assert load_knowledge_base(kb_copy).content_hash != tiny_kb.content_hash


def _problems(root: Path) -> tuple[str, ...]:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(root)
    return caught.value.problems


def test_every_schema_problem_is_reported_at_once(kb_copy: Path) -> None:
    # Five unrelated mistakes in four files.
    _edit(
        kb_copy / "sites" / "all.yaml",
        "    lesion: {roots: [l5]}",
        "    lesion: {roots: [l5]}\n    colour: red",
    )
    _edit(
        kb_copy / "causes" / "all.yaml",
        "prior: {value: 0.02, source: {ref: study, locator: Table 1}}",
        "prior: 0.02",
    )
    _edit(kb_copy / "links" / "all.yaml", "value: 0.9, source", "value: 1.5, source")
    _edit(
        kb_copy / "findings" / "all.yaml",
        'leak: {value: 0.01, estimate: {rationale: "fixture: rare without a modelled cause"}}',
        "leak: {value: 0.01}",
    )
    _edit(
        kb_copy / "anatomy" / "regions.yaml",
        "group: foot, roots_core: [s1]",
        "group: toe, roots_core: [s1]",
    )
    problems = _problems(kb_copy)
    expected = [
        "sites/all.yaml › l5_root › colour: found an unknown key",
        "causes/all.yaml › disc_herniation › prior: found 0.02, expected",
        "links/all.yaml › l5_root → straight_leg_raise › probability.value: found 1.5, expected",
        "findings/all.yaml › bladder_dysfunction › leak: found dict, "
        "expected give exactly one of 'source' or 'estimate'",
        "anatomy/regions.yaml › heel › group: found 'toe', expected",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)


def test_every_cross_reference_problem_is_reported_at_once(kb_copy: Path) -> None:
    _edit(
        kb_copy / "anatomy" / "regions.yaml",
        "roots_core: [l5], nerves: [peroneal], tags",
        "roots_core: [l6], nerves: [peroneal], tags",
    )
    _edit(kb_copy / "anatomy" / "muscles.yaml", "nerve: peroneal", "nerve: peronial")
    _edit(kb_copy / "causes" / "all.yaml", "{site: l5_root,", "{site: l5_rot,")
    _edit(kb_copy / "links" / "all.yaml", "ref: study, locator: sensitivity", "ref: stduy")
    _edit(
        kb_copy / "links" / "all.yaml", "{reduced: 0.3, absent: 0.2}", "{reduced: 0.3, gone: 0.2}"
    )
    problems = _problems(kb_copy)
    expected = [
        "anatomy/regions.yaml › first_web_space › roots_core: found 'l6', expected a known root",
        "anatomy/muscles.yaml › extensor_hallucis_longus › nerve: found 'peronial', expected a "
        "known nerve (did you mean peroneal",
        "causes/all.yaml › disc_herniation › sites.0.site: found 'l5_rot', expected a known site "
        "(did you mean l5_root",
        "links/all.yaml › l5_root → straight_leg_raise › probability.source.ref: found 'stduy', "
        "expected a known reference (did you mean study",
        "links/all.yaml › polyneuropathy → reflex_achilles › grades.gone: found grade 'gone'",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)


def test_site_that_no_finding_can_reveal_is_a_problem(kb_copy: Path) -> None:
    _edit(kb_copy / "sites" / "all.yaml", "lesion: {nerves: [peroneal]}", "lesion: {}")
    problems = _problems(kb_copy)
    assert any(
        p.startswith("sites/all.yaml › peroneal_nerve › links: found 0 findings") for p in problems
    )


def test_malformed_yaml_names_the_file_and_line(kb_copy: Path) -> None:
    (kb_copy / "anatomy" / "roots.yaml").write_text("roots:\n  - {id: l5, name: [unclosed\n")
    problems = _problems(kb_copy)
    assert any(p.startswith("anatomy/roots.yaml: found malformed YAML at line") for p in problems)


def test_a_key_given_twice_is_a_problem_not_a_silent_overwrite(kb_copy: Path) -> None:
    # PyYAML would keep the second and drop the first without a word (a rule lost its citation).
    (kb_copy / "anatomy" / "roots.yaml").write_text("roots:\n  - id: l5\n    id: s1\n")
    problems = _problems(kb_copy)
    assert (
        "anatomy/roots.yaml: found the key 'id' twice (first on line 2) at line 3, "
        "expected each key once" in problems
    )


def test_a_link_given_twice_is_a_problem(kb_copy: Path) -> None:
    # Two branches that each add the same link merge without a conflict.
    path = kb_copy / "links" / "all.yaml"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "  - finding: straight_leg_raise\n    parent: l5_root\n"
        + "    probability: {value: 0.8, estimate: "
        + '{rationale: "fixture: the same link, given again"}}\n',
        encoding="utf-8",
    )
    problems = _problems(kb_copy)
    assert any(
        p.startswith("links/all.yaml")
        and p.endswith("l5_root → straight_leg_raise: found this link more than once, expected one")
        for p in problems
    ), problems


def test_missing_file_is_named(kb_copy: Path) -> None:
    (kb_copy / "derivation.yaml").unlink()
    assert "derivation.yaml: found no file, expected one" in _problems(kb_copy)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nervepath", *args], capture_output=True, text=True, check=False
    )


def test_cli_check_lists_every_problem_and_fails(kb_copy: Path) -> None:
    _edit(kb_copy / "anatomy" / "muscles.yaml", "nerve: peroneal", "nerve: peronial")
    _edit(kb_copy / "causes" / "all.yaml", "{site: l5_root,", "{site: l5_rot,")
    result = _cli("kb", "check", "--data", str(kb_copy))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "2 problem(s)" in result.stderr
    assert "extensor_hallucis_longus › nerve: found 'peronial'" in result.stderr
    assert "disc_herniation › sites.0.site: found 'l5_rot'" in result.stderr


def test_cli_check_passes_on_a_valid_base() -> None:
    result = _cli("kb", "check", "--data", str(Path(__file__).parents[1] / "fixtures" / "kb"))
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stdout


def test_only_a_history_finding_may_be_a_risk_factor(kb_copy: Path) -> None:
    """A sign is what a site produces: as a risk factor no site could be credited with it."""
    _edit(
        kb_copy / "findings" / "all.yaml",
        "    category: exam\n    lateral: true",
        "    category: exam\n    risk_factor: true\n    lateral: true",
    )
    problems = _problems(kb_copy)
    assert any("straight_leg_raise" in p and "risk_factor" in p for p in problems), problems


@pytest.mark.parametrize(
    ("old", "new", "finding"),
    [
        # A warning sign is on the screen already, not the noticed-sign checklist.
        ("    red_flag: true", "    red_flag: true\n    noticed: true", "bladder_dysfunction"),
        # A clinician's examination is no sign a person notices in a self-check.
        (
            "    settings: [clinician]\n",
            "    settings: [clinician]\n    noticed: true\n",
            "straight_leg_raise",
        ),
    ],
)
def test_a_noticed_sign_is_a_self_check_sign_and_no_warning_sign(
    kb_copy: Path, old: str, new: str, finding: str
) -> None:
    _edit(kb_copy / "findings" / "all.yaml", old, new)
    problems = _problems(kb_copy)
    assert any(finding in p and "noticed" in p for p in problems), problems
