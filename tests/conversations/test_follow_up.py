"""Following up silent, incomplete leads with one approved utility template per silence.

Through the real paths: `manage.py send_follow_ups` (the sweep), the deferred check the
webhook schedules, the real worker and the Graph stand-in; the rules one by one.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from conversations.models import (
    ConversationLog,
    Direction,
    HandoffState,
    LogAction,
    Message,
    MessageStatus,
    MessageType,
    ReplyState,
)
from conversations.services.follow_up import follow_up_conversation
from conversations.services.templates import sync_templates
from tests.conversations.conftest import conversation_of
from tests.factories import make_conversation
from tests.races import run_together
from tests.standins.graph_templates import meta_template

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def meta(settings, graph_transport_settings):
    """Follow-ups on, after 24 hours, with the approved utility template `lead_nudge`."""
    settings.WHATSAPP_BUSINESS_ACCOUNT_ID = "102290129340398"
    settings.FOLLOW_UP_ENABLED = True
    settings.FOLLOW_UP_AFTER_HOURS = 24
    settings.FOLLOW_UP_TEMPLATE = "lead_nudge"
    settings.FOLLOW_UP_TEMPLATE_LANGUAGE = "en_US"
    graph_transport_settings.templates = [
        meta_template("lead_nudge", body="Hi {{1}}, may we finish your details?"),
        meta_template("spring_sale", category="MARKETING", body="Hi {{1}}, sale!"),
    ]
    sync_templates()
    return graph_transport_settings


def silent_lead(hours: float = 25, **fields):
    """A lead with an empty (incomplete) profile whose last message is `hours` old."""
    fields.setdefault("display_name", "Ana WhatsApp")
    return make_conversation(last_inbound_at=timezone.now() - timedelta(hours=hours), **fields)


def follow_ups(meta) -> list[dict]:
    return [body for _, body in meta.accepted if body.get("type") == "template"]


def sweep(run_worker) -> None:
    call_command("send_follow_ups")
    run_worker()


def test_a_silent_incomplete_lead_gets_the_template_once(meta, run_worker, capsys):
    lead = silent_lead()

    sweep(run_worker)
    sweep(run_worker)  # the same silence: nothing more

    [body] = follow_ups(meta)
    assert body["to"] == f"+{lead.wa_id}"
    assert body["template"]["name"] == "lead_nudge"
    # No name in the profile yet: the WhatsApp display name fills {{1}}.
    assert body["template"]["components"][0]["parameters"] == [
        {"type": "text", "text": "Ana WhatsApp"}
    ]
    message = Message.objects.get(direction=Direction.OUT)
    assert (message.type, message.status) == (MessageType.TEMPLATE, MessageStatus.SENT)
    assert message.text == "Hi Ana WhatsApp, may we finish your details?"
    entry = ConversationLog.objects.get(action=LogAction.FOLLOW_UP)
    assert entry.actor is None and "lead_nudge (en_US)" in entry.detail
    lead.refresh_from_db()
    assert lead.followed_up_silence_of == lead.last_inbound_at
    assert "1 follow-up queued" in capsys.readouterr().out


def test_the_profiles_name_comes_before_the_whatsapp_name(meta, run_worker):
    lead = silent_lead()
    lead.profile.name = "Ana"
    lead.profile.save()
    sweep(run_worker)
    [body] = follow_ups(meta)
    assert body["template"]["components"][0]["parameters"][0]["text"] == "Ana"


def test_a_lead_not_silent_long_enough_waits(meta, run_worker):
    silent_lead(hours=23)
    sweep(run_worker)
    assert follow_ups(meta) == []


def test_a_complete_profile_gets_nothing(meta, run_worker):
    lead = silent_lead()
    profile = lead.profile
    profile.name, profile.last_name, profile.company = "Ana", "Lopez", "Acme"
    profile.email = "ana@example.com"
    profile.save()
    assert profile.completion_status
    sweep(run_worker)
    assert follow_ups(meta) == []


@pytest.mark.parametrize("state", [HandoffState.HUMAN, HandoffState.PAUSED])
def test_nothing_goes_to_a_conversation_an_agent_holds_or_paused(meta, run_worker, state):
    silent_lead(handoff_state=state)
    sweep(run_worker)
    assert follow_ups(meta) == []


def test_nothing_goes_to_a_conversation_in_manual_mode(meta, run_worker):
    lead = silent_lead()
    lead.profile.manual_mode = True
    lead.profile.save()
    sweep(run_worker)
    assert follow_ups(meta) == []


@pytest.mark.parametrize("field", ["blocked_at", "marketing_opt_out_at"])
def test_nothing_goes_to_a_blocked_or_opted_out_user(meta, run_worker, field):
    lead = silent_lead(**{field: timezone.now()})
    sweep(run_worker)
    assert follow_ups(meta) == []
    assert follow_up_conversation(lead.pk) in ("blocked", "opted out of marketing")


def test_follow_ups_are_off_by_default(meta, run_worker, settings, capsys):
    settings.FOLLOW_UP_ENABLED = False
    silent_lead()
    sweep(run_worker)
    assert follow_ups(meta) == []
    assert "Follow-ups are off" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("spring_sale", "not a utility template"),
        ("not_synced", "not synced from Meta"),
    ],
)
def test_only_an_approved_utility_template_is_sent(
    meta, run_worker, settings, caplog, name, problem
):
    settings.FOLLOW_UP_TEMPLATE = name
    silent_lead()
    with caplog.at_level(logging.WARNING, logger="conversations.services.follow_up"):
        sweep(run_worker)
    assert follow_ups(meta) == []
    assert any(problem in record.getMessage() for record in caplog.records)


def test_a_paused_template_sends_nothing(meta, run_worker, caplog):
    meta.templates[0]["status"] = "PAUSED"
    sync_templates()
    silent_lead()
    with caplog.at_level(logging.WARNING, logger="conversations.services.follow_up"):
        sweep(run_worker)
    assert follow_ups(meta) == []
    assert any("not approved" in record.getMessage() for record in caplog.records)


def test_a_new_message_from_the_lead_starts_a_new_silence(meta, run_worker, user_writes, settings):
    settings.BOT_ENABLED = False
    user_writes("Hi, I'm interested", at=timezone.now() - timedelta(hours=50))
    run_worker()
    sweep(run_worker)
    assert len(follow_ups(meta)) == 1

    user_writes("Sorry, was busy", at=timezone.now() - timedelta(hours=26))
    run_worker()
    sweep(run_worker)
    sweep(run_worker)

    assert len(follow_ups(meta)) == 2
    assert ConversationLog.objects.filter(action=LogAction.FOLLOW_UP).count() == 2


def test_the_worker_checks_by_itself_and_a_newer_message_makes_the_old_check_a_no_op(
    meta, run_worker, user_writes, settings
):
    settings.BOT_ENABLED = False
    settings.FOLLOW_UP_AFTER_HOURS = 4 / 3600  # four seconds
    start = time.monotonic()
    user_writes("Hello?", at=timezone.now() - timedelta(seconds=2))  # its check: in ~2 s
    user_writes("Anyone there?")  # its check: in ~4 s
    run_worker()  # stores both; neither check is due yet
    assert follow_ups(meta) == []

    time.sleep(max(0, 2.3 - (time.monotonic() - start)))
    run_worker()  # the first check runs: the lead wrote again since, so it does nothing
    assert follow_ups(meta) == []

    time.sleep(max(0, 4.3 - (time.monotonic() - start)))
    run_worker()  # the second message's silence is over
    assert len(follow_ups(meta)) == 1
    lead = conversation_of()
    assert lead.followed_up_silence_of == lead.last_inbound_at


def test_a_blocked_contacts_messages_are_stored_but_not_answered(
    meta, run_worker, user_writes, settings
):
    settings.FOLLOW_UP_ENABLED = False
    make_conversation(wa_id="15550001111", blocked_at=timezone.now())
    user_writes("Are you there?")
    run_worker()

    [inbound] = Message.objects.filter(direction=Direction.IN)
    assert inbound.text == "Are you there?"
    assert inbound.reply_state == ReplyState.SKIPPED
    assert not Message.objects.filter(direction=Direction.OUT).exists()
    assert meta.accepted == []


@pytest.mark.postgres
def test_two_workers_following_up_the_same_lead_send_one_template(meta, run_worker):
    lead = silent_lead()
    outcomes = run_together(follow_up_conversation, [lead.pk, lead.pk])
    run_worker()

    assert sorted(outcomes) == ["already followed up for this silence", "sent"]
    assert len(follow_ups(meta)) == 1
    assert ConversationLog.objects.filter(action=LogAction.FOLLOW_UP).count() == 1
