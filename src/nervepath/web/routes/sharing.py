"""What a person may do with their own self-check — share it with a clinician by a code, keep
it, delete it — and the clinician's side of a share code (``POST /api/share-codes/redeem`` is
its JSON twin). The rules are in ``storage/sharing.py``; the words on ``_privacy.html``."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from nervepath.errors import ShareCodeRefused, StorageError
from nervepath.storage import User
from nervepath.storage.sharing import shown_share_code
from nervepath.web.access import patient_record
from nervepath.web.routes.pages import render_page
from nervepath.web.security import check_csrf, current_user, require_clinician

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Clinician = Annotated[User, Depends(require_clinician)]
PATIENT = "patient-link"
"""The audit log's actor for what a person does by their self-check's link."""


async def _checked(request: Request) -> str:
    form = await request.form()
    check_csrf(request, form)
    return str(form.get("code", ""))


def _unshared(request: Request, assessment_id: str) -> str:
    stored = patient_record(request, assessment_id)
    if stored.shared:
        raise StorageError("this self-check is already shared with a clinic; ask them about it")
    return stored.id


@router.post("/r/{assessment_id}/share", response_class=HTMLResponse)
async def make_share_code(assessment_id: str, request: Request) -> Response:
    """A new share code (replacing any earlier one), shown once on its own page."""
    await _checked(request)
    record = _unshared(request, assessment_id)
    store, settings = request.app.state.store, request.app.state.settings
    code, until = store.create_share_code(record, lifetime=timedelta(days=settings.share_code_days))
    store.record_event(PATIENT, "export", assessment_id=record, detail="page POST share code made")
    shown = shown_share_code(code)
    base = (settings.public_url or str(request.base_url)).rstrip("/")
    return render_page(
        request,
        "share.html",
        code=shown,
        link=f"{base}/clinic/shared?code={shown}",
        until=until,
        result_url=f"/r/{record}",
        stored=store.get_assessment(record),
    )


@router.post("/r/{assessment_id}/keep")
async def keep(assessment_id: str, request: Request) -> Response:
    await _checked(request)
    request.app.state.store.keep_assessment(_unshared(request, assessment_id))
    return RedirectResponse(f"/r/{assessment_id}#privacy", status_code=303)


@router.post("/r/{assessment_id}/delete", response_class=HTMLResponse)
async def delete(assessment_id: str, request: Request) -> Response:
    """Delete an unshared self-check now, for good (a shared one is its clinic's to keep)."""
    await _checked(request)
    record = _unshared(request, assessment_id)
    store = request.app.state.store
    store.delete_assessment(record)
    store.record_event(PATIENT, "delete", assessment_id=record, detail="page POST by its person")
    return render_page(request, "deleted.html")


@router.get("/clinic/shared", response_class=HTMLResponse)
def share_code_form(request: Request, code: str = "") -> Response:
    """The code form; a share link (``?code=…``) fills it in, through sign-in if need be."""
    code = code[:32]
    if current_user(request) is None:
        target = "/clinic/shared" + (f"?{urlencode({'code': code})}" if code else "")
        return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
    return render_page(request, "clinic_shared.html", code=code, refused=None)


@router.post("/clinic/shared", response_class=HTMLResponse)
async def open_shared(request: Request, user: Clinician) -> Response:
    """Attach the self-check the code opens to the clinician's clinic, then show it there."""
    code = (await _checked(request))[:32]
    try:
        stored = request.app.state.store.redeem_share_code(
            code, username=user.username, detail="page POST"
        )
    except ShareCodeRefused as refused:
        status = 429 if refused.too_many else 404
        return render_page(
            request, "clinic_shared.html", status_code=status, code=code, refused=str(refused)
        )
    return RedirectResponse(f"/clinic/assessments/{stored.id}", status_code=303)
