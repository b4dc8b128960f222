"""Many cases at once: one assessment per JSON line, streamed, a bad line reported and skipped."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from nervepath.assessment.case import parse_case
from nervepath.assessment.service import Assessor
from nervepath.errors import CaseError, NervepathError

__all__ = ["BatchLine", "assess_lines"]


@dataclass(frozen=True)
class BatchLine:
    """The outcome of one input line: an assessment document or an error, never both."""

    line: int
    id: str | int | None
    document: Mapping[str, Any] | None
    error: str | None


def assess_lines(lines: Iterable[str | bytes], assessor: Assessor) -> Iterator[BatchLine]:
    """Assess one case per line (blank lines skipped), lazily, so output can be streamed.

    A line may carry an ``id`` beside the case keys; it is copied to the front of the
    assessment document. A bad line yields an error and the next line is assessed.
    """
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        case_id: str | int | None = None
        try:
            doc = json.loads(raw)
            if not isinstance(doc, dict):
                raise CaseError("expected a JSON object (a case)")
            case_id = doc.pop("id", None)
            if case_id is not None and not isinstance(case_id, str | int):
                raise CaseError("id: expected a string or a number")
            assessment = assessor.assess(parse_case(doc))
        except json.JSONDecodeError as exc:
            yield BatchLine(number, None, None, f"not valid JSON (column {exc.colno}: {exc.msg})")
        except UnicodeDecodeError:
            yield BatchLine(number, None, None, "not UTF-8 text")
        except NervepathError as exc:
            yield BatchLine(number, case_id, None, str(exc))
        else:
            head = {} if case_id is None else {"id": case_id}
            yield BatchLine(number, case_id, head | assessment.to_dict(), None)
