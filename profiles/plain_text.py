"""What the bot stores in a profile is plain text: a name, last name, company or email as a
person would type it on a form, never markup and never a link.

Profile values travel: into the admin, the dashboard's live HTML, message templates and a
CRM. Formatting wrapped around a value (`<b>Acme</b>`) is dropped, keeping its words. A value
that carries active markup or a link (`<iframe src=javascript:…>`, `<script>`, `onload=`,
`https://…`) is refused whole: stripping would keep the script's text, and nothing in it
can be trusted to be the lead's company.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.html import strip_tags

ACTIVE_CONTENT = re.compile(
    r"<\s*/?\s*(?:script|style|iframe|frame|object|embed|applet|svg|math|link|meta|base|form"
    r"|img|image|video|audio|source|input|button|textarea|select|template|noscript)\b"
    r"|\bon[a-z]+\s*="  # event handlers: onload=, onerror=
    r"|\b[a-z][a-z0-9+.-]*://"  # links: https://, ftp://
    r"|\b(?:javascript|vbscript)\s*:|\bdata:[a-z]+/",
    re.IGNORECASE,
)
# Embeddings, overrides and isolates reorder how text is shown: "Acme\u202eLabs" reads backwards.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def plain_text(value: str) -> str:
    """`value` without tags, control characters and runs of spaces; "" if it is active markup
    or a link (or a tag left unclosed)."""
    if ACTIVE_CONTENT.search(value):
        return ""
    text = strip_tags(value)
    if "<" in text or ">" in text:
        return ""
    text = "".join(
        " " if unicodedata.category(char) == "Cc" else char
        for char in text
        if char not in BIDI_CONTROLS
    )
    return " ".join(text.split())
