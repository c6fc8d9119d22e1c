"""The Content-Security-Policy: every page says only our own scripts and styles may run, and
our templates give it nothing inline to refuse (the browser side: tests/browser/)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
# An inline script, an event-handler attribute or a style attribute: all refused by the policy.
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=|\sstyle=", re.IGNORECASE)


@pytest.mark.django_db
def test_pages_forbid_inline_and_foreign_scripts_and_styles(client, admin_user):
    client.force_login(admin_user)
    for url in (reverse("admin:login"), reverse("admin:index"), reverse("dashboard")):
        policy = client.get(url)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'", url
        assert directives["style-src"] == "'self'", url
        assert directives["frame-ancestors"] == "'none'", url


def test_no_template_or_admin_html_of_ours_has_inline_script_or_style():
    sources = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/admin*.py")]
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group().strip()}"
        for path in sources
        for match in INLINE.finditer(path.read_text())
    ]
    assert len(sources) > 20
    assert offenders == []
