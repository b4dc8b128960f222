"""The likelihood ratio the model implies for a pattern of foot regions, site by site.

A root's or nerve's link is a rate per region, and the model holds the regions independent
given the sites, so a pattern of several regions carries the product of their ratios; a
stocking's regions hang from pattern nodes instead (a site's, at its rate per person, and a
background one for the pattern without a modelled lesion; derivation.yaml › region_pattern),
so a whole stocking weighs about as the pattern does, person for person. This prints, for
each felt quality, the implied LR (posterior odds over prior odds, exact inference, clinician
setting, stated age) of a few patterns for polyneuropathy, the spinal cord and the foot's
nerves and roots, and the three sites ranked first: one toe, the toes of one foot (which also
answers "both legs" no, as a one-sided report does), the tarsal tunnel's whole territory of
one foot (its regions hang from a territory node: derivation.yaml › territory_pattern), the
toes of both feet, the stocking of both feet, each with and without "symptoms in both legs"
answered.

    PYTHONPATH=src python benchmarks/foot_patterns.py            # age 60, every quality
    PYTHONPATH=src python benchmarks/foot_patterns.py --age 70 --quality numbness
"""

from __future__ import annotations

import argparse

from nervepath.assessment.case import Case, Patient
from nervepath.assessment.service import Assessor
from nervepath.knowledge.model import load_knowledge_base

TARGETS = (
    "polyneuropathy",
    "spinal_cord",
    "tibial_nerve_tarsal_tunnel_left",
    "l5_root_left",
    "s1_root_left",
)
TOES = ("great_toe", "middle_toes", "little_toe")
SOLE = ("ball_of_foot", "medial_sole", "lateral_sole")
TARSAL = (*TOES, *SOLE, "heel", "medial_border_of_foot")  # the tarsal tunnel's territory
BOTH = ("left", "right")


def _regions(quality: str, regions: tuple[str, ...], sides: tuple[str, ...]) -> dict[str, str]:
    return {f"{quality}_{r}_{s}": "present" for r in regions for s in sides}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--age", type=int, default=60)
    parser.add_argument("--quality", action="append", help="numbness, pain, … (repeatable)")
    args = parser.parse_args()
    kb = load_knowledge_base()
    assessor = Assessor(kb)
    stocking = tuple(r.id for r in kb.raw.anatomy.regions if "stocking" in r.tags)
    qualities = args.quality or ["numbness", "pins_and_needles", "pain", "burning"]

    def posterior(answers: dict[str, str]) -> tuple[dict[str, float], list[str]]:
        case = Case(setting="clinician", patient=Patient(age=args.age), answers=answers)
        d = assessor.differential(case)
        return dict((*d.sites, *d.causes)), [f"{s} {p:.2f}" for s, p in d.sites[:3]]

    def odds(p: float) -> float:
        return p / (1.0 - p)

    prior, _ = posterior({})
    print("pattern".ljust(44) + "".join(t[:14].rjust(16) for t in TARGETS) + "   first three")
    bilateral = {"bilateral_leg_symptoms": "present"}
    for q in qualities:
        patterns = {
            "one toe, one foot": _regions(q, TOES[:1], BOTH[:1]),
            "toes of one foot": _regions(q, TOES, BOTH[:1]),
            "tarsal tunnel territory, one foot": _regions(q, TARSAL, BOTH[:1]),
            "toes of both feet": _regions(q, TOES, BOTH),
            "toes of both feet, both legs": _regions(q, TOES, BOTH) | bilateral,
            "toes and sole of both feet, both legs": _regions(q, TOES + SOLE, BOTH) | bilateral,
            "stocking of both feet": _regions(q, stocking, BOTH),
            "stocking of both feet, both legs": _regions(q, stocking, BOTH) | bilateral,
        }
        for label, answers in patterns.items():
            post, first = posterior(answers)
            ratios = "".join(f"{odds(post[t]) / odds(prior[t]):16.1f}" for t in TARGETS)
            print(f"{q[:16]} {label}"[:44].ljust(44) + ratios + "   " + ", ".join(first))


if __name__ == "__main__":
    main()
