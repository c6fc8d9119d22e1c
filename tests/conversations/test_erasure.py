"""Erasing a contact (issue 17, point 3): no personal data left in any table, and nothing
brought back by a redelivered or replayed webhook."""

from __future__ import annotations

import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from conversations.models import (
    Conversation,
    ConversationLog,
    DraftOutcome,
    DraftReview,
    LogAction,
    Message,
    MessageMedia,
)
from profiles.models import ClientProfile
from tests.samples import edit_webhook, text_webhook
from webhooks.models import WebhookEvent

# Transactional: the real db_worker runs, and on PostgreSQL it needs committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "15550004242"
NAME = "Dana Whitfield"
FIRST_WORDS = "hi, this is Dana Whitfield from Bluefin Logistics, dana@bluefin.example"
EDITED_WORDS = "my secret edited words about the quote"
# Everything that would identify Dana, or repeat what she wrote, anywhere in the database.
PERSONAL = (PHONE, "Dana", "Whitfield", "Bluefin", "dana@bluefin", "secret", "passport")


def every_row() -> dict[str, list[str]]:
    """Each table's rows as text, bytes decoded: what a scan of the database would read."""
    rows = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows[table] = [
                " | ".join(
                    bytes(v).decode("utf-8", "replace")
                    if isinstance(v, bytes | memoryview)
                    else str(v)
                    for v in row
                )
                for row in cursor.fetchall()
            ]
    return rows


def personal_data_left() -> dict[str, list[str]]:
    found = {}
    for table, rows in every_row().items():
        hits = [
            f"{term!r} in {row}" for row in rows for term in PERSONAL if term.lower() in row.lower()
        ]
        if hits:
            found[table] = hits
    return found


@pytest.fixture
def dana(post_webhook, run_worker, staff_user):
    """Dana as the whole product stores her: webhooks, the bot's reply and extraction, an
    edit, a photo, a draft decision, an admin edit and an agent's reply through the API."""
    # Wamids of our own making: the samples' helpers put the phone in them, as Meta's own
    # ids encode it in base64 (kept: they are the tombstones, see the erasure module).
    first, first_wamid = text_webhook(FIRST_WORDS, wa_id=PHONE, name=NAME, wamid="wamid.d1")
    post_webhook(first)
    run_worker()
    post_webhook(
        edit_webhook(first_wamid, EDITED_WORDS, wa_id=PHONE, name=NAME, wamid="wamid.d2")[0]
    )
    run_worker()
    conversation = Conversation.objects.get(wa_id=PHONE)
    photo = Message.objects.create(
        conversation=conversation,
        direction="in",
        sender="user",
        type="image",
        text="passport scan",
        wamid="wamid.p1",
        timestamp=conversation.last_message_at,
        content={"caption": "passport scan", "media_id": "m1"},
        raw={"from": PHONE, "image": {"caption": "passport scan"}},
    )
    media = MessageMedia.objects.create(message=photo, filename="dana-passport.jpg", state="stored")
    media.file.save("dana-passport.jpg", ContentFile(b"\xff\xd8 fake jpeg"))
    DraftReview.objects.create(
        conversation=conversation,
        outcome=DraftOutcome.DISCARDED,
        original_draft="Thanks Dana, which company?",
    )
    profile = ClientProfile.objects.get(conversation=conversation)
    profile.notes = "Dana prefers mornings"
    profile.ai_draft = "Hello Dana Whitfield"
    profile.save()
    LogEntry.objects.log_actions(staff_user("agent").pk, [profile], CHANGE, change_message="notes")
    token = Token.objects.create(user=staff_user("admin", username="boss"))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    reply = api.post(
        f"/api/v1/conversations/{conversation.pk}/messages/",
        {"text": "Thanks Dana, we will call"},
        format="json",
        headers={"Idempotency-Key": "crm-1"},
    )
    assert reply.status_code == 201, reply.json()
    run_worker()
    return conversation, first, media.file.name


def erase(client, conversation, django_capture_on_commit_callbacks):
    url = reverse("admin:profiles_clientprofile_erase", args=[conversation.profile.pk])
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url)


def test_erasing_leaves_no_personal_data_in_any_table(
    dana, client_as, django_capture_on_commit_callbacks
):
    conversation, _, file_name = dana
    before = personal_data_left()
    # The scan is real: Dana is everywhere before the erase.
    for table in (
        "conversations_conversation",
        "conversations_message",
        "conversations_messageedit",
        "conversations_messagemedia",
        "conversations_draftreview",
        "conversations_liveevent",
        "profiles_clientprofile",
        "profiles_profilefieldsource",
        "webhooks_webhookevent",
        "django_admin_log",
    ):
        assert table in before, table
    assert default_storage.exists(file_name)
    messages_before = Message.objects.filter(conversation=conversation).count()

    response = erase(client_as("admin"), conversation, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert personal_data_left() == {}
    assert not default_storage.exists(file_name)
    # The skeleton stays: the rows and their wamids, as tombstones.
    kept = Message.objects.filter(conversation=conversation)
    assert kept.count() == messages_before
    assert kept.filter(wamid__isnull=False).count() >= 3
    conversation.refresh_from_db()
    assert conversation.erased_at is not None
    assert ConversationLog.objects.filter(conversation=conversation, action=LogAction.ERASED)
    audit = AuditEvent.objects.get(action="contact_erased")
    assert (audit.actor_name, audit.target_id) == ("admin-user", str(conversation.pk))


def test_a_redelivered_or_replayed_webhook_does_not_bring_the_contact_back(
    dana, client_as, django_capture_on_commit_callbacks, post_webhook, run_worker
):
    conversation, first_body, _ = dana
    client = client_as("admin")
    erase(client, conversation, django_capture_on_commit_callbacks)

    post_webhook(first_body)  # Meta redelivers the very first message, unchanged
    run_worker()
    client.post(
        reverse("admin:webhooks_webhookevent_changelist"),
        {
            "action": "replay",
            "_selected_action": list(WebhookEvent.objects.values_list("pk", flat=True)),
        },
    )

    assert Conversation.objects.count() == 1
    assert not Conversation.objects.filter(wa_id=PHONE).exists()
    # Meta's new copy of the body is stored as received (it is a new event); nothing in it
    # became a row again: its message was a duplicate of the tombstone.
    assert personal_data_left().keys() <= {"webhooks_webhookevent"}
    newest = WebhookEvent.objects.order_by("-id").first()
    assert newest.summary.get("messages_duplicate") == 1


def test_a_blocked_contact_stays_blocked_after_erasure(
    client_as, django_capture_on_commit_callbacks, post_webhook, run_worker
):
    post_webhook(text_webhook("hello", wa_id=PHONE, name=NAME)[0])
    run_worker()
    conversation = Conversation.objects.get(wa_id=PHONE)
    client = client_as("admin")
    client.post(reverse("admin:profiles_clientprofile_block", args=[conversation.profile.pk]))
    erase(client, conversation, django_capture_on_commit_callbacks)

    post_webhook(text_webhook("hello again", wa_id=PHONE, name=NAME)[0])
    run_worker()

    again = Conversation.objects.get(wa_id=PHONE)
    assert again.pk != conversation.pk  # a new conversation: nothing old is linked to it
    assert again.blocked_at is not None
    assert not Message.objects.filter(conversation=again, direction="out").exists()


@pytest.mark.parametrize("role", ["agent", "viewer"])
def test_only_admins_erase(client_as, role):
    conversation = Conversation.objects.create(wa_id=PHONE, display_name=NAME)
    profile = ClientProfile.objects.create(conversation=conversation, name="Dana")
    url = reverse("admin:profiles_clientprofile_erase", args=[profile.pk])
    client = client_as(role)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    conversation.refresh_from_db()
    assert (conversation.wa_id, conversation.erased_at) == (PHONE, None)
    page = client.get(reverse("admin:profiles_clientprofile_change", args=[profile.pk]))
    assert url not in page.content.decode()


def test_the_confirmation_page_says_what_goes_and_what_stays(client_as):
    conversation = Conversation.objects.create(wa_id=PHONE, display_name=NAME)
    profile = ClientProfile.objects.create(conversation=conversation)
    client = client_as("admin")
    page = client.get(reverse("admin:profiles_clientprofile_change", args=[profile.pk]))
    url = reverse("admin:profiles_clientprofile_erase", args=[profile.pk])
    assert url in page.content.decode()
    confirm = client.get(url).content.decode()
    assert "message ids" in confirm and "Erase personal data" in confirm
    conversation.refresh_from_db()
    assert conversation.erased_at is None  # looking is not erasing


def test_a_batch_keeps_the_other_contacts_items_for_a_replay(
    client_as, django_capture_on_commit_callbacks, post_webhook, run_worker
):
    dana_body, _ = text_webhook(FIRST_WORDS, wa_id=PHONE, name=NAME, wamid="wamid.b1")
    omar_body, _ = text_webhook(
        "Omar Haddad here", wa_id="15550007777", name="Omar H", wamid="wamid.b2"
    )
    batch = json.loads(dana_body)
    value = batch["entry"][0]["changes"][0]["value"]
    other = json.loads(omar_body)["entry"][0]["changes"][0]["value"]
    value["contacts"] += other["contacts"]
    value["messages"] += other["messages"]
    post_webhook(json.dumps(batch).encode())
    run_worker()
    dana = Conversation.objects.get(wa_id=PHONE)
    client = client_as("admin")

    erase(client, dana, django_capture_on_commit_callbacks)

    stored = json.loads(bytes(WebhookEvent.objects.get().body))
    value = stored["entry"][0]["changes"][0]["value"]
    assert [c["wa_id"] for c in value["contacts"]] == ["15550007777"]
    assert [m["text"]["body"] for m in value["messages"]] == ["Omar Haddad here"]
    assert personal_data_left() == {}
    client.post(
        reverse("admin:webhooks_webhookevent_changelist"),
        {"action": "replay", "_selected_action": [WebhookEvent.objects.get().pk]},
    )
    assert Conversation.objects.count() == 2
    assert Message.objects.get(wamid="wamid.b2").text == "Omar Haddad here"
