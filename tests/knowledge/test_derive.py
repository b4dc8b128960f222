"""Links derived from the anatomy, and their expansion to the two sides."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from nervepath.assessment.service import Assessor
from nervepath.errors import KnowledgeBaseError
from nervepath.knowledge.catalogue import allowed_values
from nervepath.knowledge.model import KnowledgeBase, load_knowledge_base


def _parents(kb: KnowledgeBase, instance: str) -> dict[str, tuple[float, ...]]:
    found = next(i for i in kb.finding_instances if i.name == instance)
    return {name: link.distribution for name, link in found.parents}


def test_region_numbness_is_a_child_of_its_core_root_and_its_nerve(tiny_kb: KnowledgeBase) -> None:
    parents = _parents(tiny_kb, "numbness_first_web_space_left")
    assert parents == {
        "l5_root_left": (0.5, 0.5),  # root_core
        "peroneal_nerve_left": (0.30000000000000004, 0.7),  # nerve
        "polyneuropathy": (0.4, 0.6),  # region tag 'stocking', midline: feeds both sides
    }


def test_variable_zone_root_gets_the_weaker_link(tiny_kb: KnowledgeBase) -> None:
    parents = _parents(tiny_kb, "numbness_dorsum_of_foot_right")
    assert parents["l5_root_right"][1] == 0.5
    assert "s1_root_right" not in parents  # no S1 site in the fixture: nothing to link


def test_nerve_lesion_reaches_the_muscles_of_its_branches_only(tiny_kb: KnowledgeBase) -> None:
    toe = _parents(tiny_kb, "strength_great_toe_extension_left")
    assert set(toe) == {"l5_root_left", "peroneal_nerve_left"}
    assert toe["peroneal_nerve_left"] == (0.30000000000000004, 0.3, 0.3, 0.1, 0.0, 0.0)
    calf = _parents(tiny_kb, "strength_ankle_plantarflexion_left")
    assert set(calf) == {"l5_root_left"}  # secondary root; the peroneal nerve does not supply it
    assert calf["l5_root_left"][:2] == (0.9, 0.1)


def test_movement_symptom_and_reflex_are_derived(tiny_kb: KnowledgeBase) -> None:
    assert set(_parents(tiny_kb, "difficulty_great_toe_extension_right")) == {
        "l5_root_right",
        "peroneal_nerve_right",
    }
    reflex = _parents(tiny_kb, "reflex_achilles_left")
    # The hand-written polyneuropathy link is used (states normal, brisk, reduced, absent).
    assert reflex == {"polyneuropathy": (0.5, 0.0, 0.3, 0.2)}


def test_lateral_parent_feeds_a_midline_finding_from_both_sides(tiny_kb: KnowledgeBase) -> None:
    assert set(_parents(tiny_kb, "bladder_dysfunction")) == {"l5_root_left", "l5_root_right"}


def test_midline_region_has_one_finding_without_side(tiny_kb: KnowledgeBase) -> None:
    names = {i.name for i in tiny_kb.finding_instances}
    assert (
        "numbness_saddle" not in names
    )  # no fixture site reaches the saddle: no parents, no finding
    assert "straight_leg_raise_left" in names and "straight_leg_raise_right" in names


def test_causes_come_first_then_sites_with_same_side_parents(tiny_kb: KnowledgeBase) -> None:
    kinds = [h.kind for h in tiny_kb.hidden]
    assert kinds == sorted(kinds)  # "cause" < "site"
    site = next(h for h in tiny_kb.hidden if h.name == "l5_root_left")
    assert [p for p, _ in site.parents] == ["disc_herniation_left"]
    poly = next(h for h in tiny_kb.hidden if h.name == "polyneuropathy")
    assert [p for p, _ in poly.parents] == ["diabetes_mellitus"]


# ── Parts of the leg without a finer place ─────────────────────────────────────────────────


def _load_with(root: Path, derivation_yaml: str) -> KnowledgeBase:
    """The tiny knowledge base with more derivation entries appended."""
    path = root / "derivation.yaml"
    path.write_text(path.read_text(encoding="utf-8") + derivation_yaml, encoding="utf-8")
    return load_knowledge_base(root)


def _with_foot_group(root: Path) -> KnowledgeBase:
    group = "  - {id: foot, name: foot, clinical_name: foot, groups: [foot], qualities: [numbness]}"
    return _load_with(root, f"region_groups:\n{group}\n")


def _assert_or_of(
    kb: KnowledgeBase, name: str, members: list[str], parents: list[str], *, own_leak: bool = False
) -> None:
    """Links and leak of ``name`` are the model's own P(at least one member): 1 − Π(1 − p).
    With ``own_leak`` the part's leak is a leak override instead, which must still lie between
    its commonest member's and the OR of them all."""
    part = kb.findings[name]
    expected_leak = 1 - math.prod(kb.findings[m].leak[0] for m in members)
    if own_leak:
        assert max(kb.findings[m].leak[1] for m in members) <= part.leak[1] < expected_leak
    else:
        assert part.leak[1] == pytest.approx(expected_leak)
    assert not part.asked and allowed_values(part) == ["present", "unknown"]
    # distribution[0] is the normal state: "absent", or MRC 5 for a strength grade.
    normal = {(link.finding, link.parent): link.distribution[0] for link in kb.links}
    for parent in parents:
        miss = math.prod(normal.get((m, parent), 1.0) for m in members)
        assert normal[(name, parent)] == pytest.approx(miss)
        assert kb.findings[name].leak[0] < 1 and 0 < miss < 1


def test_a_part_of_the_leg_is_the_or_of_its_regions(kb_copy: Path) -> None:
    regions = ["numbness_first_web_space", "numbness_heel", "numbness_dorsum_of_foot"]
    parents = ["l5_root", "peroneal_nerve"]
    _assert_or_of(_with_foot_group(kb_copy), "numbness_foot", regions, parents)


def test_a_stocking_counts_once_in_a_part(kb_copy: Path) -> None:
    """A region tag's value is a rate per person, felt over the whole pattern or not at all:
    "a numb foot" with a polyneuropathy is that rate, not the OR over the foot's regions."""
    kb = _with_foot_group(kb_copy)
    regions = ["numbness_first_web_space", "numbness_heel", "numbness_dorsum_of_foot"]
    link = {(x.finding, x.parent): x.distribution[1] for x in kb.links}
    members = [link[(m, "polyneuropathy")] for m in regions if (m, "polyneuropathy") in link]
    assert len(members) > 1
    assert link[("numbness_foot", "polyneuropathy")] == pytest.approx(max(members))


def test_a_hand_written_link_to_a_part_stands(shipped_kb: KnowledgeBase) -> None:
    """The spinal cord reaches the foot regions through its stocking pattern, yet its link to
    "numbness of the leg, place not stated" stays the hand-written one, once."""
    links = [(link.finding, link.parent, link.distribution[1]) for link in shipped_kb.links]
    assert any(f == "numbness_heel" and p == "numbness_stocking_pattern" for f, p, _ in links)
    pattern = next(h for h in shipped_kb.hidden if h.name == "numbness_stocking_pattern")
    assert "spinal_cord" in {p for p, _ in pattern.parents}
    whole = [v for f, p, v in links if f == "numbness_whole_leg" and p == "spinal_cord"]
    assert whole == [pytest.approx(0.27)]  # links/spinal_cord.yaml (Jellema 2003)


def test_the_interview_never_asks_a_part(kb_copy: Path) -> None:
    kb = _with_foot_group(kb_copy)
    candidates = Assessor(kb).candidates("self_check", {})
    assert "numbness_heel_left" in candidates
    assert not [c for c in candidates if c.startswith("numbness_foot")]


def _part_regions(kb: KnowledgeBase, part: str) -> list[str]:
    group = next(g for g in kb.raw.derivation.region_groups if g.id == part)
    return [r.id for r in kb.raw.anatomy.regions if r.lateral and r.group in group.groups]


def _background_rate(kb: KnowledgeBase, name: str) -> float:
    """P(finding | no modelled lesion): its own leak, and each nerve territory's background
    (the territory node's leak) through the territory's link to it."""
    leaks = {h.id: h.probability.value for h in kb.hidden if h.kind == "territory"}
    miss = 1.0 - kb.findings[name].leak[1]
    for link in kb.links:
        if link.finding == name and link.parent in leaks:
            miss *= 1.0 - leaks[link.parent] * (1.0 - link.distribution[0])
    return 1.0 - miss


def test_examined_sensory_loss_of_a_part_is_the_or_of_its_regions(
    shipped_kb: KnowledgeBase,
) -> None:
    """ "Reduced sensation in the foot", no finer place: the OR of the foot regions' examined
    loss, recorded by a clinician only."""
    members = [f"sensory_loss_{r}" for r in _part_regions(shipped_kb, "foot")]
    assert "sensory_loss_heel" in members and "sensory_loss_shin" not in members
    parents = ["l5_root", "s1_root", "common_peroneal_nerve", "sensory_loss_stocking_pattern"]
    _assert_or_of(shipped_kb, "sensory_loss_foot", members, parents, own_leak=True)
    # Coherent with the whole leg: a part is found numb no more often than the leg without a
    # modelled lesion, its own leak and the nerve territories' backgrounds together (the
    # femoral territory's background reaches nearly the whole leg and one region of the foot).
    foot, leg = (_background_rate(shipped_kb, f"sensory_loss_{p}") for p in ("foot", "whole_leg"))
    assert foot <= leg
    part = shipped_kb.findings["sensory_loss_foot"]
    assert part.category == "exam" and part.settings == ("clinician",) and part.lateral


def test_examined_weakness_of_a_part_is_the_or_of_its_movements_below_normal(
    shipped_kb: KnowledgeBase,
) -> None:
    """ "4/5 power in the leg, muscles not named": some movement of the part below MRC 5, whose
    probability under noisy-MAX is 1 − Π P(grade 5)."""
    group = next(g for g in shipped_kb.raw.derivation.region_groups if g.id == "whole_leg")
    assert {m.id for m in shipped_kb.raw.anatomy.movements} == set(group.movements)
    members = [f"strength_{m}" for m in group.movements]
    parents = ["l5_root", "s1_root", "femoral_nerve", "common_peroneal_nerve"]
    _assert_or_of(shipped_kb, "motor_weakness_whole_leg", members, parents)
    thigh = shipped_kb.findings["motor_weakness_thigh"]
    assert thigh.category == "exam" and thigh.settings == ("clinician",)


def test_a_published_rate_for_a_whole_part_replaces_the_product_of_its_regions(
    shipped_kb: KnowledgeBase,
) -> None:
    """Sensory loss anywhere in the leg: its own background rate (0.15; Tawa 2017's 0.37 among
    back-related leg pain until KB 0.2), not the 0.93 that the per-region 0.09 would give over
    28 regions; the parents' links stay the OR of the regions. The stocking's background
    pattern reaches the part too: with it, the part's whole background rate is the stated one."""
    part = shipped_kb.findings["sensory_loss_whole_leg"]
    members = [f"sensory_loss_{r}" for r in _part_regions(shipped_kb, "whole_leg")]
    pattern = next(h for h in shipped_kb.hidden if h.name == "sensory_loss_stocking_pattern")
    through = {
        (x.finding, x.parent): x.distribution[1]
        for x in shipped_kb.links
        if x.parent == pattern.name
    }[("sensory_loss_whole_leg", pattern.name)]
    assert 0.9 < through < 1.0 and part.leak[1] < 0.15
    background = next(h for h in shipped_kb.hidden if h.name == "sensory_loss_stocking_background")
    reached = background.probability.value * through
    # and so do the nerve territories' leaks (one side's: the part is one leg's)
    to_part = {x.parent: x.distribution[1] for x in shipped_kb.links if x.finding == part.id}
    territories = [h for h in shipped_kb.hidden if h.kind == "territory" and h.side == "left"]
    miss = math.prod(1 - h.probability.value * to_part.get(h.id, 0.0) for h in territories)
    assert miss < 1.0
    assert 1 - part.leak[0] * (1 - reached) * miss == pytest.approx(0.15)
    normal = {(link.finding, link.parent): link.distribution[0] for link in shipped_kb.links}
    miss = math.prod(normal.get((m, "l5_root"), 1.0) for m in members)
    assert normal[("sensory_loss_whole_leg", "l5_root")] == pytest.approx(miss)


def test_a_region_group_naming_an_unknown_movement_is_refused(kb_copy: Path) -> None:
    group = "  - {id: foot, name: foot, clinical_name: foot, groups: [foot], qualities: [numbness],"
    group += " movements: [toe_wiggle]}"
    with pytest.raises(KnowledgeBaseError, match=r"region_groups › foot › movements.*toe_wiggle"):
        _load_with(kb_copy, f"region_groups:\n{group}\n")


def test_the_interview_never_asks_an_examined_part(shipped_kb: KnowledgeBase) -> None:
    candidates = Assessor(shipped_kb).candidates("clinician", {})
    assert "sensory_loss_heel_left" in candidates
    assert "strength_ankle_dorsiflexion_left" in candidates
    assert not [c for c in candidates if c.startswith(("sensory_loss_foot", "motor_weakness_"))]


# ── A feeling named without its kind ───────────────────────────────────────────────────────


def test_altered_sensation_is_the_or_of_its_qualities(shipped_kb: KnowledgeBase) -> None:
    """ "Altered sensation of the toes" is numbness, pins and needles or burning there (tingling
    is pins and needles in other words, counted once)."""
    members = [f"{k}_middle_toes" for k in ("numbness", "pins_and_needles", "burning")]
    # a stocking: test_a_stocking_counts_once; the tarsal tunnel through its territories
    parents = ["numbness_territory_tibial_nerve_tarsal_tunnel", "l5_root"]
    _assert_or_of(shipped_kb, "altered_sensation_middle_toes", members, parents)


def test_altered_sensation_reaches_the_parts_of_the_leg(shipped_kb: KnowledgeBase) -> None:
    foot = shipped_kb.findings["altered_sensation_foot"]
    assert foot.lateral and not foot.asked
    assert foot.leak[1] > shipped_kb.findings["numbness_foot"].leak[1]


def test_a_group_naming_an_unknown_quality_is_refused(kb_copy: Path) -> None:
    group = "  - {id: altered, name: Odd, question: '{region}?', qualities: [numbness, tingles]}"
    with pytest.raises(KnowledgeBaseError, match=r"quality_groups › altered › qualities.*tingles"):
        _load_with(kb_copy, f"quality_groups:\n{group}\n")


MOTOR_FINDING_PREFIXES = ("weakness_", "strength_", "difficulty_", "motor_weakness_")
MOTOR_FINDINGS = {"foot_drop", "rapidly_worsening_weakness", "painless_weakness"}


def test_no_purely_sensory_nerve_links_to_weakness(shipped_kb: KnowledgeBase) -> None:
    """A purely sensory nerve (sural, saphenous, lateral femoral cutaneous) has no motor
    fibres: neither its site nor a cause that damages only such sites may explain weakness."""
    raw = shipped_kb.raw
    fibres = {n.id: n.fibres for n in raw.anatomy.nerves}
    sensory_sites = {
        s.id
        for s in raw.sites
        if s.lesion.nerves
        and not s.lesion.roots
        and not s.lesion.region_tags
        and all(fibres[n] == "sensory" for n in s.lesion.nerves)
    }
    assert {"sural_nerve", "saphenous_nerve", "lateral_femoral_cutaneous_nerve"} <= sensory_sites
    sensory_causes = {c.id for c in raw.causes if {s.site for s in c.sites} <= sensory_sites}
    parents = sensory_sites | sensory_causes
    motor = [
        (link.parent, link.finding)
        for link in shipped_kb.links
        if link.parent in parents
        and (link.finding.startswith(MOTOR_FINDING_PREFIXES) or link.finding in MOTOR_FINDINGS)
    ]
    assert motor == []


def test_sural_nerve_numbs_the_outer_top_of_the_foot(shipped_kb: KnowledgeBase) -> None:
    """The sural nerve's lateral dorsal cutaneous branch supplies the lateral dorsum (through
    the site's numbness territory: derivation.yaml › territory_pattern)."""
    parents = _parents(shipped_kb, "numbness_dorsum_of_foot_left")
    assert "numbness_territory_sural_nerve_left" in parents


# ── Felt weakness comes from the muscles, not the skin ─────────────────────────────────────


def _muscle_supplied_numbness(root: Path, muscles: str, web_space: str) -> KnowledgeBase:
    """The tiny knowledge base with its numbness felt through the muscles of each region, as
    the shipped weakness is: ``web_space`` for the first web space, ``muscles`` elsewhere."""
    derivation = root / "derivation.yaml"
    text = derivation.read_text(encoding="utf-8")
    derivation.write_text(
        text.replace("sensory_exam:", "    supply: muscles\nsensory_exam:", 1), encoding="utf-8"
    )
    regions = root / "anatomy" / "regions.yaml"
    lines = regions.read_text(encoding="utf-8").splitlines(keepends=True)
    regions.write_text(
        "".join(
            line.replace(
                ", sources:", f"{web_space if 'first_web_space' in line else muscles}, sources:"
            )
            for line in lines
        ),
        encoding="utf-8",
    )
    return load_knowledge_base(root)


def test_a_muscle_supplied_quality_takes_the_roots_and_nerves_of_the_muscles(
    kb_copy: Path,
) -> None:
    kb = _muscle_supplied_numbness(
        kb_copy, ", muscles: [extensor_hallucis_longus]", ", muscles: [gastrocnemius]"
    )
    parents = _parents(kb, "numbness_first_web_space_left")
    # Gastrocnemius: L5 a secondary root (root_variable 0.2); its tibial nerve has no site.
    # The peroneal nerve supplies the skin but not the muscle, so it gives nothing.
    assert parents == {"l5_root_left": (0.8, 0.2), "polyneuropathy": (0.4, 0.6)}


def test_a_muscle_supplied_quality_needs_the_muscles_of_its_regions(kb_copy: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match=r"regions.yaml.*› muscles: found none"):
        _muscle_supplied_numbness(kb_copy, ", muscles: [extensor_hallucis_longus]", "")


def test_femoral_nerve_weakens_the_thigh_not_the_shin_its_saphenous_branch_numbs(
    shipped_kb: KnowledgeBase,
) -> None:
    # through its territory node (territory.py: the nerve's skin felt as a whole)
    assert "numbness_territory_femoral_nerve_left" in _parents(shipped_kb, "numbness_shin_left")
    for finding in ("weakness_shin_left", "weakness_lower_leg_left", "weakness_foot_left"):
        assert "femoral_nerve_left" not in _parents(shipped_kb, finding)
    assert "femoral_nerve_left" in _parents(shipped_kb, "weakness_thigh_left")


def test_felt_weakness_follows_the_muscles_roots(shipped_kb: KnowledgeBase) -> None:
    """L4 is a primary root of the quadriceps, the sciatic nerve the hamstrings' nerve; the
    L3 root and the saphenous nerve move nothing below the knee."""
    thigh = _parents(shipped_kb, "weakness_anterior_thigh_left")
    assert thigh["l4_root_left"] == thigh["l3_root_left"]  # both primary roots
    assert "sciatic_nerve_left" in _parents(shipped_kb, "weakness_posterior_thigh_left")
    assert "l3_root_left" not in _parents(shipped_kb, "weakness_lower_leg_left")
    assert "saphenous_nerve_left" not in _parents(shipped_kb, "weakness_whole_leg_left")


def test_every_derived_felt_weakness_has_a_weak_muscle_there(shipped_kb: KnowledgeBase) -> None:
    """A parent the anatomy links to weakness of a place also weakens, on examination, a
    movement of a muscle felt there (or reaches it by a region tag: polyneuropathy)."""
    raw = shipped_kb.raw
    strength: dict[str, set[str]] = {}
    for link in shipped_kb.links:
        strength.setdefault(link.finding, set()).add(link.parent)
    for region in raw.anatomy.regions:
        weak = [
            link
            for link in shipped_kb.links
            if link.finding == f"weakness_{region.id}"
            and link.basis.startswith("anatomy:")
            and "region tag" not in link.basis
        ]
        moving = {
            parent
            for movement in raw.anatomy.movements
            if set(movement.muscles) & set(region.muscles)
            for parent in strength.get(f"strength_{movement.id}", set())
        }
        assert [link.parent for link in weak if link.parent not in moving] == [], region.id


# ── A root's own value in some regions ─────────────────────────────────────────────────────


def _with_per_root(root: Path, entry: str) -> KnowledgeBase:
    """The tiny knowledge base with a per_root entry under the numbness quality."""
    path = root / "derivation.yaml"
    text = path.read_text(encoding="utf-8")
    anchor = "    region_tag: {value: 0.6"
    line_end = text.index("\n", text.index(anchor)) + 1
    path.write_text(text[:line_end] + f"    per_root:\n      - {entry}\n" + text[line_end:])
    return load_knowledge_base(root)


def test_a_roots_own_value_replaces_its_zones_value_there_only(kb_copy: Path) -> None:
    prov = "probability: {value: 0.1, estimate: {rationale: 'fixture: this root seldom here'}}"
    kb = _with_per_root(kb_copy, f"{{root: l5, regions: [first_web_space], {prov}}}")
    assert _parents(kb, "numbness_first_web_space_left")["l5_root_left"][1] == pytest.approx(0.1)
    assert _parents(kb, "numbness_dorsum_of_foot_left")["l5_root_left"][1] == 0.5  # root_core


def test_a_roots_own_value_of_zero_leaves_no_link(kb_copy: Path) -> None:
    prov = "probability: {value: 0.0, estimate: {rationale: 'fixture: no more than background'}}"
    kb = _with_per_root(kb_copy, f"{{root: l5, regions: [first_web_space], {prov}}}")
    assert "l5_root_left" not in _parents(kb, "numbness_first_web_space_left")


def test_a_roots_own_value_outside_its_zones_is_refused(kb_copy: Path) -> None:
    prov = "probability: {value: 0.1, estimate: {rationale: 'fixture: this root seldom here'}}"
    with pytest.raises(KnowledgeBaseError, match=r"per_root › 0 › regions: heel is not in"):
        _with_per_root(kb_copy, f"{{root: l5, regions: [heel], {prov}}}")


# ── A region pattern (derivation.yaml › region_pattern) ─────────────────────────────────


_PATTERN = """
region_pattern:
  tag: stocking
  given: {value: 0.7, estimate: {rationale: "a fixture value for the test, a judgement"}}
  background_share: {value: 0.5, estimate: {rationale: "a fixture value for the test, half"}}
  both_legs:
    finding: bladder_dysfunction
    probability: {value: 0.5, estimate: {rationale: "a fixture value for the test, 0.5"}}
"""
# (the fixture has no "symptoms in both legs": any midline finding shows the link)


def test_a_region_pattern_is_one_node_per_quality_between_its_sites_and_regions(
    kb_copy: Path, tiny_kb: KnowledgeBase
) -> None:
    """The site's region-tag value is its link to the pattern node, whose background root's
    prior is the pattern's share of the quality's leak; the regions hang from the node at
    ``given`` and keep their background rate with it."""
    kb = _load_with(kb_copy, _PATTERN)
    numbness = next(q for q in kb.raw.derivation.sensory_qualities if q.id == "numbness")
    node = next(h for h in kb.hidden if h.name == "numbness_stocking_pattern")
    background = next(h for h in kb.hidden if h.name == "numbness_stocking_background")
    assert node.kind == "pattern" and node.side is None and node.probability.value == 0.0
    assert background.kind == "background" and not background.parents
    assert [(p, link.value) for p, link in node.parents] == [
        ("polyneuropathy", numbness.region_tag.value),
        ("numbness_stocking_background", 1.0),
    ]
    assert background.probability.value == pytest.approx(0.5 * numbness.leak.value / 0.7)
    heel = next(i for i in kb.finding_instances if i.name == "numbness_heel_left")
    parents = {p: link.distribution[1] for p, link in heel.parents}
    assert parents["numbness_stocking_pattern"] == 0.7 and "polyneuropathy" not in parents
    own = kb.findings["numbness_heel"].leak[0]
    prior = background.probability.value
    assert 1 - own * (1 - prior * 0.7) == pytest.approx(numbness.leak.value)
    assert [h.name for h in kb.hidden if h.kind in ("cause", "site")] == [
        h.name for h in tiny_kb.hidden
    ]
    both = next(i for i in kb.finding_instances if i.name == "bladder_dysfunction")
    # A felt stocking, whatever produces it, is felt in both legs; the finding keeps its
    # background rate, the felt patterns' backgrounds giving part of it.
    assert dict((p, x.distribution[1]) for p, x in both.parents)[node.name] == 0.5
    felt = [h for h in kb.hidden if h.kind == "background" and "sensory_loss" not in h.name]
    through = math.prod(1 - h.probability.value * 0.5 for h in felt)
    whole = tiny_kb.findings["bladder_dysfunction"].leak[1]
    assert 1 - kb.findings["bladder_dysfunction"].leak[0] * through == pytest.approx(whole)


def test_a_pattern_share_above_a_regions_leak_is_refused(kb_copy: Path) -> None:
    path = kb_copy / "derivation.yaml"
    text = path.read_text(encoding="utf-8")
    leak = '{value: 0.001, estimate: {rationale: "a fixture value below the share"}}'
    path.write_text(
        text + f"leak_overrides:\n  - finding: numbness_heel\n    leak: {leak}\n", encoding="utf-8"
    )
    refused = r"region_pattern › background_share.*numbness_heel"
    with pytest.raises(KnowledgeBaseError, match=refused):
        _load_with(kb_copy, _PATTERN)


def test_a_sites_rate_of_symptoms_in_both_legs_stays_its_own(shipped_kb: KnowledgeBase) -> None:
    """A polyneuropathy's felt stockings give symptoms in both legs through their pattern
    nodes; its own link keeps only the rest, so the lesion alone gives them at its stated 0.9
    (links/limb.yaml), not more."""
    own = {
        (x.finding, x.parent): x.distribution[0]
        for x in shipped_kb.links
        if x.finding == "bilateral_leg_symptoms"
    }
    miss = 1.0
    for h in shipped_kb.hidden:
        # The felt patterns: examined loss (a stocking found, not felt) and the signs read
        # on both sides (knowledge/signs.py) give no symptoms in both legs.
        if h.kind == "pattern" and ("bilateral_leg_symptoms", h.name) in own:
            rate = dict(h.parents).get("polyneuropathy")
            if rate is not None:
                through = 1 - own[("bilateral_leg_symptoms", h.name)]
                miss *= 1 - rate.value * through
    assert own[("bilateral_leg_symptoms", "polyneuropathy")] * miss == pytest.approx(0.1)


def test_a_sites_own_territory_rate_and_given_feed_its_territory_node(
    shipped_kb: KnowledgeBase,
) -> None:
    """The femoral nerve's skin is felt as a whole at its series' rate per person (Santilli
    2023, sites/limb.yaml), each region at the site's own given, so one region alone reads as
    that rate spread over its eight regions, not as a product of eight independent links."""
    site = next(s for s in shipped_kb.raw.sites if s.id == "femoral_nerve")
    assert site.territory_given is not None
    given = site.territory_given.value
    node = next(
        h for h in shipped_kb.hidden if h.name == "sensory_loss_territory_femoral_nerve_left"
    )
    assert dict((p, x.value) for p, x in node.parents) == {
        "femoral_nerve_left": site.territory["sensory_loss"].value
    }
    shin = _parents(shipped_kb, "sensory_loss_shin_left")
    assert "femoral_nerve_left" not in shin
    assert shin["sensory_loss_territory_femoral_nerve_left"][1] == pytest.approx(given)


def test_a_territory_rate_for_a_site_without_a_territory_is_refused(kb_copy: Path) -> None:
    path = kb_copy / "sites" / "all.yaml"
    text = path.read_text(encoding="utf-8")
    rate = (
        '{numbness: {value: 0.5, estimate: {rationale: "fixture: a rate per person for a root"}}}'
    )
    path.write_text(
        text.replace(
            "    lesion: {roots: [l5]}", f"    lesion: {{roots: [l5]}}\n    territory: {rate}"
        ),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeBaseError, match=r"sites › l5_root › territory › numbness"):
        load_knowledge_base(kb_copy)
