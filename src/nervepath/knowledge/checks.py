"""Integrity checks across files: every reference resolves and the anatomy is consistent.

Each check returns problems as ``file › entry › field: found …, expected …`` and never
stops at the first one (pgmpy's ``check_model`` does; a knowledge author wants the list).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from nervepath.knowledge import schema
from nervepath.knowledge.loader import RawKnowledgeBase

__all__ = ["MIN_FINDINGS_PER_SITE", "cross_reference_problems"]

MIN_FINDINGS_PER_SITE = 5


def _duplicates(where: str, ids: Iterable[str]) -> Iterator[str]:
    for name, count in Counter(ids).items():
        if count > 1:
            yield f"{where} › {name} › id: found {count} entries with this id, expected one"


def _unknown(where: str, field: str, found: str, known: Iterable[str], what: str) -> str:
    from difflib import get_close_matches

    near = get_close_matches(found, list(known), n=3)
    hint = f" (did you mean {', '.join(near)}?)" if near else ""
    return f"{where} › {field}: found {found!r}, expected a known {what}{hint}"


def cross_reference_problems(kb: RawKnowledgeBase, derived_findings: Iterable[str]) -> list[str]:
    """Every id used somewhere must be defined somewhere, with the right kind."""
    a = kb.anatomy
    roots = {r.id for r in a.roots}
    nerves = {n.id for n in a.nerves}
    muscles = {m.id for m in a.muscles}
    tags = {t for r in a.regions for t in r.tags}
    refs = {r.id for r in kb.references}
    sites = {s.id: s for s in kb.sites}
    causes = {c.id: c for c in kb.causes}
    scales = {s.id: s for s in kb.derivation.scales}
    hand_findings = {f.id: f for f in kb.findings}
    all_findings = set(hand_findings) | set(derived_findings)
    problems: list[str] = []

    for label, ids in [
        ("references.yaml", [r.id for r in kb.references]),
        ("anatomy/roots.yaml", [r.id for r in a.roots]),
        ("anatomy/nerves.yaml", [n.id for n in a.nerves]),
        ("anatomy/regions.yaml", [r.id for r in a.regions]),
        ("anatomy/muscles.yaml", [m.id for m in a.muscles]),
        ("anatomy/movements.yaml", [m.id for m in a.movements]),
        ("anatomy/reflexes.yaml", [r.id for r in a.reflexes]),
        ("sites/", [s.id for s in kb.sites]),
        ("causes/", [c.id for c in kb.causes]),
        ("findings/", [f.id for f in kb.findings]),
    ]:
        problems.extend(_duplicates(label, ids))
    for name in sorted(set(sites) & set(causes)):
        problems.append(
            f"{kb.where(sites[name])} › id: found {name!r} also as a cause id, "
            "expected site and cause ids to differ"
        )
    for name in sorted(set(hand_findings) & set(derived_findings)):
        problems.append(
            f"{kb.where(hand_findings[name])} › id: found {name!r}, which the anatomy "
            "already derives, expected a new id or a link to the derived finding"
        )

    # 1. Citations resolve.
    for entry, citations in _citations(kb):
        for field, citation in citations:
            if citation.ref not in refs:
                problems.append(_unknown(kb.where(entry), field, citation.ref, refs, "reference"))

    # 2. Anatomy is consistent.
    for nerve in a.nerves:
        for root in nerve.roots:
            if root not in roots:
                problems.append(_unknown(kb.where(nerve), "roots", root, roots, "root"))
        if nerve.branch_of is not None and nerve.branch_of not in nerves:
            problems.append(
                _unknown(kb.where(nerve), "branch_of", nerve.branch_of, nerves, "nerve")
            )
    problems.extend(_branch_cycles(kb))
    for region in a.regions:
        for field, ids in (
            ("roots_core", region.roots_core),
            ("roots_variable", region.roots_variable),
        ):
            problems.extend(
                _unknown(kb.where(region), field, r, roots, "root") for r in ids if r not in roots
            )
        problems.extend(
            _unknown(kb.where(region), "nerves", n, nerves, "nerve")
            for n in region.nerves
            if n not in nerves
        )
        for root in set(region.roots_core) & set(region.roots_variable):
            problems.append(
                f"{kb.where(region)} › roots_variable: found {root!r} also in "
                "roots_core, expected a root in one zone only"
            )
    for muscle in a.muscles:
        for field, ids in (
            ("roots_primary", muscle.roots_primary),
            ("roots_secondary", muscle.roots_secondary),
        ):
            problems.extend(
                _unknown(kb.where(muscle), field, r, roots, "root") for r in ids if r not in roots
            )
        if muscle.nerve not in nerves:
            problems.append(_unknown(kb.where(muscle), "nerve", muscle.nerve, nerves, "nerve"))
    for movement in a.movements:
        problems.extend(
            _unknown(kb.where(movement), "muscles", m, muscles, "muscle")
            for m in movement.muscles
            if m not in muscles
        )
    for reflex in a.reflexes:
        problems.extend(
            _unknown(kb.where(reflex), "roots", r, roots, "root")
            for r in reflex.roots
            if r not in roots
        )
        if reflex.nerve not in nerves:
            problems.append(_unknown(kb.where(reflex), "nerve", reflex.nerve, nerves, "nerve"))

    # 3. Sites, causes, findings and links point at things that exist.
    for site in kb.sites:
        lesion = site.lesion
        problems.extend(
            _unknown(kb.where(site), "lesion.roots", r, roots, "root")
            for r in lesion.roots
            if r not in roots
        )
        problems.extend(
            _unknown(kb.where(site), "lesion.nerves", n, nerves, "nerve")
            for n in lesion.nerves
            if n not in nerves
        )
        problems.extend(
            _unknown(kb.where(site), "lesion.region_tags", t, tags, "region tag")
            for t in lesion.region_tags
            if t not in tags
        )
    for cause in kb.causes:
        for i, cause_site in enumerate(cause.sites):
            if cause_site.site not in sites:
                problems.append(
                    _unknown(kb.where(cause), f"sites.{i}.site", cause_site.site, sites, "site")
                )
    for finding in kb.findings:
        if finding.scale is not None:
            scale = scales.get(finding.scale)
            if scale is None:
                problems.append(
                    _unknown(kb.where(finding), "scale", finding.scale, scales, "scale")
                )
            elif finding.leak_grades is not None:
                problems.extend(
                    _grade_problems(kb.where(finding), "leak_grades", finding.leak_grades, scale)
                )
    derived_scales = {
        f: kb.derivation.motor_scale for f in derived_findings if f.startswith("strength_")
    }
    derived_scales |= {
        f: kb.derivation.reflex_scale for f in derived_findings if f.startswith("reflex_")
    }
    for link in kb.links:
        where = kb.where(link)
        if link.finding not in all_findings:
            problems.append(_unknown(where, "finding", link.finding, all_findings, "finding"))
            continue
        if link.parent not in sites and link.parent not in causes:
            problems.append(
                _unknown(where, "parent", link.parent, set(sites) | set(causes), "site or cause")
            )
            continue
        hand = hand_findings.get(link.finding)
        scale_id = hand.scale if hand is not None else derived_scales.get(link.finding)
        if scale_id is None and link.grades is not None:
            problems.append(
                f"{where} › grades: found grades for the yes/no finding "
                f"{link.finding!r}, expected 'probability'"
            )
        elif scale_id is not None and link.probability is not None:
            problems.append(
                f"{where} › probability: found a probability for the graded finding "
                f"{link.finding!r}, expected 'grades'"
            )
        elif scale_id is not None and scale_id in scales and link.grades is not None:
            problems.extend(_grade_problems(where, "grades", link.grades, scales[scale_id]))
        parent: schema.Site | schema.Cause | None = sites.get(link.parent) or causes.get(
            link.parent
        )
        lateral_finding = hand.lateral if hand is not None else True
        if link.side == "contralateral" and not (
            parent is not None and parent.lateral and lateral_finding
        ):
            problems.append(
                f"{where} › side: found 'contralateral', expected it only between "
                "a lateral parent and a lateral finding"
            )

    # 4. The derivation names scales that exist.
    for field, scale_id in (
        ("motor_scale", kb.derivation.motor_scale),
        ("reflex_scale", kb.derivation.reflex_scale),
    ):
        if scale_id not in scales:
            problems.append(_unknown("derivation.yaml", field, scale_id, scales, "scale"))
        else:
            for name in _grade_fields(kb.derivation, field.split("_")[0]):
                problems.extend(
                    _grade_problems(
                        "derivation.yaml", name, getattr(kb.derivation, name), scales[scale_id]
                    )
                )
    return problems


def _grade_fields(derivation: schema.Derivation, prefix: str) -> list[str]:
    return [
        name
        for name, value in derivation
        if name.startswith(prefix) and isinstance(value, schema.Grades)
    ]


def _grade_problems(
    where: str, field: str, grades: schema.Grades, scale: schema.GradeScale
) -> Iterator[str]:
    abnormal = scale.grades[1:]
    for grade in grades.value:
        if grade not in abnormal:
            yield (
                f"{where} › {field}.{grade}: found grade {grade!r}, expected one of the "
                f"abnormal grades of '{scale.id}' {abnormal}"
            )


def _branch_cycles(kb: RawKnowledgeBase) -> Iterator[str]:
    parent = {n.id: n.branch_of for n in kb.anatomy.nerves}
    for nerve in kb.anatomy.nerves:
        seen = {nerve.id}
        current = nerve.branch_of
        while current is not None:
            if current in seen:
                yield (
                    f"{kb.where(nerve)} › branch_of: found a cycle through {current!r}, "
                    "expected a tree of branches"
                )
                break
            seen.add(current)
            current = parent.get(current)


def _citations(kb: RawKnowledgeBase) -> Iterator[tuple[object, list[tuple[str, schema.Citation]]]]:
    """Every citation, with the entry and field it sits in."""
    a = kb.anatomy
    anatomy: list[
        schema.Root | schema.Nerve | schema.Region | schema.Muscle | schema.Movement | schema.Reflex
    ] = [*a.roots, *a.nerves, *a.regions, *a.muscles, *a.movements, *a.reflexes]
    for part in anatomy:
        yield part, [(f"sources.{i}.ref", c) for i, c in enumerate(part.sources)]
    others: list[schema.Strict] = [*kb.sites, *kb.causes, *kb.findings, *kb.links]
    for entry in others:
        yield entry, list(_provenance_citations(entry, ""))
    yield kb.derivation, list(_provenance_citations(kb.derivation, ""))


def _provenance_citations(model: object, prefix: str) -> Iterator[tuple[str, schema.Citation]]:
    if isinstance(model, schema.Citation):
        yield f"{prefix}ref", model
        return
    if isinstance(model, list | tuple):
        for i, item in enumerate(model):
            yield from _provenance_citations(item, f"{prefix}{i}.")
        return
    if isinstance(model, schema.Strict):
        for name, value in model:
            yield from _provenance_citations(value, f"{prefix}{name}.")
