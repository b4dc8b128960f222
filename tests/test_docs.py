"""Generated docs stay in step with the data (datasette's test_docs idea)."""

from __future__ import annotations

import re
from pathlib import Path

from nervepath.knowledge.markdown import render_catalogue, with_rules
from nervepath.knowledge.model import KnowledgeBase

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"


def test_catalogue_is_up_to_date(shipped_kb: KnowledgeBase) -> None:
    written = (DOCS / "catalogue.md").read_text(encoding="utf-8")
    assert written == render_catalogue(shipped_kb), (
        "docs/catalogue.md is stale: run `nervepath kb catalogue -o docs/catalogue.md`"
    )


def test_catalogue_cites_every_sourced_number(shipped_kb: KnowledgeBase) -> None:
    text = render_catalogue(shipped_kb)
    for site in shipped_kb.raw.sites:
        assert f"`{site.id}`" in text
    for ref in {x.provenance.source.ref for x in shipped_kb.links if x.provenance.source}:
        assert f'<a id="{ref}"></a>' in text


def test_every_setting_is_documented_in_the_readme() -> None:
    from nervepath.web.settings import Settings

    readme = (ROOT / "README.md").read_text()
    for name, field in Settings.model_fields.items():
        assert f"`NERVEPATH_{name.upper()}`" in readme, f"NERVEPATH_{name.upper()} not in README"
        assert field.description, f"setting {name} has no description"


def test_clinical_safety_lists_every_triage_rule_with_its_source(
    shipped_kb: KnowledgeBase,
) -> None:
    written = (DOCS / "clinical-safety.md").read_text(encoding="utf-8")
    assert written == with_rules(written, shipped_kb), (
        "docs/clinical-safety.md's rule table is stale: "
        "run `nervepath kb rules --update docs/clinical-safety.md`"
    )
    for rule in shipped_kb.raw.triage.rules:
        assert f"| `{rule.id}` |" in written


def test_self_check_screenshots_are_there_and_small() -> None:
    page = (DOCS / "self-check.md").read_text(encoding="utf-8")
    shown = re.findall(r"\]\((screenshots/[\w.-]+\.png)\)", page)
    assert len(shown) >= 6, "run `bash scripts/screenshots`"
    for name in shown:
        picture = DOCS / name
        assert picture.is_file(), f"{name} is missing: run `bash scripts/screenshots`"
        assert picture.stat().st_size <= 200_000, f"{name} is over 200 kB"
    assert sorted(shown) == sorted(f"screenshots/{p.name}" for p in DOCS.glob("screenshots/*"))
