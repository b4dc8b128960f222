"""Published likelihood ratios: the model's implied ones are computed exactly, checked against
the published interval by ``kb check``, and the shipped knowledge base reproduces all of them.
Leak overrides give a derived finding its own background rate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nervepath.assessment.calibration import _entailed_ages, check_ratios
from nervepath.assessment.case import Case, Patient, to_evidence
from nervepath.assessment.service import Assessor
from nervepath.engine.inference import probabilities_all_absent
from nervepath.errors import KnowledgeBaseError
from nervepath.knowledge.model import KnowledgeBase, load_knowledge_base

RATIO = """\
likelihood_ratios:
  - finding: straight_leg_raise
    target: l5_root
    positive: {{value: {value}, low: {low}, high: {high}}}
    negative: {{value: 0.5}}
    population: fixture
    source: {{ref: study, locator: table 2}}
"""


def _write(root: Path, value: float, low: float, high: float) -> None:
    (root / "likelihood_ratios.yaml").write_text(
        RATIO.format(value=value, low=low, high=high), encoding="utf-8"
    )


def _posterior(kb: KnowledgeBase, answers: dict[str, str]) -> float:
    d = Assessor(kb).differential(Case(setting="clinician", answers=answers))
    return dict(d.sites)["l5_root_left"]


def test_implied_ratios_are_posterior_odds_over_prior_odds(kb_copy: Path) -> None:
    _write(kb_copy, 3.0, 1.0, 1000.0)
    kb = load_knowledge_base(kb_copy)
    positive, negative = check_ratios(Assessor(kb))
    odds = [p / (1 - p) for p in (
        _posterior(kb, {}),
        _posterior(kb, {"straight_leg_raise_left": "present"}),
        _posterior(kb, {"straight_leg_raise_left": "absent"}),
    )]  # fmt: skip
    assert (positive.kind, negative.kind) == ("LR+", "LR−")
    assert positive.implied == pytest.approx(odds[1] / odds[0], rel=1e-12)
    assert negative.implied == pytest.approx(odds[2] / odds[0], rel=1e-12)
    assert positive.implied > 1 > negative.implied
    assert positive.ok and positive.bounds == (1.0, 1000.0)
    assert negative.bounds == pytest.approx((0.335, 0.75))  # no interval: 0.67–1.5× the value


def test_kb_check_fails_and_names_a_ratio_outside_its_interval(kb_copy: Path) -> None:
    _write(kb_copy, 1.2, 1.1, 1.3)
    done = subprocess.run(
        [sys.executable, "-m", "nervepath", "kb", "check", "--data", str(kb_copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "implied likelihood ratios fall outside" in done.stderr
    assert "LR+ straight_leg_raise_left → l5_root_left: implied" in done.stderr
    assert "allowed 1.10–1.30" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_ratio_must_name_an_abnormal_state(kb_copy: Path) -> None:
    (kb_copy / "likelihood_ratios.yaml").write_text(
        RATIO.format(value=2, low=1, high=3).replace(
            "target: l5_root", "target: l5_root\n    state: absent"
        ),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeBaseError, match="expected an abnormal state"):
        check_ratios(Assessor(load_knowledge_base(kb_copy)))


def test_unknown_finding_or_target_is_reported(kb_copy: Path) -> None:
    _write(kb_copy, 2, 1, 3)
    path = kb_copy / "likelihood_ratios.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("straight_leg_raise", "straight_leg_rise").replace("l5_root", "l6_root"),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(kb_copy)
    problems = "\n".join(caught.value.problems)
    assert "finding: found 'straight_leg_rise'" in problems
    assert "target: found 'l6_root'" in problems


def _add_override(root: Path, text: str) -> None:
    path = root / "derivation.yaml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_a_leak_override_replaces_the_derived_background_rate(kb_copy: Path) -> None:
    _add_override(
        kb_copy,
        "leak_overrides:\n"
        "  - {finding: reflex_achilles, leak_grades: {value: {reduced: 0.2, absent: 0.1},"
        " estimate: {rationale: 'fixture: an age-normal sign in older people'}}}\n",
    )
    kb = load_knowledge_base(kb_copy)
    # The scale's own leak (reflex_leak in the fixture) was (0.91, 0.02, 0.05, 0.02).
    assert kb.findings["reflex_achilles"].leak == pytest.approx((0.7, 0.0, 0.2, 0.1))


def test_a_leak_override_of_the_wrong_kind_is_reported(kb_copy: Path) -> None:
    _add_override(
        kb_copy,
        "leak_overrides:\n"
        "  - {finding: reflex_achilles, leak: {value: 0.2,"
        " estimate: {rationale: 'fixture: a yes/no leak on a graded finding'}}}\n"
        "  - {finding: straight_leg_raise, leak: {value: 0.2,"
        " estimate: {rationale: 'fixture: a hand-written finding has its own leak'}}}\n",
    )
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(kb_copy)
    problems = "\n".join(caught.value.problems)
    assert "leak_overrides › reflex_achilles: expected a derived finding" in problems
    assert "leak_overrides › straight_leg_raise" in problems


def test_the_shipped_base_reproduces_every_published_ratio(shipped_kb: KnowledgeBase) -> None:
    checks = check_ratios(Assessor(shipped_kb))
    assert len({(c.finding, c.target) for c in checks}) >= 30
    wrong = [
        f"{c.kind} {c.finding} → {c.target}: implied {c.implied:.2f}, allowed "
        f"{c.bounds[0]:.2f}–{c.bounds[1]:.2f}"
        for c in checks
        if not c.ok
    ]
    assert not wrong, "\n".join(wrong)


def test_an_age_finding_is_checked_with_the_age_findings_its_band_settles(
    shipped_kb: KnowledgeBase,
) -> None:
    """Over 70 is also over 50 and 40 or over, and not under 40; 70 or under leaves the others
    open. So the implied LR+ of age_over_70 is that of a stated age over 70."""
    over_70 = _entailed_ages(shipped_kb, "age_over_70", "present")
    assert over_70 == {
        "age_under_40": "absent",
        "age_40_or_over": "present",
        "age_over_50": "present",
    }
    assert _entailed_ages(shipped_kb, "age_over_70", "absent") == {}
    assert _entailed_ages(shipped_kb, "age_under_40", "present") == {
        "age_40_or_over": "absent",
        "age_over_50": "absent",
        "age_over_70": "absent",
    }
    assert _entailed_ages(shipped_kb, "straight_leg_raise", "present") == {}
    (check,) = (
        c
        for c in check_ratios(Assessor(shipped_kb))
        if c.finding == "age_over_70" and c.target == "multilevel_stenosis"
    )
    assessor = Assessor(shipped_kb)

    def odds(age: int | None) -> float:
        d = assessor.differential(Case(setting="clinician", patient=Patient(age=age), answers={}))
        p = dict(d.sites)["multilevel_stenosis"]
        return p / (1 - p)

    assert check.implied == pytest.approx(odds(75) / odds(None), rel=1e-9)


AMONG = """\
likelihood_ratios:
  - finding: straight_leg_raise
    target: l5_root
    positive: {value: 1.0, low: 0.9, high: 1.1}
    population: fixture, people with an L5 root lesion or a polyneuropathy
    among: {sites: [polyneuropathy]}
    source: {ref: study, locator: table 2}
"""


def _among_kb(root: Path, entry: str) -> None:
    """The fixture with ``entry`` and a polyneuropathy that gives a positive SLR as often as
    the L5 root."""
    (root / "likelihood_ratios.yaml").write_text(entry, encoding="utf-8")
    links = root / "links" / "all.yaml"
    text = links.read_text(encoding="utf-8")
    if "parent: polyneuropathy\n    probability: {value: 0.9" not in text:
        links.write_text(
            text + "  - finding: straight_leg_raise\n    parent: polyneuropathy\n"
            "    probability: {value: 0.9,"
            " estimate: {rationale: 'fixture: as often as the root'}}\n",
            encoding="utf-8",
        )


def test_among_compares_the_target_with_the_studys_other_patients_only(kb_copy: Path) -> None:
    """Among people with the root or the polyneuropathy, which give a positive SLR alike, it
    cannot tell them apart (LR 1); against leg pain at large it is a strong sign (LR above 4)."""
    _among_kb(kb_copy, AMONG)
    (restricted,) = check_ratios(Assessor(load_knowledge_base(kb_copy)))
    _among_kb(kb_copy, AMONG.replace("    among: {sites: [polyneuropathy]}\n", ""))
    (everyone,) = check_ratios(Assessor(load_knowledge_base(kb_copy)))
    assert restricted.implied == pytest.approx(1.0, abs=0.01) and restricted.ok
    assert everyone.implied > 4 and not everyone.ok


def test_among_must_name_sites_and_a_site_target(kb_copy: Path) -> None:
    _among_kb(kb_copy, AMONG.replace("[polyneuropathy]", "[polyneuropathi]"))
    with pytest.raises(KnowledgeBaseError, match="among › sites: found 'polyneuropathi'"):
        load_knowledge_base(kb_copy)
    _among_kb(kb_copy, AMONG.replace("target: l5_root", "target: disc_herniation"))
    with pytest.raises(KnowledgeBaseError, match="among: found the cause 'disc_herniation'"):
        load_knowledge_base(kb_copy)


def test_the_straight_leg_raise_is_checked_among_the_studys_patients(
    shipped_kb: KnowledgeBase,
) -> None:
    """Montaner-Cuello's LR+ 1.01–1.40 holds among people referred with suspected
    radiculopathy; against leg pain of any cause (a knee, a heel) a positive SLR is a strong
    sign for a root, since its leak is now the rate in leg pain with no spinal cause."""
    slr = [
        c
        for c in check_ratios(Assessor(shipped_kb))
        if c.finding == "straight_leg_raise_left" and c.kind == "LR+"
    ]
    assert {c.target for c in slr} == {"l5_root_left", "s1_root_left"}
    assert all(1.01 <= c.implied <= 1.40 for c in slr)
    assert shipped_kb.findings["straight_leg_raise"].leak[1] <= 0.1


def test_leg_pain_worse_than_back_is_checked_among_sciatica_patients(
    shipped_kb: KnowledgeBase,
) -> None:
    """El Barzouhi's LR+ 1.87 compares root compression with sciatica without it, which the
    model holds as somatic referred pain; the finding's leak is the rate with neither."""
    checks = [
        c
        for c in check_ratios(Assessor(shipped_kb))
        if c.finding == "leg_pain_worse_than_back_left" and c.kind == "LR+"
    ]
    assert {c.target for c in checks} == {"l5_root_left", "s1_root_left"}
    assert all(c.ok for c in checks)
    assert shipped_kb.findings["leg_pain_worse_than_back"].leak[1] <= 0.1


def test_a_symptom_in_one_leg_is_checked_without_the_one_leg_answer(
    shipped_kb: KnowledgeBase,
) -> None:
    """Groin pain is LR 2.84 for hip OA against lumbar stenosis (Khan 2004), counted per
    patient. A case with groin pain on one side alone also answers "not in both legs"
    (case.py), a second finding that counts against stenosis and that the study did not
    condition on: the check leaves it out, which with it would put the ratio near 7."""
    assessor = Assessor(shipped_kb)
    (check,) = [
        c for c in check_ratios(assessor) if c.finding == "pain_groin_left" and c.kind == "LR+"
    ]
    population = ["hip_joint_left", "multilevel_stenosis"]

    def odds(answers: dict[str, str], one_leg: bool) -> float:
        case = Case(setting="clinician", patient=Patient(age=65), answers=answers)
        evidence = to_evidence(shipped_kb, case, one_leg=one_leg)
        hip, either = probabilities_all_absent(
            assessor.compiled, evidence, [population[:1], population]
        )
        return (1 - hip) / (hip - either)

    groin = {"pain_groin_left": "present"}
    assert check.ok
    assert check.implied == pytest.approx(odds(groin, False) / odds({}, False), rel=1e-9)
    assert odds(groin, True) / odds({}, True) > check.bounds[1]
