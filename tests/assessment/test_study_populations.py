"""Findings whose published accuracy comes from a narrower population than leg pain at large
(likelihood_ratios.yaml, ``among``): the study's false-positive rate belongs to the sites its
other patients had, so in knee or heel pain, where those sites are rare, the finding still
tells a spinal cause from the local one."""

from __future__ import annotations

from collections.abc import Iterator

from sites_support import probability as _p
from sites_support import ranked_sites as _sites

KNEE = {"pain_medial_knee_left": "present", "pain_front_of_knee_left": "present"}
HEEL = {"pain_heel_left": "present", "pain_first_steps_morning_left": "present"}
ROOTS = ("l5_root", "s1_root")


def _ratios(answers: dict[str, str], age: int, site: str, finding: str, state: str) -> dict:
    """Each posterior (the roots, somatic referred pain, the local site) after ``finding`` is
    answered ``state``, over the same posterior before."""
    before = _sites(answers, age=age)
    after = _sites(answers | {finding: state}, age=age)
    names = [(r, "left") for r in ROOTS] + [("lumbar_somatic_referred", None), (site, "left")]
    return {
        "local" if n == site else n: _p(after, n, side) / _p(before, n, side) for n, side in names
    }


def _beside_knee_or_heel(finding: str) -> Iterator[tuple[dict, dict]]:
    """For knee pain at 65 and heel pain at 45: the ratios with ``finding`` present and absent."""
    for answers, age, site in ((KNEE, 65, "knee_joint"), (HEEL, 45, "plantar_fascia")):
        present = _ratios(answers, age, site, finding, "present")
        yield present, _ratios(answers, age, site, finding, "absent")


def test_a_positive_straight_leg_raise_counts_for_the_roots_against_a_knee_or_a_heel() -> None:
    """A positive SLR is rare in knee or heel pain without a spinal cause (leak 0.05), so it
    lifts the roots several-fold; until KB 0.2 its leak of 0.75 (the rate among people referred
    with suspected radiculopathy) moved them by a fifth. A negative one clears them."""
    for yes, no in _beside_knee_or_heel("straight_leg_raise_left"):
        assert all(yes[r] > 4 and no[r] < 1 / 3 for r in ROOTS)
        assert yes["local"] < 1


def test_back_to_leg_pain_counts_for_the_roots_beside_a_knee_or_a_heel() -> None:
    """Leg-dominant pain from the back is LR 1.87 for root compression among sciatica patients
    (el Barzouhi 2014), whose other patients said yes in 0.34; people with knee or heel pain
    rarely do (leak 0.08), so it lifts the roots over three-fold and somatic referred pain
    nearly two-fold. Until KB 0.2, with a leak of 0.22, the roots rose about 2.4-fold."""
    for yes, no in _beside_knee_or_heel("leg_pain_worse_than_back_left"):
        assert all(yes[r] > 3 and no[r] < 1 / 2 for r in ROOTS)
        assert yes["lumbar_somatic_referred"] > 1.8 and yes["local"] < 1


def test_leg_pain_worse_on_coughing_counts_for_the_roots_beside_a_knee_or_a_heel() -> None:
    """Cough-aggravated leg pain has DOR 2.28 for root compression among sciatica patients
    (Verwoerd 2016): 0.26 of those without compression say yes, and that rate is now the link
    from somatic referred pain, not the leak for everyone. Beside knee or heel pain it lifts
    the roots four-fold and somatic referred pain over two-fold; until KB 0.2 the roots rose
    by two-thirds and somatic referred pain not at all."""
    for yes, _ in _beside_knee_or_heel("leg_pain_worse_cough_sneeze_left"):
        assert all(yes[r] > 4 for r in ROOTS)
        assert yes["lumbar_somatic_referred"] > 2 and yes["local"] < 1


def test_a_positive_sij_cluster_raises_the_joint_and_leaves_back_pain_alone() -> None:
    """Laslett's cluster (LR+ 4.27) was measured among people with chronic back or buttock
    pain: 0.22 of those whose pain was not from the joint were positive, now the link from
    somatic referred pain. A positive cluster lifts the joint about four-fold and leaves
    somatic referred pain where it was; until KB 0.2 (leak 0.22 for everyone) the joint rose
    under three-fold and back pain counted against it by a quarter."""
    buttock = {"pain_buttock_left": "present", "back_pain": "present"}
    before = _sites(buttock, age=45)
    after = _sites(buttock | {"sij_provocation_cluster_left": "present"}, age=45)
    assert _p(after, "sacroiliac_joint", "left") > 3.5 * _p(before, "sacroiliac_joint", "left")
    somatic = _p(after, "lumbar_somatic_referred") / _p(before, "lumbar_somatic_referred")
    assert 0.95 < somatic < 1.2


def _hip_ratios(finding: str, state: str) -> Iterator[dict]:
    """For knee pain at 65 and heel pain at 45: each posterior (the hip joint, central
    stenosis, the L5 root) after ``finding`` is answered ``state``, over the same before."""
    names = (("hip_joint", "left"), ("multilevel_stenosis", None), ("l5_root", "left"))
    for answers, age in ((KNEE, 65), (HEEL, 45)):
        before = _sites(answers, age=age)
        after = _sites(answers | {finding: state}, age=age)
        yield {n: _p(after, n, side) / _p(before, n, side) for n, side in names}


def test_groin_pain_beside_a_knee_or_a_heel_points_to_the_hip() -> None:
    """Groin pain is LR 2.84 for hip OA against lumbar stenosis (Khan 2004): 0.30 of the
    stenosis patients marked the groin, now the stenosis link. In leg pain with no hip, spinal
    or pelvic cause it is rare (4 % of lower lumbar disc herniations, leak 0.05), so beside knee
    or heel pain it lifts the hip over five-fold; until KB 0.2 (leak 0.30) about 2.5-fold, and
    stenosis not at all."""
    for yes in _hip_ratios("pain_groin_left", "present"):
        assert yes["hip_joint"] > 5 and yes["multilevel_stenosis"] > 1.5
        assert yes["hip_joint"] > 2 * yes["multilevel_stenosis"]
    for no in _hip_ratios("pain_groin_left", "absent"):
        assert no["hip_joint"] < 0.25


def test_a_painful_stiff_hip_on_rotation_beside_a_knee_or_a_heel_points_to_the_hip() -> None:
    """Altman 1991's tree (painful or limited internal rotation in every branch) had
    specificity 0.75 against other causes of hip pain, now the links from the trochanter, the
    sacroiliac joint and somatic referred pain; in other leg pain the sign is uncommon (leak
    0.06). Beside knee or heel pain it lifts the hip over five-fold (about three-fold with the
    old 0.25 leak) and leaves the L5 root alone."""
    for yes in _hip_ratios("hip_internal_rotation_painful_limited_left", "present"):
        assert yes["hip_joint"] > 5 and 0.9 < yes["l5_root"] < 1.1


def test_a_positive_faber_beside_a_knee_or_a_heel_points_to_the_hip_more_than_the_roots() -> None:
    """Morimoto 2011 found the Patrick test painful in 0.12 of operated disc herniations (the
    roots' link now) against 0.71 of arthritic hips; in other leg pain it rarely reproduces
    the pain (leak 0.05). A positive test lifts the hip about five-fold (under four-fold with
    the old 0.12 leak) and the roots by under 1.6."""
    for yes in _hip_ratios("faber_test_left", "present"):
        assert yes["hip_joint"] > 4.5 and 1 < yes["l5_root"] < 1.6


def test_a_sensory_loss_somewhere_in_the_leg_counts_for_the_roots_beside_a_knee_or_a_heel() -> None:
    """Tawa 2017's sensory testing (LR+ 1.65) was measured in back-related leg pain against
    MRI: 0.37 of those without root compression had a deficit, now the link from somatic
    referred pain; in other leg pain a deficit is found less often (leak 0.15). Beside knee or
    heel pain a deficit somewhere in the leg lifts each root over 2.5-fold (under two-fold with
    the old 0.37 leak) and somatic referred pain over 1.5-fold."""
    for answers, age, site in ((KNEE, 65, "knee_joint"), (HEEL, 45, "plantar_fascia")):
        ratios = _ratios(answers, age, site, "sensory_loss_whole_leg_left", "present")
        assert all(ratios[r] > 2.5 for r in ROOTS)
        assert ratios["lumbar_somatic_referred"] > 1.5 and ratios["local"] < 1.1


def test_walking_pain_eased_by_standing_still_points_to_the_arteries_beside_knee_pain() -> None:
    """Pain eased by simply standing is LR 4.85 for vascular against neurogenic claudication
    (Nadeau's 53 claudicants): 0.14 of the stenosis patients said yes, now the stenosis link.
    In leg pain of other causes it is uncommon (leak 0.04), so beside knee pain at 65 it lifts
    arterial disease about ten-fold (4.4-fold with the old 0.14 leak) and stenosis two-fold
    (not at all before), the arteries still far more."""
    before = _sites(KNEE, age=65)
    after = _sites(KNEE | {"calf_cramp_walking_relieved_standing_left": "present"}, age=65)
    pad = _p(after, "peripheral_arterial_disease", "left")
    pad /= _p(before, "peripheral_arterial_disease", "left")
    stenosis = _p(after, "multilevel_stenosis") / _p(before, "multilevel_stenosis")
    assert pad > 8 and 1.5 < stenosis < pad / 3
