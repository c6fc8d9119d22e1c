"""OpenAI's permanent refusals fail the turn at once, with the reason; transient ones retry.

Through the real `openai` client against the local OpenAI stand-in: a wrong key (401), no
access (403), a request OpenAI will not take (400, e.g. a schema error), an unknown model
(404) or an exhausted quota are not helped by retrying, so the messages show "Bot failed"
with why, at once; timeouts, 429 rate limits and 5xx keep the backoff they always had.
"""

import logging

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conversations.models import Message, ReplyState
from conversations.services.bot import retry_bot_reply
from tests.conversations.conftest import conversation_of, replies_to
from tests.standins import Reply
from tests.standins.openai_server import rate_limited, server_error, slow
from webhooks.models import ProcessedMessage

pytestmark = pytest.mark.django_db(transaction=True)


def openai_error(status: int, message: str, type_: str, code: str | None, param=None) -> Reply:
    """An error as OpenAI's API answers it: `{"error": {message, type, param, code}}`."""
    error = {"message": message, "type": type_, "param": param, "code": code}
    return Reply(status=status, body={"error": error}, headers={"x-request-id": "req_standin"})


INVALID_KEY = openai_error(
    401,
    "Incorrect API key provided: sk-test. You can find your API key at "
    "https://platform.openai.com/account/api-keys.",
    "invalid_request_error",
    "invalid_api_key",
)
NO_ACCESS = openai_error(
    403,
    "Project `proj_standin` does not have access to model `gpt-4o-mini`",
    "invalid_request_error",
    "model_not_found",
)
SCHEMA_ERROR = openai_error(
    400,
    "Invalid schema for response_format 'bot_turn': In context=(), 'required' is required "
    "to be supplied and to be an array including every key in properties. Missing 'asks'.",
    "invalid_request_error",
    None,
    param="response_format",
)
UNKNOWN_MODEL = openai_error(
    404,
    "The model `gpt-4o-mini` does not exist or you do not have access to it.",
    "invalid_request_error",
    "model_not_found",
)
NO_QUOTA = openai_error(
    429,
    "You exceeded your current quota, please check your plan and billing details.",
    "insufficient_quota",
    "insufficient_quota",
)

PERMANENT = [
    # (reply, how many calls the client makes: it retries 429 itself, never 4xx, reason)
    pytest.param(INVALID_KEY, 1, "OpenAI rejected the API key (401)", id="401"),
    pytest.param(NO_ACCESS, 1, "OpenAI refused access to the model or project (403)", id="403"),
    pytest.param(SCHEMA_ERROR, 1, "OpenAI rejected the request (400): Invalid schema", id="400"),
    pytest.param(UNKNOWN_MODEL, 1, "no such model or endpoint (404): The model", id="404"),
    pytest.param(NO_QUOTA, 3, "OpenAI quota exhausted", id="429 quota"),
]


def errors_logged(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.mark.parametrize(("error", "calls", "reason"), PERMANENT)
def test_a_permanent_openai_error_fails_the_message_at_once_with_the_reason(
    user_writes, run_worker, openai_brain_settings, caplog, error, calls, reason
):
    openai_brain_settings.queue(*[error] * calls)
    caplog.set_level(logging.INFO)
    wamid = user_writes("Hi, I'm Ana Pérez")
    run_worker()

    message = Message.objects.get(wamid=wamid)
    assert message.reply_state == ReplyState.FAILED
    assert message.reply_attempts == 1  # not BOT_REPLY_MAX_ATTEMPTS tries first
    assert reason in message.reply_error
    assert len(openai_brain_settings.requests) == calls
    assert replies_to() == []
    assert not ProcessedMessage.objects.filter(wamid=wamid).exists()
    assert not DBTaskResult.objects.filter(status="READY").exists()  # no retry waits
    [logged] = errors_logged(caplog)
    assert logged.reason == message.reply_error
    assert "sk-test" not in message.reply_error + logged.getMessage() + repr(logged.__dict__)


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(server_error(), id="500"),
        pytest.param(rate_limited(), id="429 rate limit"),
        pytest.param(slow(1.0), id="timeout"),
    ],
)
def test_a_transient_openai_error_is_retried_and_the_lead_still_answered(
    user_writes, run_worker, openai_brain_settings, settings, caplog, error
):
    settings.OPENAI_MAX_RETRIES = 0  # the pipeline's own retry, not the client's, answers
    settings.OPENAI_TIMEOUT = 0.3
    openai_brain_settings.queue(error)
    caplog.set_level(logging.INFO)
    wamid = user_writes("Hello")
    run_worker()

    message = Message.objects.get(wamid=wamid)
    assert (message.reply_state, message.reply_error) == (ReplyState.ANSWERED, "")
    assert len(openai_brain_settings.requests) == 2
    assert len(replies_to()) == 1
    assert errors_logged(caplog) == []


def test_a_transient_error_keeps_the_backoff_before_the_next_try(
    user_writes, run_worker, openai_brain_settings, settings
):
    settings.OPENAI_MAX_RETRIES = 0
    settings.BOT_RETRY_BASE_SECONDS = 30
    openai_brain_settings.queue(server_error())
    wamid = user_writes("Hello")
    run_worker()

    message = Message.objects.get(wamid=wamid)
    assert (message.reply_state, message.reply_attempts) == (ReplyState.PENDING, 1)
    [retry] = DBTaskResult.objects.filter(status="READY")
    wait = (retry.run_after - timezone.now()).total_seconds()
    assert 20 < wait <= 30


def test_staff_see_why_the_bot_failed_in_the_thread_and_the_message_list(
    user_writes, run_worker, openai_brain_settings, client_as
):
    openai_brain_settings.queue(INVALID_KEY)
    user_writes("Hi there")
    run_worker()
    client = client_as("agent")

    profile_page = client.get(
        reverse("admin:profiles_clientprofile_change", args=[conversation_of().profile.pk])
    )
    failed_list = client.get(
        reverse("admin:conversations_message_changelist"), {"attention": "reply_failed"}
    )

    for page in (profile_page, failed_list):
        assert page.status_code == 200
        assert "Bot failed: retry (OpenAI rejected the API key (401))" in page.text


def test_an_agent_retry_clears_the_reason_and_the_bot_answers_once_fixed(
    user_writes, run_worker, openai_brain_settings, staff_user
):
    openai_brain_settings.queue(INVALID_KEY)
    wamid = user_writes("Hello")
    run_worker()

    assert retry_bot_reply(Message.objects.get(wamid=wamid), actor=staff_user("agent"))
    assert Message.objects.get(wamid=wamid).reply_error == ""
    run_worker()  # the key was fixed: the stand-in answers normally now

    message = Message.objects.get(wamid=wamid)
    assert (message.reply_state, message.reply_error) == (ReplyState.ANSWERED, "")
    assert len(replies_to()) == 1
