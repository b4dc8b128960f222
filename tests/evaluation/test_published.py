"""The published cases: every one loads and is cited, the split is fixed, the coverage holds,
bad files are refused with the field named, and ``nervepath evaluate`` scores them."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from nervepath.assessment.case import Case
from nervepath.assessment.service import Assessor
from nervepath.errors import CaseError
from nervepath.evaluation.evaluate import Expected, LabelledCase
from nervepath.evaluation.halves import evaluate_published
from nervepath.evaluation.published import (
    HALVES,
    PublishedCase,
    half_of,
    labelled,
    load_published_cases,
)
from nervepath.evaluation.replay import SILENT_ANSWERS, body_map_places, replay
from nervepath.interview.adaptive import MAX_QUESTIONS
from nervepath.interview.machine import Interview
from nervepath.interview.plan import plan
from nervepath.interview.start import age_band
from nervepath.knowledge.model import KnowledgeBase

ROOT = Path(__file__).parents[2]
CASES = ROOT / "tests" / "published" / "cases"
SPLIT = ROOT / "tests" / "published" / "split.txt"

# The coverage: every site three times, five for the commonest sites and emergencies.
SHORT = {
    "interdigital_nerve": 2,  # a third Morton's neuroma with its citation in view: not found
    # Modelled since KB 0.1.3; a third case with its side and authors in view: not found.
    # Non-specific referred pain is rarely published as a case (it is the diagnosis left over).
    "calcaneus": 2,
    "lumbar_somatic_referred": 2,
}
FIVE = {
    "l3_root",
    "l4_root",
    "l5_root",
    "s1_root",
    "common_peroneal_nerve",
    "multilevel_stenosis",
    "cauda_equina",
}


@pytest.fixture(scope="module")
def published(shipped_kb: KnowledgeBase) -> tuple[PublishedCase, ...]:
    return load_published_cases(CASES, kb=shipped_kb)


def test_every_case_loads_cited_and_linked(published: tuple[PublishedCase, ...]) -> None:
    assert len(published) >= 120
    for case in published:
        c = case.citation
        assert c.authors and c.title and c.source and c.url.startswith(("https://", "http://"))
        assert case.presentation and case.diagnosis.confirmed_by
        # A case nothing could be entered for still says why: its statements are unmapped.
        assert case.clinician.answers or case.unmapped, case.id


def test_the_split_is_the_recorded_one(published: tuple[PublishedCase, ...]) -> None:
    """A case never changes half: a new case is added to split.txt, an old one keeps its line."""
    recorded = dict(line.split() for line in SPLIT.read_text(encoding="utf-8").splitlines())
    now = {case.id: case.half for case in published}
    missing = sorted(set(now) - set(recorded))
    assert not missing, "add to tests/published/split.txt:\n" + "\n".join(
        f"{i} {now[i]}" for i in missing
    )
    assert {i: recorded[i] for i in now} == now
    halves = Counter(now.values())
    assert min(halves[h] for h in HALVES) >= 0.35 * len(now)  # a hash, not a choice


def test_half_depends_on_the_link_alone() -> None:
    url = "https://pmc.ncbi.nlm.nih.gov/articles/PMC2684217/"
    assert half_of(url) == half_of("http://PMC.ncbi.nlm.nih.gov/articles/PMC2684217") in HALVES
    assert {half_of(f"https://example.org/case/{n}") for n in range(20)} == set(HALVES)


def test_coverage(published: tuple[PublishedCase, ...], shipped_kb: KnowledgeBase) -> None:
    sites = Counter(c.diagnosis.site for c in published)
    short = {
        site: sites[site]
        for site in shipped_kb.sites
        if sites[site] < SHORT.get(site, 5 if site in FIVE else 3)
    }
    assert not short, f"sites with too few cases: {short}"
    assert {c.patient.sex for c in published} >= {"female", "male"}
    ages = [c.patient.age for c in published if c.patient.age is not None]
    assert min(ages) <= 25 and max(ages) >= 80
    # No published case was managed by self-care alone with its citation in view.
    assert {c.diagnosis.urgency for c in published} >= {"routine", "urgent", "emergency"}
    assert sum(c.diagnosis.initially_labelled is not None for c in published) >= 20


def test_case_of_each_setting(published: tuple[PublishedCase, ...]) -> None:
    case = published[0]
    clinician, self_check = labelled(case, "clinician"), labelled(case, "self_check")
    assert clinician.id == f"{case.id}:clinician" and self_check.case.setting == "self_check"
    assert clinician.case.patient == case.patient
    assert dict(self_check.case.answers) == case.self_check.answers


# ── Bad files are refused, every problem named ───────────────────────────────────────────────

GOOD = """\
id: {id}
citation:
  authors: Doe J
  year: 2015
  title: A made-up title for the loader test
  source: Nowhere
  url: https://example.org/case
patient: {{age: 45, sex: male}}
presentation: A painless left foot drop after squatting.
diagnosis:
  final: Common peroneal neuropathy
  confirmed_by: nerve conduction studies
  site: {site}
  side: {side}
  origin: peripheral_nerve
  urgency: routine
clinician:
  answers: {{foot_drop_left: present, strength_ankle_dorsiflexion_left: "2"}}
self_check:
  answers: {{foot_drop_left: present{extra}}}
"""


def _write(folder: Path, name: str, **fields: str) -> Path:
    values = {"id": name, "site": "common_peroneal_nerve", "side": "left", "extra": ""} | fields
    path = folder / f"{name}.yaml"
    path.write_text(GOOD.format(**values), encoding="utf-8")
    return path


def test_a_good_file_loads(tmp_path: Path, shipped_kb: KnowledgeBase) -> None:
    _write(tmp_path, "good_case")
    (case,) = load_published_cases(tmp_path, kb=shipped_kb)
    assert case.diagnosis.site == "common_peroneal_nerve" and case.half in HALVES


def test_every_problem_is_named(tmp_path: Path, shipped_kb: KnowledgeBase) -> None:
    _write(tmp_path, "clinician_only", extra=", straight_leg_raise_left: absent")
    _write(tmp_path, "wrong_site", site="l6_root")
    _write(tmp_path, "midline_with_side", site="polyneuropathy")
    _write(tmp_path, "other_name", id="not_the_file_name")
    (tmp_path / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    _write(tmp_path, "answered_twice", extra=", foot_drop_left: absent")
    (tmp_path / "unknown_key.yaml").write_text(
        GOOD.format(id="unknown_key", site="sural_nerve", side="left", extra="")
        + "comment: not a field\n",
        encoding="utf-8",
    )
    with pytest.raises(CaseError) as caught:
        load_published_cases(tmp_path, kb=shipped_kb)
    text = str(caught.value)
    assert "straight_leg_raise_left: only a clinician can answer this" in text
    assert "'l6_root' is not a site" in text
    assert "polyneuropathy is a midline site" in text
    assert "origin: polyneuropathy belongs to systemic" in text
    assert "differs from the file name" in text
    assert "broken.yaml: not valid YAML" in text
    assert "answered_twice.yaml: not valid YAML" in text and "'foot_drop_left' twice" in text
    assert "comment: Extra inputs are not permitted" in text


def test_outside_the_model_has_no_side(tmp_path: Path, shipped_kb: KnowledgeBase) -> None:
    _write(tmp_path, "dvt", site="null", side="left")
    with pytest.raises(CaseError, match="outside the model has no site, so no side"):
        load_published_cases(tmp_path, kb=shipped_kb)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="no such file or folder"):
        load_published_cases(tmp_path / "nope")
    with pytest.raises(CaseError, match=r"no \*.yaml case files"):
        load_published_cases(tmp_path)


# ── Scoring ───────────────────────────────────────────────────────────────────────────────


def test_outside_cases_count_for_urgency_not_sites(
    tmp_path: Path, shipped_kb: KnowledgeBase
) -> None:
    _write(tmp_path, "peroneal")
    outside = _write(tmp_path, "calf_dvt", site="null", side="null")
    outside.write_text(
        outside.read_text(encoding="utf-8").replace("origin: peripheral_nerve", "origin: vascular"),
        encoding="utf-8",
    )
    cases = load_published_cases(tmp_path, kb=shipped_kb)
    assert len({c.half for c in cases}) == 1  # one link, one half
    result = evaluate_published(Assessor(shipped_kb), cases, settings=("clinician",))
    (section,) = result.sections
    report = section.report
    assert (report.cases, report.in_model) == (2, 1)
    dvt = next(r for r in report.results if r.id.startswith("calf_dvt"))
    assert dvt.rank is None and dvt.truth_probability == 0.0
    assert [r.id for r in report.worst()] == ["peroneal:clinician"]
    assert sum(map(sum, report.triage.confusion)) == 2
    # The one case the model can name falls in exactly one band of the truth's prior.
    assert sum(b.cases for b in section.per_prior) == 1
    (named,) = [r for r in report.results if r.in_model]
    assert sum(b.top3 for b in section.per_prior) == int(named.top3)


def test_top3_by_the_truths_prior(tmp_path: Path, shipped_kb: KnowledgeBase) -> None:
    _write(tmp_path, "peroneal")
    cases = load_published_cases(tmp_path, kb=shipped_kb)
    assessor = Assessor(shipped_kb)
    result = evaluate_published(assessor, cases, settings=("clinician",))
    (section,) = result.sections
    blank = Case(setting="clinician", patient=cases[0].patient)
    prior = dict(assessor.differential(blank).sites)[
        f"common_peroneal_nerve_{cases[0].diagnosis.side}"
    ]
    (band,) = [b for b in section.per_prior if b.cases]
    assert band.lower <= prior < band.upper
    assert [b.label for b in section.per_prior] == ["0–0.5 %", "0.5–2 %", "≥ 2 %"]
    document = result.to_dict()["sections"][0]["per_prior"]
    assert [b["cases"] for b in document] == [b.cases for b in section.per_prior]


def test_the_body_map_marks_the_places_the_case_names(shipped_kb: KnowledgeBase) -> None:
    places = body_map_places(
        shipped_kb,
        {
            "pain_calf_left": "present",
            "numbness_heel_left": "present",
            "pain_heel_left": "present",
            "pain_buttock_right": "absent",
            "back_pain": "present",
            "fever": "absent",
        },
    )
    # What is felt in each place, that place only.
    assert places == {"calf_left": ["pain"], "heel_left": ["pain", "numbness"]}
    assert body_map_places(shipped_kb, {"back_pain": "present"}) == {"lower_back": ["pain"]}
    assert body_map_places(shipped_kb, {"fever": "present"}) == {}
    # "Feels different", no word for it: the place, with that.
    assert body_map_places(
        shipped_kb, {"altered_sensation_heel_left": "present", "pain_heel_left": "present"}
    ) == {"heel_left": ["pain", "altered_sensation"]}


def test_a_painless_complaint_of_one_leg_marks_that_leg(shipped_kb: KnowledgeBase) -> None:
    """A painless foot drop names no feeling in a place: the patient marks the leg it is in,
    "somewhere in my right leg", and says nothing about what it feels there; so the case is
    replayed (it was left out), with the warning-sign screen ticking the foot drop."""
    answers = {"foot_drop_right": "present", "sudden_onset": "present"}
    assert body_map_places(shipped_kb, answers) == {"whole_leg_right": ["unknown"]}
    item = LabelledCase(
        "painless_foot_drop",
        Case(setting="self_check", answers=answers),
        Expected("common_peroneal_nerve", "right", "peripheral_nerve", "urgent"),
    )
    seen: list[Interview] = []
    result = replay(Assessor(shipped_kb), item, "absent", trace=lambda i, _q: seen.append(i))
    assert result.ended != "no_places" and result.places == ("whole_leg_right",)
    assert seen[-1].answers["foot_drop_right"] == "present"
    assert result.rank is not None and result.rank <= 3


def test_replayed_interview_answers_from_the_case(
    published: tuple[PublishedCase, ...], shipped_kb: KnowledgeBase
) -> None:
    case = next(c for c in published if c.diagnosis.site == "plantar_fascia")
    item = labelled(case, "self_check")
    seen: list[Interview] = []
    result = replay(Assessor(shipped_kb), item, "absent", trace=lambda i, _q: seen.append(i))
    assert result.places
    assert result.ended in ("confident", "nothing_left", "unsure", "max_questions")
    # The warning-sign screen is one question, however many signs it lists; so is the
    # risk-factor checklist.
    assert result.warning_signs > 5 and 2 <= result.questions <= 2 + MAX_QUESTIONS
    assert result.full_rank is not None
    interview = seen[-1]
    assert interview.start["for_whom"] == "me"
    age = item.case.patient.age
    assert interview.start["age"] == ("unknown" if age is None else age_band(shipped_kb, age))


def test_a_part_of_the_leg_alone_is_replayed_as_that_part(shipped_kb: KnowledgeBase) -> None:
    """A case that names only a part ("pain in the whole right leg", "numb right foot") marks
    that part ("somewhere in my right leg") with what it feels there: the part's findings are
    answered as the case says, and no finer place is invented. (Marking the part's places
    with "don't know" felt, as before, recorded nothing: the interview ranked such a case as
    if the leg did not hurt.)"""
    answers = {"pain_whole_leg_right": "present", "numbness_foot_right": "present"}
    places = body_map_places(shipped_kb, answers)
    assert places == {"whole_leg_right": ["pain"], "foot_right": ["numbness"]}
    # A place the case names keeps what it feels, beside the part.
    both = body_map_places(shipped_kb, {**answers, "pain_calf_right": "present"})
    assert both["calf_right"] == ["pain"] and both["whole_leg_right"] == ["pain"]
    item = LabelledCase(
        "whole_leg_only",
        Case(setting="self_check", answers=answers),
        Expected("l5_root", "right", "spine", "routine"),
    )
    body_map = plan(shipped_kb, "self_check").place_findings
    seen: list[Interview] = []
    for silent in SILENT_ANSWERS:
        result = replay(Assessor(shipped_kb), item, silent, trace=lambda i, _q: seen.append(i))
        assert result.ended != "no_places" and result.places == tuple(places)
        felt = {
            name: value
            for name, value in seen[-1].answers.items()
            if name in body_map and value == "present"
        }
        assert felt == answers


def test_cli_scores_one_half_as_json() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nervepath",
            "evaluate",
            str(CASES),
            "--half",
            "tuning",
            "--setting",
            "clinician",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    ((section),) = doc["sections"]
    assert (section["half"], section["setting"]) == ("tuning", "clinician")
    assert section["cases"] >= 40 and len(section["worst"]) == 10


def test_cli_refuses_a_bad_half() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "nervepath", "evaluate", str(CASES), "--half", "test"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0 and "--half 'test'" in done.stderr
    assert "Traceback" not in done.stderr
