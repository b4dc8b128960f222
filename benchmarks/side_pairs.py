"""A lesion of one kind on both sides against a midline site: posterior odds by answer.

A side-less finding (``sudden_onset``) is one noisy-OR child of every cause that produces it,
so the left and the right instance of one cause are two independent chances to produce it:
with both fibular-head peroneal nerves compressed ``P(sudden) = 1 − 0.85 · 0.53² = 0.76``,
against 0.55 with one, although palsies on both sides at once mostly share one event (a
posture, an operation). This prints, for one labelled case:

* the posterior log-odds of "both sides' site affected" against a midline site, and each
  answer's share of it (leave-one-out: the log-odds with all answers minus without that one);
* each origin group's ``P(some site of it affected | e)`` as built, and with the finding
  counting the pair once: an exact what-if in which the pair reaches the finding through one
  node that is present when either side is (link 1, no leak), carrying the cause's link.

Exact inference throughout (sites are clamped by a deterministic child per site).

    PYTHONPATH=src python benchmarks/side_pairs.py                    # the vignette below
    PYTHONPATH=src python benchmarks/side_pairs.py --case ID --pair SITE --against SITE \\
        --finding sudden_onset --cause CAUSE
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from nervepath.assessment.case import parse_case, to_evidence
from nervepath.assessment.service import ORIGIN_GROUPS
from nervepath.engine import FindingNode, HiddenNode, Network, compile_network, infer
from nervepath.engine.build import build_network
from nervepath.knowledge.model import load_knowledge_base

VIGNETTES = Path(__file__).resolve().parents[1] / "tests" / "vignettes" / "vignettes.jsonl"


def _clamped(network: Network, sites: list[str]) -> Network:
    """``network`` with a child ``clamp_<site>`` per site: 'present' iff the site is."""
    index = network.hidden_index
    clamps = tuple(
        FindingNode(f"clamp_{s}", ("absent", "present"), (1.0, 0.0), ((index[s], (0.0, 1.0)),))
        for s in sites
    )
    return Network(network.hidden, network.findings + clamps)


def _pair_once(network: Network, finding: str, cause: str) -> Network:
    """``finding`` reached by ``cause``'s left and right instances through one either-side node."""
    left, right = network.hidden_index[f"{cause}_left"], network.hidden_index[f"{cause}_right"]
    either = len(network.hidden)
    hidden = (*network.hidden, HiddenNode(f"{cause}_either", parents=((left, 1.0), (right, 1.0))))
    findings = []
    for f in network.findings:
        if f.name == finding:
            link = dict(f.parents)[left]
            rest = tuple((j, q) for j, q in f.parents if j not in (left, right))
            f = FindingNode(f.name, f.states, f.leak, (*rest, (either, link)))
        findings.append(f)
    return Network(hidden, tuple(findings))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="ces_bilateral_foot_drop", help="a vignette id")
    parser.add_argument("--pair", default="common_peroneal_nerve")
    parser.add_argument("--against", default="cauda_equina")
    parser.add_argument("--finding", default="sudden_onset")
    parser.add_argument("--cause", default="peroneal_compression_fibular_head")
    args = parser.parse_args()
    kb = load_knowledge_base()
    built = build_network(kb)
    line = next(
        json.loads(row)
        for row in VIGNETTES.read_text().splitlines()
        if row.strip() and json.loads(row)["id"] == args.case
    )
    evidence = to_evidence(kb, parse_case(line["case"]))

    # 1. Log-odds of {both sides' site} against {the midline site}, answer by answer.
    both = [f"{args.pair}_left", f"{args.pair}_right"]
    compiled = compile_network(_clamped(built, [*both, args.against]))

    def log_odds(answers: dict[str, str]) -> float:
        def joint(present: list[str]) -> float:
            clamps = {f"clamp_{s}": "present" for s in present}
            return infer(compiled, {**answers, **clamps}).log_evidence

        return joint(both) - joint([args.against])

    full = log_odds(dict(evidence))
    print(f"{args.case}: log-odds {{{' + '.join(both)}}} : {{{args.against}}}")
    print(f"  prior {log_odds({}):+.2f}, posterior {full:+.2f}; each answer's share:")
    for name, state in evidence.items():
        rest = {k: v for k, v in evidence.items() if k != name}
        share = full - log_odds(rest)
        if abs(share) >= 0.005:
            print(f"    {name}={state}".ljust(48) + f"{share:+.2f}")

    # 2. Origin groups as built and with the finding counting the pair once.
    groups = {
        g: [h.name for h in kb.hidden if h.kind == "site" and kb.sites[h.id].origin == g]
        for g in ORIGIN_GROUPS
    }
    groups = {g: members for g, members in groups.items() if members}
    sites = [s for members in groups.values() for s in members]
    for label, network in (
        ("as built", built),
        (f"{args.finding} counts the pair once", _pair_once(built, args.finding, args.cause)),
    ):
        compiled = compile_network(_clamped(network, sites))
        base = infer(compiled, dict(evidence))
        present = {}
        for g, members in groups.items():
            none = {**evidence, **{f"clamp_{s}": "absent" for s in members}}
            present[g] = 1.0 - math.exp(infer(compiled, none).log_evidence - base.log_evidence)
        first = sorted(present.items(), key=lambda item: -item[1])[:3]
        print(f"  {label}: " + ", ".join(f"{g} {p:.3f}" for g, p in first))
        print(
            "    "
            + ", ".join(f"{s} {base[s]:.3f}" for s in (*both, args.against, "multilevel_stenosis"))
        )


if __name__ == "__main__":
    main()
