"""Screenshots of a self-check for docs/self-check.md, taken by the browser tests' Chromium.

A real server (a throwaway data folder) and headless Chromium walk home → start → body map →
questions → result at phone and desktop widths, save one small PNG per kind of step in
docs/screenshots/ and write docs/self-check.md showing them. The walk reads the page rather
than knowing the flow, so it survives a new step: it marks one place on a body map, answers
"none of these" where offered, else "no", else the first option, fills an empty number with an
age, and presses the form's main button until the result. Not a test (pytest does not
collect it): run it with ``bash scripts/screenshots`` when the pages change.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from browser_support import CHROMIUM, CHROMIUM_ARGS, serving
from playwright.sync_api import Browser, Locator, Page, sync_playwright

from nervepath.web.app import create_app
from nervepath.web.settings import Settings

ROOT = Path(__file__).parents[2]
WIDTHS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
# An L5-like story when the map has it (the outer calf); otherwise the first place drawn.
PLACES = ("lateral_leg_left", "dorsum_foot_left")
AGE = "45"
MAX_STEPS = 80
MAX_BYTES = 200_000
TITLES = {
    "home": "Home page",
    "body-map": "Body map",
    "warning-signs": "Warning signs",
    "question": "A question",
    "emergency": "Emergency",
    "result": "Result",
}


@dataclass(frozen=True)
class Shot:
    kind: str  # home, start-1…, body-map, warning-signs, question, result
    heading: str
    files: dict[str, str]  # width → file name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="docs folder [docs/]")
    args = parser.parse_args()
    pictures = args.out / "screenshots"
    pictures.mkdir(parents=True, exist_ok=True)
    for old in pictures.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as data, sync_playwright() as p:
        app = create_app(Settings(data_dir=Path(data)))
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        with serving(app) as base_url:
            walks = {width: _walk(browser, base_url, width, pictures) for width in WIDTHS}
        browser.close()
        app.state.store.close()
    shots = _merge(walks)
    (args.out / "self-check.md").write_text(_markdown(shots), encoding="utf-8")
    for shot in shots:
        print(f"{shot.kind}: {', '.join(shot.files.values())}")
    return 0


def _walk(browser: Browser, base_url: str, width: str, pictures: Path) -> list[Shot]:
    context = browser.new_context(**WIDTHS[width])
    page = context.new_page()
    page.set_default_timeout(60_000)
    shots: list[Shot] = []

    def take(kind: str) -> None:
        if any(s.kind == kind for s in shots):
            return
        name = f"{len(shots) + 1:02d}-{kind}-{width}.png"
        _save(page, pictures / name)
        shots.append(Shot(kind, _heading(page), {width: name}))

    page.goto(f"{base_url}/")
    take("home")
    page.locator("main a[href^='/self-check'], main .button.primary").first.click()
    page.wait_for_load_state()
    before = ""
    starts = 0
    for _ in range(MAX_STEPS):
        if re.search(r"/r/[\w-]+$", page.url):
            take("result")
            break
        _mark_a_place(page)
        _answer(page)
        kind = _kind(page)
        if kind == "start":
            starts += 1
            kind = f"start-{starts}"
        take(kind)
        seen = page.url + page.locator("main").inner_text()
        if seen == before:
            raise SystemExit(f"{width}: the step did not move on: {_heading(page)!r}")
        before = seen
        _main_button(page).click()
        page.wait_for_load_state()
    else:
        raise SystemExit(f"{width}: no result after {MAX_STEPS} steps")
    context.close()
    return shots


def _kind(page: Page) -> str:
    if page.locator(".banner.emergency, [role=alert]").count():
        return "emergency"
    if _body_map(page).count():
        return "body-map"
    if page.get_by_text(re.compile("none of these", re.I)).count():
        return "warning-signs"
    if page.locator("legend.question").count():
        return "question"
    return "start"


def _body_map(page: Page) -> Locator:
    return page.locator("form .bodymap [data-instance]:visible")


def _mark_a_place(page: Page) -> None:
    shapes = _body_map(page)
    if not shapes.count() or page.locator("form .bodymap [aria-checked=true]").count():
        return
    for place in PLACES:
        preferred = page.locator(f'form .bodymap [data-instance="{place}"]:visible')
        if preferred.count():
            preferred.first.click()
            return
    shapes.first.click()


def _answer(page: Page) -> None:
    """Answer every visible group left empty: "none of these", else "no", else the first."""
    form = _form(page)
    for kind in ("radio", "checkbox"):
        names: list[str] = form.locator(f"input[type={kind}]").evaluate_all(
            "els => [...new Set(els.map(e => e.name))]"
        )
        for name in names:
            group = form.locator(f'input[type={kind}][name="{name}"]')
            if group.evaluate_all("els => els.some(e => e.checked)"):
                continue
            shown = [i for i in range(group.count()) if _shown(group.nth(i))]
            if not shown:  # a list hidden behind "choose from a list", the map's own fields
                continue
            labels = [_label(group.nth(i)).lower() for i in shown]
            pick = next(
                (i for i, text in zip(shown, labels, strict=True) if "none of these" in text),
                next((i for i, text in zip(shown, labels, strict=True) if text == "no"), shown[0]),
            )
            group.nth(pick).check()
    for box in form.locator("input[type=number]:visible").all():
        if not box.input_value():
            box.fill(AGE)
    for select in form.locator("select:visible").all():
        if not select.input_value():
            select.select_option(index=1)


def _form(page: Page) -> Locator:
    return page.locator("main form").filter(has=page.locator("button[type=submit]")).first


def _main_button(page: Page) -> Locator:
    form = _form(page)
    primary = form.locator("button[type=submit].primary")
    return primary.first if primary.count() else form.locator("button[type=submit]").first


def _shown(box: Locator) -> bool:
    # Styled choices hide the input itself and show its label.
    return box.is_visible() or bool(box.evaluate("e => [...e.labels].some(l => l.offsetParent)"))


def _label(box: Locator) -> str:
    return str(box.evaluate("e => [...e.labels].map(l => l.innerText).join(' ').trim()"))


def _heading(page: Page) -> str:
    for selector in ("h1", "legend.question", "legend"):
        found = page.locator(f"main {selector}, .banner {selector}")
        if found.count():
            return " ".join(found.first.inner_text().split())
    return page.title()


def _save(page: Page, path: Path) -> None:
    """A full-page PNG in at most 256 colours, scaled down until it is under MAX_BYTES."""
    from PIL import Image  # installed with WeasyPrint (the pdf extra)

    image = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
    scale = 1.0
    while True:
        size = (round(image.width * scale), round(image.height * scale))
        small = image.resize(size, Image.Resampling.LANCZOS) if scale < 1 else image
        buffer = io.BytesIO()
        small.quantize(256, dither=Image.Dither.NONE).save(buffer, "PNG", optimize=True)
        if buffer.tell() <= MAX_BYTES or scale < 0.3:
            path.write_bytes(buffer.getvalue())
            return
        scale *= 0.85


def _merge(walks: dict[str, list[Shot]]) -> list[Shot]:
    """One entry per kind of step, in the order the desktop walk met them."""
    merged: dict[str, Shot] = {}
    for shots in walks.values():
        for shot in shots:
            old = merged.get(shot.kind)
            files = {**old.files, **shot.files} if old else shot.files
            merged[shot.kind] = Shot(shot.kind, old.heading if old else shot.heading, files)
    return list(merged.values())


def _markdown(shots: list[Shot]) -> str:
    lines = [
        "# A self-check, step by step",
        "",
        'Screenshots of one self-check (one place marked on the body map, "none of these" or',
        '"no" to the questions), on a desktop and at phone width (390 px). Made by',
        "`bash scripts/screenshots`; run it again when the pages change.",
        "",
    ]
    for shot in shots:
        title = TITLES.get(shot.kind, f"Start, step {shot.kind.removeprefix('start-')}")
        lines += [f"**{title}**: {shot.heading}", ""]
        lines += [f"![{title}, {width}](screenshots/{name})" for width, name in shot.files.items()]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
