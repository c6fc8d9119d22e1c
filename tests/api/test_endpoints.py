"""The REST API per role (issue 17, point 1): what each token may read and change."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from conversations.models import ConversationLog, Direction, HandoffState, LogAction, Message
from profiles.models import ClientProfile, FieldSource, ProfileFieldSource
from tests.factories import make_conversation, make_message

pytestmark = pytest.mark.django_db

ROLES = ["admin", "agent", "viewer", None]


def lead(**fields):
    """A conversation whose lead wrote a minute ago: the 24-hour window is open."""
    conversation = make_conversation(last_inbound_at=timezone.now() - timedelta(minutes=1))
    make_message(conversation, text="hi, I need a quote", timestamp=timezone.now())
    profile = conversation.profile
    for field, value in fields.items():
        setattr(profile, field, value)
    profile.save()  # derives completeness, as every real write does
    return conversation


def expected(role, allowed_for: set[str]) -> int:
    if role is None:
        return 401
    return 0 if role in allowed_for else 403


READS = [
    "/api/v1/conversations/",
    "/api/v1/conversations/{c}/",
    "/api/v1/conversations/{c}/messages/",
    "/api/v1/profiles/",
    "/api/v1/profiles/{p}/",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", READS)
def test_every_role_reads_and_anonymous_callers_do_not(api_as, role, url):
    conversation = lead()
    response = api_as(role).get(url.format(c=conversation.pk, p=conversation.profile.pk))
    assert response.status_code == (expected(role, {"admin", "agent", "viewer"}) or 200)


WRITES = [
    ("post", "/api/v1/conversations/{c}/messages/", {"text": "Hello from the CRM"}, 201),
    ("patch", "/api/v1/profiles/{p}/", {"company": "Northwind"}, 200),
    ("post", "/api/v1/conversations/{c}/block/", None, 200),
    ("post", "/api/v1/conversations/{c}/unblock/", None, 200),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "body", "success"), WRITES)
def test_agents_and_admins_write_but_a_viewer_token_is_read_only(
    api_as, role, method, url, body, success
):
    conversation = lead()
    before = (Message.objects.count(), ConversationLog.objects.count())
    client = api_as(role)
    path = url.format(c=conversation.pk, p=conversation.profile.pk)
    response = getattr(client, method)(path, body, format="json")

    assert response.status_code == (expected(role, {"admin", "agent"}) or success)
    if response.status_code in (401, 403):
        assert (Message.objects.count(), ConversationLog.objects.count()) == before


def test_the_conversation_detail_carries_the_profile(api_as):
    conversation = lead(name="Dana", email="dana@example.com")
    data = api_as("viewer").get(f"/api/v1/conversations/{conversation.pk}/").json()
    assert data["wa_id"] == conversation.wa_id
    assert data["profile"]["name"] == "Dana"
    assert data["profile"]["missing"] == ["last_name", "company"]


def test_the_list_filters_by_completion_manual_mode_handoff_and_update_time(api_as):
    complete = lead(name="A", last_name="B", company="C", email="a@example.com")
    manual = lead(manual_mode=True)
    human = lead()
    human.handoff_state = HandoffState.HUMAN
    human.save()
    old = lead()
    long_ago = timezone.now() - timedelta(days=30)
    type(old).objects.filter(pk=old.pk).update(updated_at=long_ago)
    ClientProfile.objects.filter(conversation=old).update(updated_at=long_ago)
    client = api_as("viewer")

    def ids(**params):
        response = client.get("/api/v1/conversations/", params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(complete="true") == {complete.pk}
    assert ids(manual_mode="true") == {manual.pk}
    assert ids(handoff_state="human") == {human.pk}
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(updated_since=since) == {complete.pk, manual.pk, human.pk}
    assert ids() == {complete.pk, manual.pk, human.pk, old.pk}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"complete": "perhaps"}, "complete"),
        ({"handoff_state": "robot"}, "handoff_state"),
        ({"updated_since": "yesterday"}, "updated_since"),
    ],
)
def test_bad_filters_are_400_with_the_parameter_named(api_as, params, field):
    response = api_as("viewer").get("/api/v1/conversations/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_messages_come_newest_first_by_cursor_without_gaps_or_repeats(api_as):
    conversation = make_conversation()
    for minute in range(7):
        make_message(conversation, minutes=minute, text=f"m{minute}")
    client = api_as("viewer")
    url = f"/api/v1/conversations/{conversation.pk}/messages/?page_size=3"
    seen = []
    while url:
        page = client.get(url).json()
        seen += [row["text"] for row in page["results"]]
        url = page["next"]
    assert seen == [f"m{minute}" for minute in range(6, -1, -1)]


def test_a_bad_cursor_is_a_client_error(api_as):
    conversation = make_conversation()
    response = api_as("viewer").get(
        f"/api/v1/conversations/{conversation.pk}/messages/?cursor=garbage"
    )
    assert response.status_code == 404


def test_a_profile_patch_goes_through_the_agent_services(api_as):
    conversation = lead()
    profile = conversation.profile
    response = api_as("agent", username="ana").patch(
        f"/api/v1/profiles/{profile.pk}/",
        {"name": "Dana", "email": "dana@example.com", "notes": "call after 5", "manual_mode": True},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["manual_mode"] is True
    profile.refresh_from_db()
    assert (profile.name, profile.email, profile.notes, profile.manual_mode) == (
        "Dana",
        "dana@example.com",
        "call after 5",
        True,
    )
    source = ProfileFieldSource.objects.get(profile=profile, field="name")
    assert (source.source, source.set_by.username) == (FieldSource.AGENT, "ana")
    logged = set(ConversationLog.objects.values_list("action", flat=True))
    assert {LogAction.PROFILE_EDITED, LogAction.MANUAL_ON} <= logged
    audit = AuditEvent.objects.filter(via="api", actor__username="ana")
    assert set(audit.values_list("action", flat=True)) == {"profile_edited", "manual_on"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x" * 256}, "name"),
        ({"manual_mode": "sometimes"}, "manual_mode"),
        ({"completion_status": True}, "completion_status"),
        ({"company": "nul\x00byte"}, "company"),
        ({"notes": 12}, "notes"),
    ],
)
def test_bad_profile_input_is_400_with_field_errors(api_as, body, field):
    conversation = lead()
    response = api_as("admin").patch(
        f"/api/v1/profiles/{conversation.profile.pk}/", body, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()


def test_a_reply_is_queued_like_the_admins_and_the_conversation_becomes_the_agents(api_as):
    conversation = lead()
    response = api_as("agent", username="ana").post(
        f"/api/v1/conversations/{conversation.pk}/messages/", {"text": "  Hi!  "}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["text"], body["status"], body["sender"], body["sent_by"]) == (
        "Hi!",
        "queued",
        "agent",
        "ana",
    )
    conversation.refresh_from_db()
    assert conversation.handoff_state == HandoffState.HUMAN
    assert AuditEvent.objects.get(action="agent_reply").via == "api"


def test_the_24_hour_guard_refuses_free_text_with_a_400(api_as):
    conversation = lead()
    conversation.last_inbound_at = timezone.now() - timedelta(hours=25)
    conversation.save()
    response = api_as("agent").post(
        f"/api/v1/conversations/{conversation.pk}/messages/", {"text": "late"}, format="json"
    )
    assert response.status_code == 400
    assert "24 hours" in response.json()["text"][0]
    assert not Message.objects.filter(direction=Direction.OUT).exists()


@pytest.mark.parametrize("body", [{}, {"text": ""}, {"text": "x" * 4097}, {"text": 5}, []])
def test_a_bad_reply_body_is_400(api_as, body):
    conversation = lead()
    response = api_as("agent").post(
        f"/api/v1/conversations/{conversation.pk}/messages/", body, format="json"
    )
    assert response.status_code == 400
    assert not Message.objects.filter(direction=Direction.OUT).exists()


def test_blocking_through_the_api_is_the_admins_block(api_as):
    conversation = lead()
    response = api_as("agent").post(f"/api/v1/conversations/{conversation.pk}/block/")
    assert response.json()["blocked_at"] is not None
    assert ConversationLog.objects.filter(action=LogAction.BLOCKED).count() == 1


def test_an_inactive_or_non_staff_account_gets_nothing(api_as):
    client = api_as("admin", username="gone")
    get_user_model().objects.filter(username="gone").update(is_active=False)
    assert client.get("/api/v1/conversations/").status_code == 401


def test_calls_past_the_rate_are_refused_with_429(api_as, settings):
    settings.API_THROTTLE_RATE = "3/min"
    client = api_as("viewer")
    codes = [client.get("/api/v1/profiles/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_anonymous_calls_have_their_own_rate(api_as, settings):
    """The public schema is what anonymous callers can reach; the rest answers 401 first."""
    settings.API_ANON_THROTTLE_RATE = "2/min"
    client = api_as(None)
    codes = [client.get("/api/v1/schema/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("agent", 403), ("viewer", 403)])
def test_admins_manage_tokens_in_the_admin(client_as, role, status):
    client = client_as(role)
    assert client.get(reverse("admin:authtoken_tokenproxy_changelist")).status_code == status
    assert client.get(reverse("admin:authtoken_tokenproxy_add")).status_code == status
