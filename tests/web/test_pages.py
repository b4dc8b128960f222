"""The HTML pages through the real app: forms with CSRF, sign-in, links, errors as pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from web_support import csrf_of, hidden

START = ("me", "40_to_50", "female", "2_to_12_weeks", "gradual")


def _body_map(client: TestClient) -> str:
    """The start answered, one step per page; then the body map's page."""
    html = client.get("/self-check").text
    assert "Who is this self-check for?" in html
    for value in START:
        html = _answer(client, html, value).text  # type: ignore[attr-defined]
    assert 'id="bodymap-form"' in html
    return html


def _mark(client: TestClient, regions: list[str]) -> str:
    """The start answered and ``regions`` marked on the body map: the first feelings page."""
    html = _body_map(client)
    return client.post(
        "/self-check",
        data={
            "csrf_token": csrf_of(html),
            "state": hidden(html, "state"),
            "history": hidden(html, "history"),
            "region": regions,
        },
    ).text


def _self_check_to_first_question(
    client: TestClient, regions: list[str], qualities: list[str]
) -> str:
    html = _mark(client, regions)
    while "What do you feel in" in html:
        html = _answer(client, html, qualities).text  # type: ignore[attr-defined]
    return html


def _answer(
    client: TestClient, html: str, value: str | list[str], action: str = "answer"
) -> object:
    return client.post(
        "/interview/step",
        data={
            "csrf_token": csrf_of(html),
            "setting": hidden(html, "setting"),
            "state": hidden(html, "state"),
            "history": hidden(html, "history"),
            "value": value,
            "action": action,
        },
        follow_redirects=False,
    )


def test_a_self_check_ends_on_its_private_link(client: TestClient) -> None:
    html = _self_check_to_first_question(client, ["first_web_space_left"], ["numbness"])
    assert "saddle" in html and 'type="checkbox"' in html  # the warning signs, one screen
    both = _answer(client, html, ["none", "fever"])
    assert both.status_code == 422  # type: ignore[attr-defined]
    assert "none of these" in both.text  # type: ignore[attr-defined]
    response = _answer(client, html, "none")
    assert response.status_code == 200  # type: ignore[attr-defined]
    back = _answer(client, response.text, "", action="back")  # type: ignore[attr-defined]
    assert "saddle" in back.text  # type: ignore[attr-defined]
    done = _answer(client, back.text, "", action="quit")  # type: ignore[attr-defined]
    assert done.status_code == 303  # type: ignore[attr-defined]
    link = done.headers["location"]  # type: ignore[attr-defined]
    assert re.fullmatch(r"/r/[\w-]{32,}", link)
    result = client.get(link)
    assert result.status_code == 200
    assert "Get help straight away" in result.text  # the safety net on every result
    assert "What to do next" in result.text
    # Reachable by the link alone: a fresh browser with no session sees it too.
    with TestClient(client.app) as stranger:
        assert stranger.get(link).status_code == 200
        assert stranger.get(link + "x").status_code == 404


def test_cauda_equina_shows_the_emergency_banner_first(client: TestClient) -> None:
    places = ["saddle", "medial_sole_left", "medial_sole_right"]
    html = _self_check_to_first_question(client, places, ["numbness"])
    # Saddle numbness is a warning sign: marked already, so the emergency shows now.
    assert 'class="banner emergency"' in html
    assert html.index("banner emergency") < html.index("<form")
    assert "emergency department" in html


def test_forms_without_the_csrf_token_are_refused(client: TestClient) -> None:
    response = client.post("/self-check", data={"region": ["heel_left"], "quality": ["pain"]})
    assert response.status_code == 403
    assert "expired" in response.text


def test_clinician_pages_need_sign_in(client: TestClient) -> None:
    for path in ("/clinic", "/clinic/new", "/clinic/assessments/abc"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


def test_wrong_password_is_refused(client: TestClient) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": "clinician", "password": "nope", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 401
    assert "not right" in response.text


def test_clinician_examination_gives_a_differential(signed_in: TestClient) -> None:
    page = signed_in.get("/clinic/new")
    assert page.status_code == 200
    assert 'name="strength_ankle_dorsiflexion_left"' in page.text
    assert 'name="reflex_achilles_right"' in page.text
    # A part of the leg without a finer place is recorded from cases, not offered twice here.
    assert 'name="motor_weakness_' not in page.text and 'name="sensory_loss_foot_' not in page.text
    response = signed_in.post(
        "/clinic/new",
        data={
            "csrf_token": csrf_of(page.text),
            "region": ["first_web_space_left", "lateral_leg_left"],
            "quality": ["numbness"],
            "strength_ankle_dorsiflexion_left": "4",
            "strength_great_toe_extension_left": "3",
            "strength_ankle_inversion_left": "4",
            "strength_hip_abduction_left": "4",
            "straight_leg_raise_left": "present",
            "sensory_loss_first_web_space_left": "present",
            "age": "45",
            "action": "assess",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    result = signed_in.get(response.headers["location"])
    assert "Differential" in result.text
    assert "L5 nerve root" in result.text
    assert "log-odds" in result.text
    stored_id = response.headers["location"].rsplit("/", 1)[1]
    listing = signed_in.get("/clinic")
    assert stored_id in listing.text
    stored = signed_in.get(f"/api/assessments/{stored_id}").json()  # the session works there too
    assert stored["case"]["answers"]["sensory_loss_first_web_space_left"] == "present"
    assert stored["case"]["patient"] == {"age": 45}


def test_list_search_rejects_a_bad_date(signed_in: TestClient) -> None:
    response = signed_in.get("/clinic?since=yesterday")
    assert response.status_code == 422
    assert "expected a date" in response.text


def test_error_pages_are_pages(client: TestClient) -> None:
    response = client.get("/r/not-a-real-id")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not found" in response.text


def test_reports_download_from_the_pages(signed_in: TestClient, auth_token_case: str) -> None:
    stored = auth_token_case
    # A clinician record is never at the patient link, not even for a signed-in clinician.
    assert signed_in.get(f"/r/{stored}/report.pdf").status_code == 404
    assert signed_in.get(f"/r/{stored}").status_code == 404
    printable = signed_in.get(f"/clinic/assessments/{stored}/report")
    assert printable.status_code == 200
    assert "L5 nerve root" in printable.text
    clinician_pdf = signed_in.get(f"/clinic/assessments/{stored}/report.pdf")
    assert clinician_pdf.content.startswith(b"%PDF")


def test_a_question_about_one_leg_says_which_leg(client: TestClient) -> None:
    html = _self_check_to_first_question(client, ["heel_left"], ["pain"])
    html = _answer(client, html, "none").text  # type: ignore[attr-defined]
    for _ in range(15):  # to the first question about one leg
        if re.search("Do any of these apply to you[?]|Have you noticed any of these[?]", html):
            # the risk-factor and noticed-sign checklists: none
            html = _answer(client, html, "none").text  # type: ignore[attr-defined]
            continue
        if re.search(r"your (left|right) ", html, re.IGNORECASE):
            break
        html = _answer(client, html, "absent").text  # type: ignore[attr-defined]
    assert re.search(r"<legend class=\"question\">[^<]*your left ", html, re.IGNORECASE)


def test_a_place_may_feel_different_with_no_word_for_it(client: TestClient) -> None:
    """The feelings page offers "feels different from normal" beside the named feelings, and
    ticking it alone moves on to the warning signs."""
    html = _mark(client, ["dorsum_of_foot_left"])
    assert "What do you feel in the top of your left foot?" in html
    assert re.search(r'value="altered_sensation"[^>]*> feels different from normal', html)
    html = _answer(client, html, "altered_sensation").text  # type: ignore[attr-defined]
    assert "Have you had any of these since this started?" in html


def test_the_body_map_page_goes_back_to_the_start(client: TestClient) -> None:
    html = _body_map(client)
    back = _answer(client, html, "", action="back").text  # type: ignore[attr-defined]
    assert "How did it start?" in back


def test_the_result_names_the_likely_causes_and_explains_the_percentages(
    client: TestClient,
) -> None:
    case = {
        "setting": "self_check",
        "answers": {
            "pain_heel_left": "present",
            "pain_first_steps_morning_left": "present",
            "back_pain": "absent",
        },
    }
    from nervepath.assessment.service import assess

    store = client.app.state.store  # type: ignore[attr-defined]
    stored = store.add_assessment(case=case, result=assess(case).to_dict())
    page = client.get(f"/r/{stored.id}").text
    assert "What might be causing it" in page and "Plantar fasciitis" in page
    assert "they can add up to more than 100%" in page
    assert "(no) made this <strong>more</strong>" not in page  # a "no" is never a reason for
