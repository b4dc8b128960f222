"""Integrity checks across files: every reference resolves, the anatomy is consistent, and
the triage rules and recommendations name findings, states and sites that exist.

Each check returns problems as ``file › entry › field: found …, expected …`` and never
stops at the first one (pgmpy's ``check_model`` does; a knowledge author wants the list).

Longer than the house style's ~400 lines on purpose: every cross-file check runs in one
pass so that every problem is reported at once, and the checks share their indexes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import get_args

from nervepath.knowledge import schema
from nervepath.knowledge.loader import RawKnowledgeBase

__all__ = [
    "MIN_FINDINGS_PER_SITE",
    "condition_leaves",
    "cross_reference_problems",
    "matching_findings",
]

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
    # A link given twice would have its two strengths both enter the noisy-OR (or one shadow
    # the other); a merge of two branches that each added it is the usual way in.
    seen_links: Counter[tuple[str, str, str]] = Counter(
        (link.parent, link.finding, link.side) for link in kb.links
    )
    for link in kb.links:
        if seen_links.pop((link.parent, link.finding, link.side), 1) > 1:
            problems.append(
                f"{kb.where(link)} › {link.parent} → {link.finding}: found this link more than "
                "once, expected one"
            )
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

    # Published likelihood ratios name a finding and a site or cause that exist.
    for ratio in kb.likelihood_ratios:
        if ratio.finding not in all_findings:
            problems.append(
                _unknown(kb.where(ratio), "finding", ratio.finding, all_findings, "finding")
            )
        if ratio.target not in sites and ratio.target not in causes:
            problems.append(
                _unknown(
                    kb.where(ratio), "target", ratio.target, {*sites, *causes}, "site or cause"
                )
            )
        if ratio.among and ratio.target in causes:
            problems.append(
                f"{kb.where(ratio)} › among: found the cause {ratio.target!r} as target, expected"
                " a site (a study's population is a set of sites)"
            )
        for name in ratio.among.sites if ratio.among else ():
            if name not in sites:
                problems.append(_unknown(kb.where(ratio), "among › sites", name, sites, "site"))

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
        problems.extend(
            _unknown(kb.where(region), "muscles", m, muscles, "muscle")
            for m in region.muscles
            if m not in muscles
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
            else:
                for field, grades in _leak_grades(finding.leak_grades, finding.leak_by_age):
                    problems.extend(_grade_problems(kb.where(finding), field, grades, scale))
    derived_scales = {
        f: kb.derivation.motor_scale for f in derived_findings if f.startswith("strength_")
    }
    derived_scales |= {
        f: kb.derivation.reflex_scale for f in derived_findings if f.startswith("reflex_")
    }
    for override in kb.derivation.leak_overrides:
        scale = scales.get(derived_scales.get(override.finding, ""))
        where = f"derivation.yaml › leak_overrides › {override.finding}"
        for field, grades in _leak_grades(override.leak_grades, override.leak_by_age):
            if scale is not None:
                problems.extend(_grade_problems(where, field, grades, scale))
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

    # 4b. Region and quality groups name sensory qualities that exist (a region group may
    # name the examination's too), and region groups movements that exist.
    qualities = {q.id for q in kb.derivation.sensory_qualities}
    named = [
        (f"region_groups › {g.id}", g.qualities, qualities | {kb.derivation.sensory_exam.id})
        for g in kb.derivation.region_groups
    ]
    named += [
        (f"quality_groups › {g.id}", g.qualities, qualities) for g in kb.derivation.quality_groups
    ]
    for where, ids, known in named:
        for qid in ids:
            if qid not in known:
                problems.append(
                    _unknown("derivation.yaml", f"{where} › qualities", qid, known, "quality")
                )
    problems.extend(_movement_group_problems(kb))
    problems.extend(_muscle_supply_problems(kb))
    problems.extend(_per_root_problems(kb))

    # 5. Triage rules and recommendations name findings, states and sites that exist.
    states: dict[str, tuple[str, ...]] = {}
    for fid in sorted(all_findings):
        hand = hand_findings.get(fid)
        scale_id = hand.scale if hand is not None else derived_scales.get(fid)
        scale = scales.get(scale_id) if scale_id is not None else None
        states[fid] = tuple(scale.grades) if scale is not None else ("absent", "present")
    problems.extend(_triage_problems(kb, states))
    problems.extend(_recommendation_problems(kb, states))
    problems.extend(_patient_problems(kb))
    return problems


def _per_root_problems(kb: RawKnowledgeBase) -> list[str]:
    """A quality's own value for a root names regions in that root's core or variable zone
    (elsewhere the root gives no link for it to replace)."""
    problems: list[str] = []
    regions = {r.id: r for r in kb.anatomy.regions}
    for quality in (*kb.derivation.sensory_qualities, kb.derivation.sensory_exam):
        for i, entry in enumerate(quality.per_root):
            where = f"sensory_qualities › {quality.id} › per_root › {i} › regions"
            for rid in entry.regions:
                region = regions.get(rid)
                if region is None:
                    problems.append(_unknown("derivation.yaml", where, rid, set(regions), "region"))
                elif entry.root not in (*region.roots_core, *region.roots_variable):
                    problems.append(
                        f"derivation.yaml › {where}: {rid} is not in the core or variable zone "
                        f"of {entry.root}, expected one of its regions"
                    )
    return problems


def _movement_group_problems(kb: RawKnowledgeBase) -> list[str]:
    """A region group's movements exist, and their examined weakness has its words."""
    problems: list[str] = []
    movements = {m.id for m in kb.anatomy.movements}
    for group in kb.derivation.region_groups:
        where = f"region_groups › {group.id} › movements"
        for mid in group.movements:
            if mid not in movements:
                problems.append(_unknown("derivation.yaml", where, mid, movements, "movement"))
        if group.movements and kb.derivation.motor_part is None:
            problems.append(
                f"derivation.yaml › {where}: found movements but no motor_part, expected "
                "motor_part to name the weakness found on examination"
            )
    return problems


def _muscle_supply_problems(kb: RawKnowledgeBase) -> list[str]:
    """A quality felt through the muscles (weakness) names, in every region it is asked of,
    the muscles felt there: without them only a region tag could give it."""
    problems: list[str] = []
    for quality in kb.derivation.sensory_qualities:
        if quality.supply != "muscles":
            continue
        for region in kb.anatomy.regions:
            if quality.applies_to(region) and not region.muscles:
                problems.append(
                    f"{kb.where(region)} › muscles: found none, expected the muscles felt "
                    f"there, as derivation.yaml › sensory_qualities › {quality.id} has "
                    "supply: muscles"
                )
    return problems


def _patient_problems(kb: RawKnowledgeBase) -> list[str]:
    """Every site has exactly one plain explanation, and each names a site that exists."""
    problems: list[str] = []
    explained: dict[str, int] = {}
    for entry in kb.patient.conditions:
        explained[entry.site] = explained.get(entry.site, 0) + 1
        if entry.site not in {s.id for s in kb.sites}:
            problems.append(
                _unknown(kb.where(entry), "site", entry.site, (s.id for s in kb.sites), "site")
            )
    for site in kb.sites:
        count = explained.get(site.id, 0)
        if count != 1:
            problems.append(
                f"patient.yaml › conditions: found {count} entries for site {site.id!r}, "
                "expected exactly one (the plain words a person reads on the result)"
            )
    return problems


def matching_findings(pattern: str, known: Iterable[str]) -> list[str]:
    """The finding ids a rule's ``finding`` names: one id, or every id with a ``prefix*``."""
    if pattern.endswith("*"):
        return sorted(f for f in known if f.startswith(pattern[:-1]))
    return [pattern] if pattern in known else []


_AnyCondition = (
    schema.FindingCondition | schema.AllOf | schema.AnyOf | schema.AtLeast | schema.Score
)


def _condition_problems(
    where: str,
    path: str,
    condition: _AnyCondition,
    states: Mapping[str, tuple[str, ...]],
    same_side: bool = False,
) -> Iterator[str]:
    if isinstance(condition, schema.AllOf):
        for i, part in enumerate(condition.all_of):
            yield from _condition_problems(
                where, f"{path}.all_of.{i}", part, states, same_side or condition.same_side
            )
        return
    if isinstance(condition, schema.AnyOf | schema.AtLeast):
        key, parts = (
            ("any_of", condition.any_of)
            if isinstance(condition, schema.AnyOf)
            else ("of", condition.of)
        )
        for i, part in enumerate(parts):
            yield from _condition_problems(where, f"{path}.{key}.{i}", part, states, same_side)
        return
    if isinstance(condition, schema.Score):
        for i, item in enumerate(condition.items):
            yield from _condition_problems(
                where, f"{path}.items.{i}.when", item.when, states, same_side
            )
        return
    named = matching_findings(condition.finding, states)
    matched = [f for f in named if f not in condition.excluding]
    for i, skipped in enumerate(condition.excluding):
        if not condition.finding.endswith("*"):
            yield f"{where} › {path}.except: found an exception to one finding, expected a prefix*"
            break
        if skipped not in named:
            yield _unknown(where, f"{path}.except.{i}", skipped, named, "finding")
    if not matched:
        if condition.finding.endswith("*"):
            # Suggest prefixes of the same length: 'strenght_*' → 'strength_*'.
            size = len(condition.finding) - 1
            prefixes = {f"{f[:size]}*" for f in states if len(f) > size}
            yield _unknown(where, f"{path}.finding", condition.finding, prefixes, "finding prefix")
        else:
            yield _unknown(where, f"{path}.finding", condition.finding, states, "finding")
        return
    for state in condition.states:
        wrong = [f for f in matched if state not in states[f]]
        if wrong:
            allowed = states[wrong[0]]
            also = f" and {len(wrong) - 1} more" if len(wrong) > 1 else ""
            why = " (a rule fires on what was reported, never on 'unknown')"
            yield (
                f"{where} › {path}.in: found {state!r}, which {wrong[0]!r}{also} cannot take, "
                f"expected one of {list(allowed)}{why if state == 'unknown' else ''}"
            )
    if condition.sides == "both" and same_side:
        yield (
            f"{where} › {path}.sides: found 'both' inside an all_of with same_side, "
            "expected 'either' (same_side already picks one leg)"
        )


def condition_leaves(condition: _AnyCondition) -> Iterator[schema.FindingCondition]:
    if isinstance(condition, schema.FindingCondition):
        yield condition
        return
    parts = (
        condition.all_of
        if isinstance(condition, schema.AllOf)
        else condition.any_of
        if isinstance(condition, schema.AnyOf)
        else [item.when for item in condition.items]
        if isinstance(condition, schema.Score)
        else condition.of
    )
    for part in parts:
        yield from condition_leaves(part)


def _triage_problems(kb: RawKnowledgeBase, states: Mapping[str, tuple[str, ...]]) -> list[str]:
    book = kb.triage
    sites = {s.id for s in kb.sites}
    hidden = sites | {c.id for c in kb.causes}
    problems = list(_duplicates("triage.yaml › rules", [r.id for r in book.rules]))
    problems.extend(_duplicates("triage.yaml › baselines", [b.id for b in book.baselines]))
    for i, shared in enumerate(book.shared):
        problems.extend(_condition_problems("triage.yaml", f"shared.{i}", shared, states))
    if book.long_standing is not None:
        problems.extend(
            _condition_problems(
                "triage.yaml", "long_standing.when", book.long_standing.when, states
            )
        )
    rule_ids = {r.id for r in book.rules}
    for rule in book.rules:
        where = kb.where(rule)
        problems.extend(_condition_problems(where, "when", rule.when, states))
        if rule.unless is not None:
            problems.extend(_condition_problems(where, "unless", rule.unless, states))
        if rule.long_standing is not None and rule.long_standing.when is not None:
            problems.extend(
                _condition_problems(where, "long_standing.when", rule.long_standing.when, states)
            )
        elif rule.long_standing is not None and book.long_standing is None:
            problems.append(
                f"{where} › long_standing: found wording for long-standing symptoms, expected "
                "triage.yaml › long_standing to say when symptoms are long-standing"
            )
        for i, other in enumerate(rule.excludes):
            if other == rule.id:
                problems.append(f"{where} › excludes.{i}: found the rule itself, expected another")
            elif other not in rule_ids:
                problems.append(_unknown(where, f"excludes.{i}", other, rule_ids, "triage rule"))
    # A red flag that no rule reads would be asked and then ignored; a triage-only finding that no
    # rule reads would be entered and then ignored.
    named = [leaf.finding for rule in book.rules for leaf in condition_leaves(rule.when)]
    read = {
        leaf.finding
        for rule in book.rules
        for condition in (rule.when, rule.unless)
        if condition is not None
        for leaf in condition_leaves(condition)
    }
    for finding in kb.findings:
        if finding.red_flag and not any(matching_findings(p, [finding.id]) for p in named):
            problems.append(
                f"{kb.where(finding)} › red_flag: found a red flag that no rule in triage.yaml "
                "reads, expected a triage rule for it"
            )
        elif finding.triage_only and not any(matching_findings(p, [finding.id]) for p in read):
            problems.append(
                f"{kb.where(finding)} › triage_only: found no rule in triage.yaml that reads "
                "this finding, expected one (or links, so that it moves the probabilities)"
            )
    for baseline in book.baselines:
        where = kb.where(baseline)
        if baseline.probability_of is not None and baseline.probability_of not in hidden:
            problems.append(
                _unknown(where, "probability_of", baseline.probability_of, hidden, "site or cause")
            )
        problems.extend(
            _unknown(where, f"top_site_in.{i}", site, sites, "site")
            for i, site in enumerate(baseline.top_site_in)
            if site not in sites
        )
        for key, condition in (("when", baseline.when), ("unless", baseline.unless)):
            if condition is not None:
                problems.extend(_condition_problems(where, key, condition, states))
    return problems


def _recommendation_problems(
    kb: RawKnowledgeBase, states: Mapping[str, tuple[str, ...]]
) -> list[str]:
    book = kb.recommendations
    sites = {s.id for s in kb.sites}
    rules = {r.id for r in kb.triage.rules}
    problems = list(
        _duplicates(
            "recommendations.yaml",
            [
                *(e.id for e in book.urgency),
                *(e.id for e in book.red_flags),
                *(e.id for e in book.sites),
                *(e.id for e in book.examinations),
            ],
        )
    )
    covered = {entry.urgency for entry in book.urgency}
    for level in get_args(schema.Urgency):
        if level not in covered:
            problems.append(
                f"recommendations.yaml › urgency: found no entry for {level!r}, "
                "expected what to do at every urgency level"
            )
    for entry in book.urgency:
        if entry.urgency == "emergency" and not any(
            a.see == "emergency_department" for a in entry.advice
        ):
            problems.append(
                f"{kb.where(entry)} › advice: found no care with see: emergency_department, "
                "expected an emergency to send the person to an emergency department"
            )
    for action in book.red_flags:
        problems.extend(
            _unknown(kb.where(action), f"rules.{i}", rule, rules, "triage rule")
            for i, rule in enumerate(action.rules)
            if rule not in rules
        )
    for advice in book.sites:
        problems.extend(
            _unknown(kb.where(advice), f"sites.{i}", site, sites, "site")
            for i, site in enumerate(advice.sites)
            if site not in sites
        )
    for exam in book.examinations:
        problems.extend(
            _unknown(kb.where(exam), f"between.{i}", site, sites, "site")
            for i, site in enumerate(exam.between)
            if site not in sites
        )
        problems.extend(
            _unknown(kb.where(exam), f"findings.{i}", finding, states, "finding")
            for i, finding in enumerate(exam.findings)
            if finding not in states
        )
    return problems


def _grade_fields(derivation: schema.Derivation, prefix: str) -> list[str]:
    return [
        name
        for name, value in derivation
        if name.startswith(prefix) and isinstance(value, schema.Grades)
    ]


def _leak_grades(
    grades: schema.Grades | None, bands: list[schema.AgeLeak]
) -> Iterator[tuple[str, schema.Grades]]:
    """A graded leak's grades with their field: one leak, or one per age band."""
    if grades is not None:
        yield "leak_grades", grades
    for i, band in enumerate(bands):
        if band.leak_grades is not None:
            yield f"leak_by_age.{i}.leak_grades", band.leak_grades


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
    t, r = kb.triage, kb.recommendations
    others: list[schema.Strict] = [
        *kb.sites,
        *kb.causes,
        *kb.findings,
        *kb.links,
        *kb.likelihood_ratios,
        *([t.long_standing] if t.long_standing is not None else []),
        *t.rules,
        *t.baselines,
        t.default,
        r.candidates,
        *r.urgency,
        *r.red_flags,
        *r.sites,
        *r.examinations,
        kb.patient.likelihood,
        kb.patient.safety_net,
        *kb.patient.conditions,
    ]
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
