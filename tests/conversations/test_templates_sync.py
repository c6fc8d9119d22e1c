"""Templates are synced from Meta's Graph API (the stand-in, through the real `requests` client).

`GET /{WABA_ID}/message_templates` is read page by page to the end; rows are upserted by
Meta's id, else name and language; a template Meta stops listing is marked, not deleted.
"""

from __future__ import annotations

import html
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conversations.models import MessageTemplate, TemplateQuality, TemplateStatus
from conversations.services.templates import TemplateListError, sync_templates
from tests.standins import Reply
from tests.standins.graph_server import graph_error, server_error
from tests.standins.graph_templates import meta_template

pytestmark = pytest.mark.django_db

WABA_ID = "102290129340398"
TEMPLATES = reverse("admin:conversations_messagetemplate_changelist")
SYNC = reverse("admin:conversations_messagetemplate_sync")


@pytest.fixture
def meta(settings, graph_transport_settings):
    """The stand-in as Meta, with our WABA id configured; tests fill `meta.templates`."""
    settings.WHATSAPP_BUSINESS_ACCOUNT_ID = WABA_ID
    return graph_transport_settings


def template_requests(meta):
    return [r for r in meta.requests if "/message_templates" in r.path]


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def test_sync_follows_metas_cursors_through_three_pages(meta):
    meta.template_page_size = 2
    meta.templates = [
        meta_template("order_update", template_id="901"),
        meta_template("order_update", language="pt_BR", template_id="902"),
        meta_template(
            "spring_sale",
            category="MARKETING",
            body="Hi {{1}}, {{2}} off this week!",
            quality="YELLOW",
            template_id="903",
        ),
        meta_template(
            "old_promo",
            status="REJECTED",
            rejected_reason="PROMOTIONAL",
            category="MARKETING",
            template_id="904",
        ),
        meta_template("lead_nudge", status="PAUSED", quality="RED", template_id="905"),
    ]

    summary = sync_templates()

    assert (summary.created, summary.updated, summary.missing) == (5, 0, 0)
    calls = template_requests(meta)
    assert len(calls) == 3
    assert all(call.headers["authorization"] == "Bearer test-token" for call in calls)
    assert all(urlsplit(call.path).path == f"/v25.0/{WABA_ID}/message_templates" for call in calls)
    cursors = [parse_qs(urlsplit(call.path).query).get("after") for call in calls]
    assert cursors[0] is None and cursors[1] and cursors[2] and cursors[1] != cursors[2]
    fields = parse_qs(urlsplit(calls[0].path).query)["fields"][0]
    assert "quality_score" in fields and "rejected_reason" in fields

    sale = MessageTemplate.objects.get(meta_id="903")
    assert (sale.name, sale.language, sale.category, sale.status, sale.quality_score) == (
        "spring_sale",
        "en_US",
        "MARKETING",
        TemplateStatus.APPROVED,
        TemplateQuality.YELLOW,
    )
    assert sale.components[0] == {"type": "BODY", "text": "Hi {{1}}, {{2}} off this week!"}
    rejected = MessageTemplate.objects.get(meta_id="904")
    assert (rejected.status, rejected.rejected_reason) == ("REJECTED", "PROMOTIONAL")
    assert MessageTemplate.objects.get(meta_id="901").rejected_reason == ""  # Meta's "NONE"
    assert MessageTemplate.objects.get(meta_id="905").status == TemplateStatus.PAUSED


def test_a_second_sync_updates_by_id_and_marks_what_meta_no_longer_lists(meta):
    meta.templates = [
        meta_template("order_update", template_id="901"),
        meta_template("spring_sale", template_id="903", category="MARKETING"),
    ]
    sync_templates()

    meta.templates = [meta_template("order_update", template_id="901", status="PAUSED")]
    summary = sync_templates()

    assert (summary.created, summary.updated, summary.unchanged, summary.missing) == (0, 1, 0, 1)
    assert MessageTemplate.objects.get(meta_id="901").status == TemplateStatus.PAUSED
    gone = MessageTemplate.objects.get(meta_id="903")
    assert gone.missing_since is not None  # kept for the messages sent from it

    meta.templates.append(meta_template("spring_sale", template_id="903", category="MARKETING"))
    sync_templates()
    gone.refresh_from_db()
    assert gone.missing_since is None  # listed again


def test_a_template_recreated_under_the_same_name_keeps_its_row(meta):
    meta.templates = [meta_template("order_update", template_id="901")]
    sync_templates()
    meta.templates = [meta_template("order_update", template_id="777", body="New {{1}} text")]

    summary = sync_templates()

    row = MessageTemplate.objects.get()
    assert (row.meta_id, row.components[0]["text"]) == ("777", "New {{1}} text")
    assert (summary.created, summary.updated) == (0, 1)


def test_a_wrong_token_is_refused_and_nothing_is_written(meta, settings):
    settings.WHATSAPP_ACCESS_TOKEN = "expired-token"
    meta.templates = [meta_template("order_update")]

    with pytest.raises(TemplateListError, match="refused the access token"):
        sync_templates()
    assert not MessageTemplate.objects.exists()


def test_a_failure_on_a_later_page_marks_nothing_missing(meta):
    meta.templates = [meta_template("a", template_id="1"), meta_template("b", template_id="2")]
    sync_templates()
    first_page = {
        "data": [meta_template("a", template_id="1")],
        "paging": {"cursors": {"after": "QVFIUm"}, "next": f"{meta.url}/next"},
    }
    meta.queue(Reply(body=first_page), server_error(503))

    with pytest.raises(TemplateListError, match="HTTP 503"):
        sync_templates()
    assert not MessageTemplate.objects.filter(missing_since__isnull=False).exists()


def test_the_command_prints_a_summary_and_fails_clearly(meta, settings, capsys):
    meta.templates = [meta_template("order_update"), meta_template("spring_sale")]
    call_command("sync_templates")
    assert "2 new, 0 updated, 0 unchanged, 0 no longer listed by Meta" in capsys.readouterr().out

    settings.WHATSAPP_BUSINESS_ACCOUNT_ID = ""
    with pytest.raises(CommandError, match="WHATSAPP_BUSINESS_ACCOUNT_ID"):
        call_command("sync_templates")


# The admin ---------------------------------------------------------------------------------


def test_an_admin_syncs_from_the_template_list(meta, client_as):
    meta.templates = [meta_template("order_update")]
    client = client_as("admin")

    page = client.get(TEMPLATES)
    assert "Sync templates from Meta" in text_of(page)
    done = client.post(SYNC, follow=True)

    assert "Templates synced from Meta: 1 new" in text_of(done)
    assert MessageTemplate.objects.filter(name="order_update").exists()


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (graph_error(190, "Invalid OAuth access token", http_status=401), "refused the access"),
        (server_error(500), "HTTP 500"),
    ],
)
def test_a_failed_sync_shows_a_message_not_a_500(meta, client_as, answer, expected):
    meta.queue(answer)
    done = client_as("admin").post(SYNC, follow=True)
    assert done.status_code == 200
    assert "Templates not synced" in text_of(done) and expected in text_of(done)


def test_without_a_waba_id_the_button_says_what_to_configure(meta, settings, client_as):
    settings.WHATSAPP_BUSINESS_ACCOUNT_ID = ""
    done = client_as("admin").post(SYNC, follow=True)
    assert "set WHATSAPP_BUSINESS_ACCOUNT_ID" in text_of(done)


@pytest.mark.parametrize("role", ["agent", "viewer"])
def test_agents_and_viewers_read_templates_but_cannot_sync(meta, client_as, role):
    meta.templates = [meta_template("order_update", body="Your order {{1}} shipped")]
    sync_templates()
    client = client_as(role)

    page = client.get(TEMPLATES)
    assert page.status_code == 200 and "order_update" in text_of(page)
    assert "Sync templates from Meta" not in text_of(page)
    detail = client.get(
        reverse(
            "admin:conversations_messagetemplate_change",
            args=[MessageTemplate.objects.get().pk],
        )
    )
    assert "Your order {{1}} shipped" in text_of(detail)  # components readable
    assert client.post(SYNC).status_code == 403
    assert len(template_requests(meta)) == 1  # only the sync above


def test_the_sync_url_takes_only_posts(meta, client_as):
    assert client_as("admin").get(SYNC).status_code == 405


def test_the_template_list_filters_and_searches(meta, client_as):
    meta.templates = [
        meta_template("order_update"),
        meta_template("spring_sale", category="MARKETING", status="PAUSED"),
    ]
    sync_templates()
    client = client_as("agent")

    paused = text_of(client.get(TEMPLATES, {"status__exact": "PAUSED"}))
    assert "spring_sale" in paused and "order_update" not in paused
    found = text_of(client.get(TEMPLATES, {"q": "order"}))
    assert "order_update" in found and "spring_sale" not in found
    for params in ({"category__exact": "MARKETING"}, {"quality_score__exact": "GREEN"}):
        assert client.get(TEMPLATES, params).status_code == 200


def test_the_template_list_costs_the_same_queries_for_3_or_30_rows(meta, client_as):
    client = client_as("admin")
    meta.templates = [meta_template(f"t{i}") for i in range(3)]
    sync_templates()
    with CaptureQueriesContext(connection) as few:
        assert client.get(TEMPLATES).status_code == 200
    meta.templates = [meta_template(f"t{i}") for i in range(30)]
    sync_templates()
    with CaptureQueriesContext(connection) as many:
        assert client.get(TEMPLATES).status_code == 200
    assert len(many) == len(few)
