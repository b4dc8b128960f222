"""The likelihood ratio a stated age implies for each parent with an age link, band by band.

Each risk factor is one single-parent copy per parent (docs/engine.md, "Risk factors"), so a
parent's factor for a stated age is the product over the four age findings of
P(answer | parent) / P(answer | no parent), with P(present | parent) = 1 - (1 - link)(1 - leak).
A stated age answers all four findings (under 40, 40 or over, over 50, over 70).

    python benchmarks/age_bands.py              # the table for every parent with an age link
    python benchmarks/age_bands.py --fit 63.6 10.5
        # links to age_40_or_over / age_over_50 / age_over_70 that give an old site the ratios
        # between neighbouring bands of a normal age distribution (mean, SD), as for stenosis
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from statistics import NormalDist

import yaml

DATA = Path(__file__).resolve().parent.parent / "src/nervepath/knowledge/data"
BANDS = {"under 40": 30, "40-50": 45, "51-70": 60, "over 70": 75}
CUTS: dict[str, Callable[[int], bool]] = {
    "age_under_40": lambda age: age < 40,
    "age_40_or_over": lambda age: age >= 40,
    "age_over_50": lambda age: age >= 51,
    "age_over_70": lambda age: age >= 71,
}
UPWARD = ("age_40_or_over", "age_over_50", "age_over_70")


def leaks() -> dict[str, float]:
    found: dict[str, float] = {}
    for path in (DATA / "findings").glob("*.yaml"):
        for finding in yaml.safe_load(path.read_text()).get("findings", []):
            if finding["id"] in CUTS:
                found[finding["id"]] = finding["leak"]["value"]
    return found


def age_links() -> dict[str, dict[str, float]]:
    parents: dict[str, dict[str, float]] = {}
    for path in sorted((DATA / "links").glob("*.yaml")):
        for link in yaml.safe_load(path.read_text()).get("links", []):
            if link["finding"] in CUTS:
                value = link["probability"]["value"]
                parents.setdefault(link["parent"], {})[link["finding"]] = value
    return parents


def band_lrs(links: dict[str, float], leak: dict[str, float]) -> list[float]:
    """The parent's likelihood ratio against no parent for a stated age in each band."""
    out = []
    for age in BANDS.values():
        ratio = 1.0
        for finding, present in CUTS.items():
            base = leak[finding]
            with_parent = 1 - (1 - links.get(finding, 0.0)) * (1 - base)
            ratio *= with_parent / base if present(age) else (1 - with_parent) / (1 - base)
        out.append(ratio)
    return out


def band_shares(mean: float, sd: float) -> list[float]:
    """P(under 40), P(40-50), P(51-70), P(over 70) under a normal approximation."""
    cdf = NormalDist(mean, sd).cdf
    edges = [cdf(39.5), cdf(50.5), cdf(70.5)]
    return [edges[0], edges[1] - edges[0], edges[2] - edges[1], 1 - edges[2]]


def band_bases(leak: dict[str, float]) -> list[float]:
    """The bands' shares among leg-pain consulters that the findings' leaks imply."""
    return [
        leak["age_under_40"],
        leak["age_40_or_over"] - leak["age_over_50"],
        leak["age_over_50"] - leak["age_over_70"],
        leak["age_over_70"],
    ]


def fit_old(shares: list[float], leak: dict[str, float]) -> dict[str, float]:
    """Upward links giving the target's ratio between each band and the one below it.

    Across cut c (leak q) the ratio is r = (1 - (1 - q) x) / (q x) with x = 1 - link, so
    x = 1 / (q r + 1 - q); a ratio below 1 cannot be had with an upward link, which is then 0.
    """
    target = [share / base for share, base in zip(shares, band_bases(leak), strict=True)]
    links = {}
    for k, cut in enumerate(UPWARD):
        ratio = target[k + 1] / target[k]
        q = leak[cut]
        links[cut] = max(0.0, 1 - 1 / (q * ratio + 1 - q))
    return links


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fit", nargs=2, type=float, metavar=("MEAN", "SD"))
    args = parser.parse_args()
    leak = leaks()
    if args.fit:
        shares = band_shares(*args.fit)
        target = [s / b for s, b in zip(shares, band_bases(leak), strict=True)]
        links = {cut: round(value, 2) for cut, value in fit_old(shares, leak).items()}
        print("band shares ", " ".join(f"{v:.3f}" for v in shares))
        print("target LRs  ", " ".join(f"{v:.3f}" for v in target))
        print("links       ", links)
        print("implied LRs ", " ".join(f"{v:.3f}" for v in band_lrs(links, leak)))
        return
    print("leaks", leak)
    print(f"{'parent':42s} {'u40/40+/>50/>70':22s} " + " ".join(f"{b:>8s}" for b in BANDS))
    for parent, links in sorted(age_links().items()):
        shown = "/".join(f"{links[f]:.2f}" if f in links else "-" for f in CUTS)
        print(f"{parent:42s} {shown:22s} " + " ".join(f"{v:8.3f}" for v in band_lrs(links, leak)))


if __name__ == "__main__":
    main()
