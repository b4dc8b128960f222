"""Reading the hidden fields of a served form, as a browser would submit them."""

from __future__ import annotations

import html as h


def csrf_of(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def hidden(html: str, name: str) -> str:
    marker = f'name="{name}" value="'
    start = html.index(marker) + len(marker)
    return h.unescape(html[start : html.index('"', start)])
