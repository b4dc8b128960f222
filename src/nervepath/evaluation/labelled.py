"""Labelled cases from a JSONL file: one ``{"id", "case", "expected", "source"?, "description"?}``
per line, every bad line reported at once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

from nervepath.assessment.case import parse_case, to_evidence
from nervepath.assessment.service import ORIGIN_GROUPS
from nervepath.assessment.triage import URGENCY_LEVELS
from nervepath.errors import CaseError
from nervepath.evaluation.evaluate import Expected, LabelledCase
from nervepath.knowledge.model import SIDES, KnowledgeBase

__all__ = ["load_labelled_cases"]

_KEYS: Final = frozenset({"id", "source", "description", "case", "expected"})
_EXPECTED_KEYS: Final = ("site", "side", "origin", "urgency")


def load_labelled_cases(path: Path, *, kb: KnowledgeBase | None = None) -> tuple[LabelledCase, ...]:
    """Read a JSONL file of labelled cases; blank lines are skipped.

    Every bad line is reported, one problem each, as ``file:line: what is wrong``, in a single
    ``CaseError``. With ``kb``, the answers, expected site, side and origin are also checked
    against that knowledge base.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise CaseError(f"{path}: cannot read the labelled cases ({reason})") from None
    cases: list[LabelledCase] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(text.split("\n"), 1):  # not splitlines: U+2028 is JSON text
        if not line.strip():
            continue
        try:
            item = _labelled_case(line, kb)
            if item.id in seen:
                raise CaseError(f"id {item.id!r} is used by an earlier line")
        except CaseError as exc:
            problems.append(f"{path}:{number}: {exc}")
            continue
        seen.add(item.id)
        cases.append(item)
    if problems:
        raise CaseError("\n".join(problems))
    return tuple(cases)


def _labelled_case(line: str, kb: KnowledgeBase | None) -> LabelledCase:
    try:
        doc = json.loads(line)
    except json.JSONDecodeError as exc:
        raise CaseError(f"not valid JSON (column {exc.colno}: {exc.msg})") from None
    if not isinstance(doc, dict):
        raise CaseError("expected a JSON object with id, case and expected")
    unknown = sorted(set(doc) - _KEYS)
    missing = [k for k in ("id", "case", "expected") if k not in doc]
    if unknown:
        raise CaseError(f"unknown key {unknown[0]!r}; expected {', '.join(sorted(_KEYS))}")
    if missing:
        raise CaseError(f"missing key {missing[0]!r}")
    case_id = doc["id"]
    if not isinstance(case_id, str) or not case_id.strip():
        raise CaseError("id: expected a non-empty string")
    case = parse_case(doc["case"])
    if kb is not None:
        to_evidence(kb, case)  # unknown ids, impossible grades, contradictory ages
    source = doc.get("source") or {}
    if not isinstance(source, dict) or not all(
        isinstance(source.get(k, ""), str) for k in ("ref", "locator")
    ):
        raise CaseError('source: expected {"ref": "<reference id>", "locator": "<where>"}')
    description = doc.get("description", "")
    if not isinstance(description, str):
        raise CaseError("description: expected a string")
    return LabelledCase(
        case_id,
        case,
        _expected(doc["expected"], kb),
        description,
        source.get("ref"),
        source.get("locator"),
    )


def _expected(raw: object, kb: KnowledgeBase | None) -> Expected:
    if not isinstance(raw, dict) or sorted(raw) != sorted(_EXPECTED_KEYS):
        raise CaseError(f"expected: needs exactly the keys {', '.join(_EXPECTED_KEYS)}")
    site, side, origin, urgency = (raw[k] for k in _EXPECTED_KEYS)
    if not isinstance(site, str):
        raise CaseError("expected › site: expected a site id")
    if side not in (*SIDES, None):
        raise CaseError(f"expected › side: {side!r}; expected left, right or null")
    if origin not in ORIGIN_GROUPS:
        raise CaseError(
            f"expected › origin: {origin!r}; expected one of {', '.join(ORIGIN_GROUPS)}"
        )
    if urgency not in URGENCY_LEVELS:
        raise CaseError(
            f"expected › urgency: {urgency!r}; expected one of {', '.join(URGENCY_LEVELS)}"
        )
    if kb is not None:
        sites = kb.sites
        if site not in sites:
            raise CaseError(f"expected › site: {site!r} is not a site of the knowledge base")
        if side is not None and not sites[site].lateral:
            raise CaseError(f"expected › side: {site} is a midline site; use null")
        if sites[site].origin != origin:
            raise CaseError(f"expected › origin: {site} belongs to {sites[site].origin}")
    return Expected(site, side, origin, urgency)
