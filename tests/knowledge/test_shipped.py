"""The shipped knowledge base covers what design.md and the clinic articles promise."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from nervepath.knowledge import catalogue
from nervepath.knowledge.model import KnowledgeBase

DESIGN_SITES = {
    "l3_root",
    "l4_root",
    "l5_root",
    "s1_root",
    "multilevel_stenosis",
    "cauda_equina",
    "sciatic_nerve",
    "common_peroneal_nerve",
    "tibial_nerve_tarsal_tunnel",
    "interdigital_nerve",
    "sural_nerve",
    "saphenous_nerve",
    "femoral_nerve",
    "lateral_femoral_cutaneous_nerve",
    "polyneuropathy",
    "sacroiliac_joint",
    "greater_trochanter",
    "hip_joint",
    "knee_joint",
    "plantar_fascia",
    "achilles_tendon",
    "metatarsal_bone",
    "peripheral_arterial_disease",
}
ORIGINS = {
    "lumbar_spine",
    "peripheral_nerve",
    "pelvis_hip",
    "knee",
    "foot_local",
    "vascular",
    "systemic",
    "leg_muscle",
    "spinal_cord",
}


def test_every_design_site_is_present_with_an_origin(shipped_kb: KnowledgeBase) -> None:
    sites = shipped_kb.sites
    assert set(sites) >= DESIGN_SITES
    assert {s.origin for s in sites.values()} == ORIGINS


@pytest.mark.parametrize(
    "words",
    [
        "sciatica",
        "herniat",
        "stenosis",
        "osteophyte",
        "spondylolisthesis",
        "ankylosing spondylitis",
        "piriformis",
        "sacroiliac",
        "trochanteric bursitis",
        "peroneal",
        "tarsal tunnel",
        "polyneuropathy",
        "morton",
        "plantar fasciitis",
        "arterial",
        "hip",
        "cauda equina",
        "tumour",
        "infection",
        "fracture",
    ],
)
def test_every_cause_the_articles_name_is_findable(shipped_kb: KnowledgeBase, words: str) -> None:
    texts = [
        " ".join([c.id.replace("_", " "), c.name, c.plain_name, *c.aliases]).lower()
        for c in shipped_kb.raw.causes
    ]
    texts += [" ".join([s.id.replace("_", " "), s.name]).lower() for s in shipped_kb.raw.sites]
    assert any(words in t for t in texts), words


@pytest.mark.parametrize(
    "finding",
    [
        "pins_and_needles_dorsum_of_foot",
        "numbness_first_web_space",
        "tingling_calf",
        "burning_medial_sole",
        "heaviness_calf",
        "heavy_legs_walking",
        "foot_drop",
        "difficulty_ankle_dorsiflexion",
        "difficulty_ankle_plantarflexion",
        "numbness_saddle",
        "straight_leg_raise",
        "crossed_straight_leg_raise",
        "slump_test",
        "tinel_fibular_head",
        "tinel_tarsal_tunnel",
        "fair_test",
        "reduced_foot_pulses",
        "strength_great_toe_extension",
        "reflex_achilles",
        "sensory_loss_first_web_space",
    ],
)
def test_every_clue_is_a_finding(shipped_kb: KnowledgeBase, finding: str) -> None:
    assert finding in shipped_kb.findings


def test_red_flag_causes_are_marked(shipped_kb: KnowledgeBase) -> None:
    flagged = {c.id for c in shipped_kb.raw.causes if c.red_flag}
    assert {"spinal_tumour", "spinal_infection", "vertebral_fracture"} <= flagged


def test_graded_findings_keep_their_grades(shipped_kb: KnowledgeBase) -> None:
    rows = {r["id"]: r for r in catalogue.findings_catalogue(shipped_kb)}
    mrc = rows["strength_ankle_dorsiflexion_left"]
    assert mrc["kind"] == "graded" and mrc["values"] == ["5", "4", "3", "2", "1", "0", "unknown"]
    assert rows["reflex_achilles_right"]["values"] == [
        "normal",
        "brisk",
        "reduced",
        "absent",
        "unknown",
    ]
    assert rows["numbness_heel_left"]["values"] == ["present", "absent", "unknown"]


def test_findings_catalogue_rows_are_complete(shipped_kb: KnowledgeBase) -> None:
    rows = catalogue.findings_catalogue(shipped_kb)
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert row["question"].strip() and row["clinician_text"].strip()
        assert row["side"] in ("left", "right", None)
        assert row["id"].endswith(f"_{row['side']}") if row["side"] else True
    self_check = catalogue.findings_catalogue(shipped_kb, "self_check")
    assert all(r["category"] != "exam" for r in self_check)


def test_every_site_can_be_recognised_from_several_findings(shipped_kb: KnowledgeBase) -> None:
    for site in shipped_kb.raw.sites:
        children = {x.finding for x in shipped_kb.links if x.parent == site.id}
        assert len(children) >= 5, site.id


def test_most_numbers_are_sourced_and_all_have_provenance(shipped_kb: KnowledgeBase) -> None:
    stats = catalogue.statistics(shipped_kb)
    assert stats["numbers"] == stats["numbers_sourced"] + stats["numbers_estimated"]
    assert stats["numbers_sourced"] > 0


@pytest.mark.parametrize(
    "entry",
    [
        "l5",
        "deep_peroneal",
        "first_web_space",
        "gluteus_medius",
        "ankle_dorsiflexion",
        "achilles",
        "l5_root",
        "l5_root_left",
        "disc_herniation_l4_l5",
        "numbness_heel",
        "vanderwindt2010",
    ],
)
def test_show_describes_every_kind_of_entry(shipped_kb: KnowledgeBase, entry: str) -> None:
    described = catalogue.describe(shipped_kb, entry)
    assert described["kind"] in {
        "root",
        "nerve",
        "region",
        "muscle",
        "movement",
        "reflex",
        "site",
        "cause",
        "finding",
        "reference",
    }
    json.dumps(described)  # serialisable for --json


def test_show_of_l5_root_lists_its_findings_with_sources(shipped_kb: KnowledgeBase) -> None:
    described = catalogue.describe(shipped_kb, "l5_root")
    findings = {f["finding"]: f for f in described["findings"]}
    assert "numbness_first_web_space" in findings
    assert "disc_herniation_l4_l5" in described["causes"]
    assert all("source" in f or "estimate" in f for f in findings.values())


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nervepath", *args], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("command", ["sites", "causes", "findings"])
def test_cli_json_catalogues_parse(command: str) -> None:
    result = _cli("kb", command, "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows and all("id" in r for r in rows)


def test_cli_findings_json_has_the_contract_fields() -> None:
    rows = json.loads(_cli("kb", "findings", "--json").stdout)
    assert {"id", "question", "kind", "side", "values"} <= set(rows[0])


def test_cli_show_unknown_id_suggests_the_nearest() -> None:
    result = _cli("kb", "show", "l5_rot")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "did you mean l5_root" in result.stderr
