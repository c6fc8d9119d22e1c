"""Exports (issue 17, point 2): one contact as JSON, a filtered profile list as streamed CSV."""

import csv
import io
import json

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from accounts.models import AuditEvent
from conversations.models import (
    Conversation,
    ConversationLog,
    DraftOutcome,
    DraftReview,
    LogAction,
    MessageEdit,
)
from profiles.models import ClientProfile
from profiles.services import record_agent_field_changes
from tests.factories import make_conversation, make_message

pytestmark = pytest.mark.django_db

CSV_URL = reverse("admin:profiles_clientprofile_export_csv")


def export_url(profile):
    return reverse("admin:profiles_clientprofile_export_json", args=[profile.pk])


def test_a_contact_exports_whole_and_the_document_matches_the_database(client_as, staff_user):
    conversation = make_conversation(display_name="Dana W")
    profile = conversation.profile
    agent = staff_user("agent", username="ana")
    record_agent_field_changes(profile, {"name": "Dana", "email": "dana@example.com"}, actor=agent)
    first = make_message(conversation, minutes=0, text="hello")
    make_message(conversation, minutes=1, direction="out", text="hi, your name?", status="sent")
    MessageEdit.objects.create(message=first, previous_text="helo", edited_at=first.timestamp)
    DraftReview.objects.create(
        conversation=conversation, outcome=DraftOutcome.DISCARDED, original_draft="draft words"
    )
    client = client_as("admin")

    response = client.get(export_url(profile))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    document = json.loads(response.content)
    assert document["conversation"]["wa_id"] == conversation.wa_id
    assert {k: document["profile"][k] for k in ("name", "email")} == {
        "name": "Dana",
        "email": "dana@example.com",
    }
    assert [(m["direction"], m["text"]) for m in document["messages"]] == [
        ("in", "hello"),
        ("out", "hi, your name?"),
    ]
    assert document["messages"][0]["edits"][0]["previous_text"] == "helo"
    assert document["messages"][1]["status"] == "sent"
    assert [d["original_draft"] for d in document["drafts"]] == ["draft words"]
    assert {(p["field"], p["value"], p["set_by"]) for p in document["provenance"]} == {
        ("name", "Dana", "ana"),
        ("email", "dana@example.com", "ana"),
    }
    actions = [row["action"] for row in document["status_history"]]
    assert actions == [LogAction.PROFILE_EDITED]  # the export is logged after it was made
    audit = AuditEvent.objects.get(action="contact_exported")
    assert (audit.actor_name, audit.detail) == ("admin-user", "2 message(s)")
    assert ConversationLog.objects.filter(action=LogAction.EXPORTED).count() == 1


@pytest.mark.parametrize("role", ["agent", "viewer"])
def test_only_admins_export(client_as, role):
    profile = make_conversation().profile
    client = client_as(role)
    assert client.get(export_url(profile)).status_code == 403
    assert client.get(CSV_URL).status_code == 403
    listing = client.get(reverse("admin:profiles_clientprofile_changelist")).content.decode()
    assert CSV_URL not in listing
    assert not AuditEvent.objects.filter(action__endswith="exported").exists()


def test_the_csv_is_the_list_as_filtered_on_screen_and_is_streamed(client_as):
    complete = make_conversation()
    for field, value in {
        "name": "Ann",
        "last_name": "Lee",
        "company": "=HYPERLINK(1)",
        "email": "ann@example.com",
    }.items():
        setattr(complete.profile, field, value)
    complete.profile.save()
    make_conversation()  # incomplete: filtered out
    client = client_as("admin")
    listing = client.get(reverse("admin:profiles_clientprofile_changelist")).content.decode()
    assert CSV_URL in listing

    response = client.get(CSV_URL, {"completion_status__exact": "1"})

    assert isinstance(response, StreamingHttpResponse)
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["id"], r["wa_id"], r["name"], r["complete"]) for r in rows] == [
        (str(complete.profile.pk), complete.wa_id, "Ann", "True")
    ]
    assert rows[0]["company"] == "'=HYPERLINK(1)"  # not run as a formula by a spreadsheet
    audit = AuditEvent.objects.get(action="profiles_exported")
    assert audit.detail == "filters: completion_status__exact=1"


def test_a_large_list_comes_out_whole_in_chunks(client_as):
    conversations = Conversation.objects.bulk_create(
        Conversation(wa_id=str(15559000000 + n)) for n in range(2500)
    )
    ClientProfile.objects.bulk_create(ClientProfile(conversation=c) for c in conversations)
    response = client_as("admin").get(CSV_URL)
    chunks = list(response.streaming_content)
    assert len(chunks) == 2501  # the header, then a line per profile, produced one by one
    assert len({line.split(b",")[0] for line in chunks[1:]}) == 2500


def test_an_unknown_filter_is_a_400_not_a_crash(client_as):
    assert client_as("admin").get(CSV_URL, {"no_such_field": "1"}).status_code == 400
