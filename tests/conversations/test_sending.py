"""Sending replies through the real `requests` transport to a local stand-in of Meta's API.

The outbound row is written first (`queued`), sent by a task, given Meta's wamid (`sent`) and
moved on by status webhooks; no retry, timeout or second worker ever delivers two copies.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.models import MessageStatus, Sender
from conversations.services.outbound import (
    AWAITING_CONFIRMATION_TITLE,
    WINDOW_CLOSED_CODE,
    deliver_message,
    queue_text,
    retry_failed_send,
)
from tests.conversations.conftest import replies_to
from tests.factories import make_conversation
from tests.races import run_together
from tests.standins.graph_server import (
    accepted_but_slow,
    graph_error,
    reengagement_error,
    server_error,
    throttled,
)

# Transactional: the real db_worker runs the tasks, and commits as it would in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lead():
    """A lead who wrote a minute ago: inside WhatsApp's 24-hour window."""
    return make_conversation(wa_id="15550001111", last_inbound_at=timezone.now())


def test_a_reply_is_sent_with_metas_wamid_and_ticks_follow_the_statuses(
    lead, run_worker, graph_transport_settings, meta_reports
):
    message = queue_text(lead, text="Hello from the bot", sender=Sender.BOT)
    assert message.status == MessageStatus.QUEUED
    run_worker()

    message.refresh_from_db()
    [(wamid, body)] = graph_transport_settings.accepted
    assert (message.status, message.wamid) == (MessageStatus.SENT, wamid)
    assert body["to"] == "+15550001111"
    assert body["biz_opaque_callback_data"] == str(message.idempotency_key)

    meta_reports(message, "read")
    meta_reports(message, "delivered")  # late and out of order: never moves back
    run_worker()
    message.refresh_from_db()
    assert message.status == MessageStatus.READ
    assert message.delivered_at is not None


def test_a_lead_known_only_by_bsuid_is_written_to_by_bsuid(run_worker, graph_transport_settings):
    lead = make_conversation(
        wa_id=None,
        bsuid="US.50607080901020304050",
        display_name="Rosa Mendes",
        last_inbound_at=timezone.now(),
    )
    queue_text(lead, text="Hi Rosa", sender=Sender.BOT)
    run_worker()

    [(_, body)] = graph_transport_settings.accepted
    assert body["recipient"] == "US.50607080901020304050"
    assert "to" not in body


def test_reengagement_error_131047_says_a_template_is_needed(
    lead, run_worker, graph_transport_settings
):
    graph_transport_settings.queue(reengagement_error())
    message = queue_text(lead, text="Still interested?", sender=Sender.BOT)
    run_worker()

    message.refresh_from_db()
    assert (message.status, message.error_code) == (MessageStatus.FAILED, WINDOW_CLOSED_CODE)
    assert "Re-engagement" in message.error_title
    assert len(graph_transport_settings.requests) == 1  # not retried: it cannot succeed


@pytest.mark.parametrize("first_answer", [server_error(), server_error(503), throttled()])
def test_rate_limits_and_server_errors_are_retried_until_sent(
    lead, run_worker, graph_transport_settings, first_answer
):
    graph_transport_settings.queue(first_answer)
    message = queue_text(lead, text="Hello", sender=Sender.BOT)
    run_worker()

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert (message.send_attempts, message.error_title) == (2, "")
    assert graph_transport_settings.sent_texts == ["Hello"]


def test_a_permanent_error_is_stored_and_retry_really_sends_again(
    lead, run_worker, graph_transport_settings, staff_user
):
    graph_transport_settings.queue(graph_error(131026, "(#131026) Message undeliverable"))
    message = queue_text(lead, text="Hello", sender=Sender.BOT)
    run_worker()
    message.refresh_from_db()
    assert (message.status, message.error_code) == (MessageStatus.FAILED, 131026)
    assert message.error_title == "(#131026) Message undeliverable"

    assert retry_failed_send(message, actor=staff_user("agent"))
    run_worker()

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert graph_transport_settings.sent_texts == ["Hello"]
    assert len(graph_transport_settings.requests) == 2


def test_retrying_a_message_meta_failed_later_gives_it_a_fresh_wamid(
    lead, run_worker, graph_transport_settings, meta_reports, staff_user
):
    message = queue_text(lead, text="Hello", sender=Sender.BOT)
    run_worker()
    message.refresh_from_db()
    first_wamid = message.wamid
    meta_reports(message, "failed")
    run_worker()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED

    retry_failed_send(message, actor=staff_user("agent"))
    run_worker()

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.wamid != first_wamid
    assert message.content["previous_wamids"] == [first_wamid]


def test_a_timeout_after_meta_accepted_never_sends_a_second_copy(
    lead, run_worker, graph_transport_settings, meta_reports, settings
):
    settings.WHATSAPP_CONFIRM_WAIT_SECONDS = 60
    graph_transport_settings.queue(accepted_but_slow(1.5))  # longer than the 0.5 s read timeout
    message = queue_text(lead, text="Hello", sender=Sender.BOT)
    run_worker()

    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    assert message.error_title == AWAITING_CONFIRMATION_TITLE
    [(wamid, _)] = graph_transport_settings.accepted

    # Meta's status webhook echoes our key: that names the row, and it is sent.
    message.wamid = wamid
    meta_reports(message, "sent", callback_data=str(message.idempotency_key))
    run_worker()
    deliver_message(message.pk, message.send_attempts)  # the scheduled re-check, run now

    message.refresh_from_db()
    assert (message.status, message.wamid, message.error_title) == (MessageStatus.SENT, wamid, "")
    assert graph_transport_settings.sent_texts == ["Hello"]


def test_without_any_confirmation_the_message_is_sent_again_after_the_wait(
    lead, run_worker, graph_transport_settings
):
    # The request died before reaching Meta's send queue (no status will ever come).
    graph_transport_settings.queue(
        graph_error(131000, "timeout", http_status=504), accepted_but_slow(0)
    )
    message = queue_text(lead, text="Hello", sender=Sender.BOT)
    run_worker()

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert graph_transport_settings.sent_texts == ["Hello"]


def test_a_queued_reply_waits_for_nothing_once_the_window_has_closed(
    run_worker, graph_transport_settings
):
    lead = make_conversation(last_inbound_at=timezone.now() - timedelta(hours=24, seconds=1))
    message = queue_text(lead, text="Hello", sender=Sender.BOT)
    run_worker()

    message.refresh_from_db()
    assert (message.status, message.error_code) == (MessageStatus.FAILED, WINDOW_CLOSED_CODE)
    assert graph_transport_settings.requests == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_message_deliver_one_copy(graph_transport_settings):
    lead = make_conversation(last_inbound_at=timezone.now())
    message = queue_text(lead, text="Only once", sender=Sender.BOT)
    run_together(lambda pk: deliver_message(pk, 0), [message.pk, message.pk])

    assert graph_transport_settings.sent_texts == ["Only once"]
    assert [m.status for m in replies_to(lead.wa_id)] == [MessageStatus.SENT]
