"""One waiting answer task per conversation, and one statement to claim a burst.

A burst of N messages enqueues one `answer_conversation_task`, not N; the task lets go of the
conversation as it takes its turn, so whatever arrives later gets a task of its own; a task
that never ran does not block the conversation forever.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conversations.models import Conversation, LiveEvent, Message, ReplyState
from conversations.services import bot, live
from conversations.services.bot import answer_pending_messages, retry_bot_reply
from conversations.services.reply_queue import (
    ANSWER_TASK_STALE_AFTER,
    claim_replies,
    schedule_answer,
)
from profiles.models import ProfileFieldSource
from tests.conversations.conftest import conversation_of, replies_to
from tests.factories import make_conversation, make_message
from tests.races import run_together
from tests.samples import text_webhook
from tests.standins.openai_server import turn_reply
from webhooks.models import ProcessedMessage
from webhooks.queue import drain_events
from webhooks.services import process_webhook_event, receive_webhook

pytestmark = pytest.mark.django_db(transaction=True)

ANSWER_TASK = "conversations.tasks.answer_conversation_task"


def answer_tasks(status: str | None = None) -> list[DBTaskResult]:
    tasks = DBTaskResult.objects.filter(task_path=ANSWER_TASK)
    return list(tasks.filter(status=status) if status else tasks)


def make_answer_tasks_due(settings) -> None:
    """Fast-forward: the burst is over and the waiting answer tasks are due now."""
    settings.BOT_BURST_SECONDS = 0
    DBTaskResult.objects.filter(task_path=ANSWER_TASK, status="READY").update(
        run_after=timezone.now()
    )
    Conversation.objects.update(answer_task_due_at=timezone.now())


def pending(conversation, *texts: str) -> list[Message]:
    return [
        make_message(
            conversation,
            minutes=index,
            text=text,
            wamid=f"wamid.burst.{conversation.pk}.{index}",
            reply_state=ReplyState.PENDING,
        )
        for index, text in enumerate(texts)
    ]


# One task per burst


def test_a_burst_of_messages_enqueues_one_answer_task_and_gets_one_reply(
    user_writes, run_worker, settings
):
    settings.BOT_BURST_SECONDS = 60
    for text in ("Hi!", "My name is Alice Smith", "I work at Acme Corp", "and one more thing"):
        user_writes(text)
    run_worker()  # stores the four messages; the one answer task waits for the burst

    assert len(answer_tasks("READY")) == 1
    assert replies_to() == []

    make_answer_tasks_due(settings)
    run_worker()

    [task] = answer_tasks()
    assert task.status == "SUCCESSFUL"
    assert len(replies_to()) == 1
    states = set(Message.objects.filter(direction="in").values_list("reply_state", flat=True))
    assert states == {ReplyState.ANSWERED}
    assert conversation_of().answer_task_due_at is None


def test_a_task_that_wakes_while_the_user_types_defers_itself_and_no_task_wakes_to_nothing(
    user_writes, run_worker, settings
):
    settings.BOT_BURST_SECONDS = 0.3
    user_writes("Hi!")
    user_writes("My name is Alice Smith")
    user_writes("my email is alice@acme.example")

    deadline = timezone.now() + timedelta(seconds=5)
    while not replies_to() and timezone.now() < deadline:
        run_worker()
        assert len(answer_tasks("READY")) <= 1

    assert len(replies_to()) == 1
    outcomes = {task.return_value for task in answer_tasks()}
    assert outcomes <= {"waiting for the burst to end", "answered"}
    assert [task.return_value for task in answer_tasks()].count("answered") == 1


def test_a_message_after_the_turn_began_gets_a_task_and_a_reply_of_its_own(user_writes, run_worker):
    user_writes("Hello")
    run_worker()
    user_writes("My name is Alice Smith")
    run_worker()

    assert [task.return_value for task in answer_tasks()] == ["answered", "answered"]
    assert len(replies_to()) == 2


def test_a_task_that_never_ran_does_not_keep_the_conversation_waiting_forever(
    user_writes, run_worker
):
    user_writes("Hello")
    run_worker()
    # A task marked as waiting, due long ago, whose row is gone (its worker was killed...).
    lost_since = timezone.now() - ANSWER_TASK_STALE_AFTER - timedelta(seconds=1)
    Conversation.objects.update(answer_task_due_at=lost_since)

    user_writes("Is anyone there?")
    run_worker()

    assert len(replies_to()) == 2
    assert conversation_of().answer_task_due_at is None


def test_a_recently_scheduled_task_is_trusted_and_not_doubled(user_writes, run_worker, settings):
    settings.BOT_BURST_SECONDS = 60
    user_writes("Hello")
    run_worker()
    Conversation.objects.update(answer_task_due_at=timezone.now() - timedelta(minutes=1))

    user_writes("Is anyone there?")
    run_worker()

    assert len(answer_tasks("READY")) == 1


def test_an_agent_retry_while_a_task_waits_adds_no_second_task(
    user_writes, run_worker, settings, staff_user
):
    settings.BOT_BURST_SECONDS = 60
    failed = user_writes("Hello")
    run_worker()
    make_answer_tasks_due(settings)
    Message.objects.filter(wamid=failed).update(reply_state=ReplyState.FAILED)
    run_worker()  # the task finds nothing pending: the message had failed
    settings.BOT_BURST_SECONDS = 60
    user_writes("Hello? Is the bot down?")
    run_worker()
    assert len(answer_tasks("READY")) == 1

    assert retry_bot_reply(Message.objects.get(wamid=failed), actor=staff_user("agent"))

    assert len(answer_tasks("READY")) == 1  # the waiting task answers both
    make_answer_tasks_due(settings)
    run_worker()
    assert len(replies_to()) == 1
    assert Message.objects.get(wamid=failed).reply_state == ReplyState.ANSWERED


def test_with_the_immediate_task_backend_every_message_is_answered_at_once(user_writes, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    user_writes("Hello")
    drain_events()  # the worker stores it; its answer task runs there and then
    user_writes("My name is Alice Smith")
    drain_events()

    assert len(replies_to()) == 2
    assert conversation_of().answer_task_due_at is None


def test_a_direct_call_answers_and_the_waiting_task_then_finds_nothing(
    user_writes, run_worker, settings
):
    settings.BOT_BURST_SECONDS = 60
    user_writes("Hello")
    run_worker()
    settings.BOT_BURST_SECONDS = 0

    assert answer_pending_messages(conversation_of().pk) == "answered"
    make_answer_tasks_due(settings)
    run_worker()

    assert len(replies_to()) == 1
    assert [task.return_value for task in answer_tasks()] == ["nothing pending"]


@pytest.mark.postgres
def test_messages_of_one_conversation_stored_at_once_enqueue_exactly_one_task(run_worker, settings):
    settings.BOT_BURST_SECONDS = 60
    make_conversation(wa_id="15550001111")
    events = [
        receive_webhook(text_webhook(f"message {index}", wa_id="15550001111")[0])
        for index in range(8)
    ]

    outcomes = run_together(lambda pk: process_webhook_event(pk).outcome, events)

    assert outcomes == ["processed"] * 8
    assert Message.objects.filter(reply_state=ReplyState.PENDING).count() == 8
    assert len(answer_tasks("READY")) == 1
    make_answer_tasks_due(settings)
    run_worker()
    assert len(replies_to()) == 1
    assert not Message.objects.filter(reply_state=ReplyState.PENDING).exists()


@pytest.mark.postgres
def test_a_message_stored_as_the_waiting_task_takes_its_turn_is_answered_by_that_task():
    conversation = make_conversation()
    Conversation.objects.update(answer_task_due_at=timezone.now())  # a task is waiting
    stored, commit = threading.Event(), threading.Event()

    def store_message():
        with transaction.atomic():
            pending(conversation, "Hello")
            enqueued = schedule_answer(conversation.pk)  # a task waits: none of its own
            stored.set()
            commit.wait(timeout=5)  # still uncommitted while the task starts its turn
        return enqueued

    def run_the_waiting_task():
        stored.wait(timeout=5)
        threading.Timer(0.5, commit.set).start()
        return answer_pending_messages(conversation.pk)

    enqueued, outcome = run_together(lambda work: work(), [store_message, run_the_waiting_task])

    assert (enqueued, outcome) == (False, "answered")  # it waited for the message's commit
    assert len(replies_to(conversation.wa_id)) == 1


# Claiming a burst


def test_claiming_a_burst_of_five_messages_is_one_statement():
    messages = pending(make_conversation(), "a", "b", "c", "d", "e")
    ProcessedMessage.objects.create(wamid=messages[2].wamid)  # answered before, by an agent

    with CaptureQueriesContext(connection) as queries:
        won = claim_replies(messages)

    assert len(queries) == 1
    assert won == {messages[i].wamid for i in (0, 1, 3, 4)}
    assert claim_replies(messages) == set()
    assert ProcessedMessage.objects.count() == 5


def test_answering_five_messages_costs_no_more_queries_than_answering_one():
    one = make_conversation()
    five = make_conversation()
    pending(one, "Hello")
    pending(five, "Hello", "Hello?", "Hello??", "Hello???", "Hi")

    with CaptureQueriesContext(connection) as single:
        assert answer_pending_messages(one.pk) == "answered"
    with CaptureQueriesContext(connection) as burst:
        assert answer_pending_messages(five.pk) == "answered"

    assert len(burst) == len(single)
    assert len(replies_to(five.wa_id)) == 1
    assert ProcessedMessage.objects.count() == 6


@pytest.mark.postgres
def test_workers_claiming_overlapping_bursts_never_both_win_a_message():
    messages = pending(make_conversation(), *[f"message {index}" for index in range(10)])
    batches = [messages, messages[::-1], messages[3:], messages[:7]]

    won = run_together(claim_replies, batches)

    assert set().union(*won) == {message.wamid for message in messages}
    assert sum(len(batch) for batch in won) == len(messages)


def test_a_message_deleted_while_the_brain_thinks_is_left_out_of_the_turn(monkeypatch):
    conversation = make_conversation()
    first, deleted = pending(conversation, "Hi, I'm Ana Lopez", "and my email is ana@acme.example")
    brain = bot.get_brain()

    class DeletingBrain:
        def respond(self, turn):
            reply = brain.respond(turn)
            # The user deletes their second message after the turn was read.
            Message.objects.filter(pk=deleted.pk).update(reply_state=ReplyState.NONE)
            return reply

    monkeypatch.setattr(bot, "get_brain", DeletingBrain)

    assert answer_pending_messages(conversation.pk) == "answered"

    first.refresh_from_db()
    deleted.refresh_from_db()
    assert first.reply_state == ReplyState.ANSWERED
    assert deleted.reply_state == ReplyState.NONE
    assert set(ProcessedMessage.objects.values_list("wamid", flat=True)) == {first.wamid}


# Profile updates of a turn


def test_a_turns_profile_change_and_reply_are_one_insert_of_events_pushed_after_commit(
    monkeypatch,
):
    conversation = make_conversation(last_inbound_at=timezone.now())
    pending(conversation, "Hi, I'm Ana Lopez from Acme")
    pushed: list[dict] = []
    monkeypatch.setattr(live, "_push", pushed.append)

    with CaptureQueriesContext(connection) as queries:
        assert answer_pending_messages(conversation.pk) == "answered"

    statements = [q["sql"] for q in queries]
    turn = statements[: statements.index("COMMIT") + 1]
    inserts = [sql for sql in turn if sql.startswith('INSERT INTO "conversations_liveevent"')]
    assert len(inserts) == 1
    events = list(LiveEvent.objects.filter(conversation_id=conversation.pk).order_by("id"))
    # The turn's two events, then the reply's "sent", written once it was sent.
    assert [event.kind for event in events] == ["profile", "message", "status"]
    assert events[0].payload["profile"]["fields"] == ["name", "last_name", "company"]
    assert events[1].payload["message"]["direction"] == "out"
    assert events[2].payload["message"]["status"] == "sent"
    assert [event["id"] for event in pushed] == [event.pk for event in events]


def test_a_turn_that_learns_four_fields_saves_the_profile_once_with_each_fields_message(
    user_writes, run_worker, settings, openai_brain_settings
):
    settings.BOT_BURST_SECONDS = 60
    name = user_writes("I'm Ana Pérez")
    company = user_writes("I work at Acme Corp")
    email = user_writes("ana@acme.example")
    run_worker()
    openai_brain_settings.queue(
        turn_reply(
            "Thanks Ana, that's everything!",
            [
                {"field": "name", "value": "Ana", "quote": "I'm Ana Pérez"},
                {"field": "last_name", "value": "Pérez", "quote": "I'm Ana Pérez"},
                {"field": "company", "value": "Acme Corp", "quote": "Acme Corp"},
                {"field": "email", "value": "ana@acme.example", "quote": "ana@acme.example"},
            ],
        )
    )
    profile_events = LiveEvent.objects.filter(kind="profile").count()
    make_answer_tasks_due(settings)

    with CaptureQueriesContext(connection) as queries:
        run_worker()

    profile_saves = [
        q["sql"] for q in queries if q["sql"].startswith('UPDATE "profiles_clientprofile"')
    ]
    assert len(profile_saves) == 1
    assert LiveEvent.objects.filter(kind="profile").count() == profile_events + 1
    profile = conversation_of().profile
    assert profile.completion_status is True
    quoted = dict(
        ProfileFieldSource.objects.filter(profile=profile).values_list("field", "message__wamid")
    )
    assert quoted == {"name": name, "last_name": name, "company": company, "email": email}
