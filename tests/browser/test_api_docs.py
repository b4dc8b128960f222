"""The site around the self-check, in Chromium: the API documentation (Swagger UI reading the
OpenAPI 3.1 document, with Authorize sending a bearer token), the favicon, HEAD."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}


@pytest.mark.parametrize("width", list(WIDTHS))
def test_api_docs_render_every_operation(browser: Browser, base_url: str, width: str) -> None:
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h})
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"{base_url}/docs")
    post = page.locator(".opblock-post").filter(
        has=page.locator('.opblock-summary-path[data-path="/api/assessments"]')
    )
    expect(post).to_be_visible()
    expect(page.locator(".opblock-get")).not_to_have_count(0)
    expect(page.get_by_text("Unable to render this definition")).to_have_count(0)
    expect(page.get_by_text("OAS 3.1")).to_be_visible()
    assert blocked == []  # it runs under the same CSP as every page, no inline script
    context.close()


def test_authorize_sends_the_bearer_token(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/docs")
    page.locator("button.authorize").first.click()
    bearer = page.locator(".auth-container").filter(has_text="(http, Bearer)")
    expect(bearer).to_be_visible()
    bearer.get_by_role("textbox").fill("np_from_the_docs_page")
    bearer.get_by_role("button", name="Apply credentials").click()
    page.get_by_role("button", name="Close").first.click()

    listing = page.locator(".opblock-get").filter(
        has=page.locator('.opblock-summary-path[data-path="/api/assessments"]')
    )
    listing.locator(".opblock-summary").click()
    listing.get_by_role("button", name="Try it out").click()
    with page.expect_request(lambda r: r.url.startswith(f"{base_url}/api/assessments")) as sent:
        listing.get_by_role("button", name="Execute").click()
    assert sent.value.headers["authorization"] == "Bearer np_from_the_docs_page"
    # The server read it: an unknown token, not "sign in".
    expect(listing.locator(".live-responses-table")).to_contain_text("the API token is not valid")


def test_pages_have_the_favicon_and_answer_head(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/")
    href = page.locator('link[rel="icon"]').get_attribute("href")
    assert href
    icon = page.request.get(f"{base_url}{href}")
    assert icon.ok and icon.headers["content-type"] == "image/svg+xml"
    assert page.evaluate(
        """src => new Promise(done => { const i = new Image(); i.onload = () => done(i.width > 0);
        i.onerror = () => done(false); i.src = src; })""",
        href,
    )
    for path in ("/", "/self-check", "/docs"):
        head = page.request.head(f"{base_url}{path}")
        assert head.status == 200, path
        assert head.body() == b"", path
