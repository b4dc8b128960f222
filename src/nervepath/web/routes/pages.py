"""The HTML pages: the self-check, the clinician flow, stored assessments and reports.

Each page is a twin of an API endpoint and calls the same services. The interview keeps no
state on the server: each form carries the interview state (and the earlier ones, for
"back") in hidden fields, validated again on every post.

Longer than the house style's ~400 lines on purpose: the pages share their form parsing,
CSRF and session handling, which belong to no other route module.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from nervepath.assessment.case import parse_case, to_evidence
from nervepath.assessment.service import ranked_origins
from nervepath.assessment.triage import URGENCY_LEVELS
from nervepath.assessment.wording import ORIGIN_PLAIN, URGENCY_HEADLINE, URGENCY_MEANING
from nervepath.bodymap import marked_from_answers, render_body_map_views
from nervepath.errors import CaseError
from nervepath.interview.machine import Interview
from nervepath.interview.plan import QUALITIES
from nervepath.report import render_pdf, render_report
from nervepath.report.patient import patient_view
from nervepath.storage import MAX_OFFSET, StoredAssessment, User
from nervepath.web.access import (
    audit,
    audit_detail,
    clinic_record,
    patient_record,
    record_path,
    self_check_expiry,
)
from nervepath.web.errors import ApiError
from nervepath.web.forms import (
    examination_sections,
    form_answers,
    region_choices,
    sensory_choices,
    value_words,
)
from nervepath.web.security import (
    check_csrf,
    csrf_token,
    current_user,
    require_clinician,
    sign_in,
    sign_out,
)

__all__ = ["render_page", "router"]

router = APIRouter(include_in_schema=False)
Clinician = Annotated[User, Depends(require_clinician)]
URGENCIES = tuple(reversed(URGENCY_LEVELS))  # most urgent first, as the list page offers them


def render_page(
    request: Request, template: str, status_code: int = 200, **context: Any
) -> Response:
    """A page with what every template needs: the user, the CSRF token, the wordings."""
    context.update(
        user=current_user(request),
        csrf_token=csrf_token(request),
        urgency_meaning=URGENCY_MEANING,
        urgency_headline=URGENCY_HEADLINE,
        origin_plain=ORIGIN_PLAIN,
        value_words=value_words,
        emergency_number=request.app.state.settings.emergency_number,
    )
    templates = request.app.state.templates
    return templates.TemplateResponse(  # type: ignore[no-any-return]
        request, template, context, status_code=status_code
    )


def _interview(request: Request, setting: str, state: dict[str, Any] | None = None) -> Interview:
    """An interview over the app's assessor, resumed from ``state`` if given."""
    app_state = request.app.state
    return Interview(
        app_state.assessor, setting=setting, state=state, cache=app_state.interview_cache
    )


async def _form(request: Request) -> Any:
    """The posted form, its CSRF token checked. The handlers that post one read it here, on
    the event loop, then do their work (the interview's ranking, the assessment: tens of ms
    of CPU) in the thread pool, as a plain ``def`` route does, so that the worker's other
    requests are not held up meanwhile."""
    form = await request.form()
    check_csrf(request, form)
    return form


# ── the start and the self-check ───────────────────────────────────────────────────────────
@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> Response:
    return render_page(request, "index.html")


def _body_map_page(request: Request, *, setting: str, template: str, **extra: Any) -> Response:
    kb = request.app.state.kb
    return render_page(
        request,
        template,
        setting=setting,
        action="/self-check" if setting == "self_check" else "/clinic/new",
        body_map=_interactive_maps(kb, setting),
        region_groups=region_choices(kb, setting=setting),
        qualities=QUALITIES,
        marked=(),
        **extra,
    )


def _interactive_maps(kb: Any, setting: str, *, name: str = "bodymap") -> str:
    """The map as one figure per view, drawn to scale so that every place is a big enough
    target; CSS lays the views out for the screen (one at a time on a phone)."""
    return render_body_map_views(
        kb, interactive=True, setting=setting, title="Where you feel it", id_prefix=name
    )


@router.get("/self-check", response_class=HTMLResponse)
def self_check(request: Request) -> Response:
    """The start: who it is for, age, sex, how long, how it started; then the body map."""
    return _step_page(request, _interview(request, "self_check"), history=[])


@router.post("/self-check", response_class=HTMLResponse)
async def self_check_marked(request: Request) -> Response:
    """The body map answered: the places marked; what is felt in each is asked next."""
    return await run_in_threadpool(_marked, request, await _form(request))


def _marked(request: Request, form: Any) -> Response:
    state = _json_object(form.get("state"), "state")
    history = _json_list(form.get("history"), "history")
    interview = _interview(request, "self_check", state)
    interview.mark(form.getlist("region"), form.getlist("quality"))
    return _step_page(request, interview, history=[*history, state])


# ── the interview, one step per post ───────────────────────────────────────────────────────
@router.post("/interview/step", response_class=HTMLResponse)
async def interview_step(request: Request) -> Response:
    return await run_in_threadpool(_answered, request, await _form(request))


def _answered(request: Request, form: Any) -> Response:
    setting = str(form.get("setting", "self_check"))
    if setting == "clinician":
        require_clinician(request)
    history = _json_list(form.get("history"), "history")
    state = _json_object(form.get("state"), "state")
    action = str(form.get("action", "answer"))
    if action == "back":
        if not history:
            raise CaseError("there is nothing to go back to")
        previous = history.pop()
        interview = _interview(request, setting, previous)
        return _step_page(request, interview, history=history)
    interview = _interview(request, setting, state)
    if action == "quit":
        interview.quit()
    else:
        values = [str(v) for v in form.getlist("value") if v]
        try:
            if not values:
                raise CaseError(
                    "choose at least one answer" if interview.step.multiple else "choose one answer"
                )
            interview.answer(*values)
        except CaseError as exc:  # the same step again, saying what was wrong
            return _step_page(request, interview, history=history, error=str(exc))
    return _step_page(request, interview, history=[*history, state])


def _step_page(
    request: Request, interview: Interview, *, history: list[Any], error: str | None = None
) -> Response:
    """The current step's page (the body map for the body-map step of a self-check); a
    finished interview is stored and shown instead."""
    step = interview.step
    if step.kind == "done":
        return _store_and_show(request, interview.case_document(), setting=interview.setting)
    hidden = {
        "state_json": json.dumps(interview.state_document(), separators=(",", ":")),
        "history_json": json.dumps(history, separators=(",", ":")),
        "can_go_back": bool(history),
    }
    if step.kind in ("side", "regions") and interview.setting == "self_check":
        return _body_map_page(request, setting="self_check", template="self_check.html", **hidden)
    return render_page(
        request,
        "step.html",
        status_code=422 if error else 200,
        setting=interview.setting,
        step=step,
        progress=interview.progress(),
        error=error,
        **hidden,
    )


def _store_and_show(request: Request, case_doc: dict[str, Any], *, setting: str) -> Response:
    case = parse_case(case_doc)
    result = request.app.state.assessor.assess(case).to_dict()
    user = current_user(request) if setting == "clinician" else None
    stored = request.app.state.store.add_assessment(
        case=case.model_dump(mode="json", exclude_none=True),
        result=result,
        owner=user.username if user else None,
        expires_at=None if user else self_check_expiry(request),
        audit=audit_detail(request) if user else None,
    )
    return RedirectResponse(record_path(stored), status_code=303)


def _json_object(raw: object, field: str) -> dict[str, Any] | None:
    if raw in (None, ""):
        return None
    value = _json(raw, field)
    if not isinstance(value, dict):
        raise CaseError(f"{field}: expected a JSON object")
    return value


def _json_list(raw: object, field: str) -> list[Any]:
    if raw in (None, ""):
        return []
    value = _json(raw, field)
    if not isinstance(value, list):
        raise CaseError(f"{field}: expected a JSON list")
    return value


def _json(raw: object, field: str) -> Any:
    try:
        return json.loads(str(raw))
    except json.JSONDecodeError:
        raise CaseError(f"{field}: not valid JSON; start again from the first page") from None


# ── results ────────────────────────────────────────────────────────────────────────────────
@router.get("/r/{assessment_id}", response_class=HTMLResponse, name="result_page")
def result_page(assessment_id: str, request: Request) -> Response:
    """A self-check result, reachable only by its unguessable link."""
    stored = patient_record(request, assessment_id)
    a = stored.result
    return render_page(
        request,
        "result.html",
        a=a,
        view=patient_view(a, request.app.state.kb),
        origins=ranked_origins(a["origin"], a.get("origin_explains"))[:3],
        body_map=_static_map(request, stored, setting="self_check"),
        pdf_url=f"/r/{stored.id}/report.pdf",
        created_at=stored.created_at,
        stored=stored,  # who can see it and until when: _privacy.html
    )


@router.get("/r/{assessment_id}/report.pdf")
def result_pdf(assessment_id: str, request: Request) -> Response:
    stored = patient_record(request, assessment_id)
    return _pdf(request, stored, audience="patient")


def _static_map(request: Request, stored: StoredAssessment, *, setting: str) -> str:
    kb = request.app.state.kb
    marked = marked_from_answers(kb, stored.case.get("answers", {}))
    return render_body_map_views(
        kb, marked=marked, setting=setting, title="Where you feel it", scale=0.62, id_prefix="map"
    )


def _pdf(request: Request, stored: StoredAssessment, *, audience: str) -> Response:
    pdf = render_pdf(
        stored.result,
        stored.case,
        request.app.state.kb,
        audience=audience,
        assessment_id=stored.id,
        created_at=stored.created_at,
        emergency_number=request.app.state.settings.emergency_number,
    )
    name = f"nervepath-{stored.created_at:%Y%m%d-%H%M}-{audience}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# ── clinicians ─────────────────────────────────────────────────────────────────────────────
@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/clinic") -> Response:
    return render_page(request, "login.html", next=next, failed=False, username="")


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    # argon2 takes tens of ms on purpose: in the thread pool, like the assessment.
    return await run_in_threadpool(_signed_in, request, await _form(request))


def _signed_in(request: Request, form: Any) -> Response:
    username = str(form.get("username", "")).strip()
    user = request.app.state.store.authenticate(username, str(form.get("password", "")))
    target = str(form.get("next", "/clinic"))
    if not target.startswith("/") or target.startswith("//"):
        target = "/clinic"
    if user is None:
        return render_page(
            request, "login.html", status_code=401, next=target, failed=True, username=username
        )
    sign_in(request, user)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    await _form(request)
    sign_out(request)
    return RedirectResponse("/", status_code=303)


@router.get("/clinic", response_class=HTMLResponse)
def clinic_list(
    request: Request,
    user: Clinician,
    urgency: str = "",
    since: str = "",
    until: str = "",
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    if urgency and urgency not in URGENCIES:
        raise ApiError(422, "invalid_request", f"urgency: expected one of {', '.join(URGENCIES)}")
    filters = {
        "urgency": urgency or None,
        "since": _day(since, "since"),
        "until": _day(until, "until", end=True),
        "clinic": user.clinic,
    }
    store = request.app.state.store
    page = 50
    items = store.list_assessments(**filters, limit=page, offset=offset)
    total = store.count_assessments(**filters)
    audit(request, user, "list", detail=f"{len(items)} of {total} records")
    query = {"urgency": urgency, "since": since, "until": until}

    def link(at: int) -> str:
        return "/clinic?" + urlencode({**query, "offset": at})

    kb = request.app.state.kb
    sites = {h.name: h for h in kb.hidden}
    return render_page(
        request,
        "clinic_list.html",
        items=items,
        total=total,
        urgency=urgency,
        since=since,
        until=until,
        urgencies=URGENCIES,
        site_label=lambda s: _site_label(kb, sites, s.top_site),
        prev_url=link(offset - page) if offset > 0 else None,
        next_url=link(offset + page) if offset + page < total else None,
    )


def _site_label(kb: Any, sites: dict[str, Any], name: str | None) -> str:
    if not name or name not in sites:
        return "—"
    h = sites[name]
    title = kb.sites[h.id].name if h.id in kb.sites else h.id
    return f"{title} ({h.side})" if h.side else str(title)


def _day(raw: str, field: str, *, end: bool = False) -> datetime | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        message = f"{field}: expected a date like 2026-11-21"
        raise ApiError(422, "invalid_request", message) from None
    moment = datetime.combine(day, time.min, tzinfo=UTC)
    return moment + timedelta(days=1) if end else moment


@router.get("/clinic/new", response_class=HTMLResponse)
def clinic_new(request: Request, user: Clinician) -> Response:
    return _body_map_page(
        request,
        setting="clinician",
        template="clinic_new.html",
        sections=examination_sections(request.app.state.kb),
        sensory_map=_interactive_maps(request.app.state.kb, "clinician", name="sensory"),
        sensory_groups=sensory_choices(request.app.state.kb),
    )


@router.post("/clinic/new", response_class=HTMLResponse)
async def clinic_assess(request: Request, user: Clinician) -> Response:
    return await run_in_threadpool(_clinic_assessed, request, await _form(request))


def _clinic_assessed(request: Request, form: Any) -> Response:
    kb = request.app.state.kb
    interview = _interview(request, "clinician")
    regions, qualities = form.getlist("region"), form.getlist("quality")
    if regions or qualities:
        interview.mark(regions, qualities)
        doc = interview.state_document()
    else:
        doc = {"sides": ["left", "right"], "regions": [], "places": []}
    doc["answers"] = {**doc.get("answers", {}), **form_answers(kb, form)}
    patient = {
        k: v for k, v in (("age", form.get("age")), ("sex", form.get("sex"))) if v not in (None, "")
    }
    case = {"setting": "clinician", "patient": patient, "answers": doc["answers"]}
    if form.get("action") == "interview":
        # The interview state has no patient: the age goes in as the answers it implies.
        doc["answers"] = to_evidence(kb, parse_case(case))
        resumed = _interview(request, "clinician", doc)
        return _step_page(request, resumed, history=[])
    return _store_and_show(request, case, setting="clinician")


@router.get("/clinic/assessments/{assessment_id}", response_class=HTMLResponse)
def clinic_result(assessment_id: str, request: Request, user: Clinician) -> Response:
    stored = clinic_record(request, assessment_id, user, "read")
    a = stored.result
    return render_page(
        request,
        "clinic_result.html",
        stored=stored,
        a=a,
        origins=ranked_origins(a["origin"], a.get("origin_explains")),
        body_map=_static_map(request, stored, setting="clinician"),
        created_at=stored.created_at,
    )


@router.get("/clinic/assessments/{assessment_id}/report", response_class=HTMLResponse)
def clinic_report(assessment_id: str, request: Request, user: Clinician) -> Response:
    stored = clinic_record(request, assessment_id, user, "export")
    html = render_report(
        stored.result,
        stored.case,
        request.app.state.kb,
        audience="clinician",
        assessment_id=stored.id,
        created_at=stored.created_at,
        emergency_number=request.app.state.settings.emergency_number,
    )
    return HTMLResponse(html)


@router.get("/clinic/assessments/{assessment_id}/report.pdf")
def clinic_pdf(assessment_id: str, request: Request, user: Clinician) -> Response:
    stored = clinic_record(request, assessment_id, user, "export")
    return _pdf(request, stored, audience="clinician")


@router.post("/clinic/assessments/{assessment_id}/delete")
async def clinic_delete(assessment_id: str, request: Request, user: Clinician) -> Response:
    await _form(request)
    stored = clinic_record(request, assessment_id, user, "delete")
    request.app.state.store.delete_assessment(stored.id)
    return RedirectResponse("/clinic", status_code=303)
