"""The audit log (issue 17, point 4): who did what and when, read-only, for Admins only."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import AuditAction, AuditEvent
from accounts.services import create_staff_user
from conversations.models import ConversationLog, LogAction
from tests.factories import make_conversation
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

AUDIT_LIST = reverse("admin:accounts_auditevent_changelist")


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def test_a_login_and_a_failed_login_are_recorded_with_the_address(client, staff_user):
    staff_user("agent", username="ana")
    client.post(reverse("admin:login"), {"username": "ana", "password": "wrong"})
    client.post(reverse("admin:login"), {"username": "ana", "password": "unused"})

    failed, login = AuditEvent.objects.filter(action__startswith="login").order_by("id")
    assert (failed.action, failed.actor, failed.actor_name) == ("login_failed", None, "ana")
    assert (login.action, login.actor.username, login.via) == ("login", "ana", "admin")
    assert login.ip_address == "127.0.0.1"


def test_role_changes_are_recorded_with_who_made_them(client_as, staff_user):
    client = client_as("admin")
    target = staff_user("viewer", username="vic")
    response = client.post(
        reverse("admin:auth_user_change", args=[target.pk]),
        {
            "username": "vic",
            "is_active": "on",
            "is_staff": "on",
            "groups": [Group.objects.get(name="Agent").pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    rows = AuditEvent.objects.filter(target_id=target.pk, actor__isnull=False).order_by("action")
    assert [(r.action, r.detail, r.actor_name) for r in rows] == [
        ("role_added", "Agent for vic", "admin-user"),
        ("role_removed", "Viewer for vic", "admin-user"),
    ]


def test_a_role_given_by_the_createstaff_command_has_no_actor():
    create_staff_user(username="cli", role="viewer")
    row = AuditEvent.objects.get(action=AuditAction.ROLE_ADDED)
    assert (row.actor, row.detail, row.via, row.ip_address) == (None, "Viewer for cli", "", None)


def test_staff_actions_on_a_conversation_reach_the_audit_log_but_bot_steps_do_not(client_as):
    conversation = make_conversation()
    client = client_as("agent")
    url = reverse("admin:profiles_clientprofile_manual_on", args=[conversation.profile.pk])
    client.post(url)
    ConversationLog.objects.create(conversation=conversation, action=LogAction.DRAFT_CREATED)

    row = AuditEvent.objects.exclude(action__in=["role_added", "login"]).get()
    assert (row.action, row.actor_name, row.target_type, row.target_id) == (
        "manual_on",
        "agent-user",
        "conversations.conversation",
        str(conversation.pk),
    )
    assert row.ip_address == "127.0.0.1"


def test_a_webhook_replay_is_recorded(client_as):
    event = WebhookEvent.objects.create(body=b'{"object": "whatsapp_business_account"}')
    client_as("admin").post(
        reverse("admin:webhooks_webhookevent_changelist"),
        {"action": "replay", "_selected_action": [event.pk]},
    )
    row = AuditEvent.objects.get(action=AuditAction.WEBHOOK_REPLAYED)
    assert row.detail == f"1 event(s): {event.pk}"


def test_admins_read_and_filter_the_log_but_cannot_change_it(client_as, staff_user):
    create_staff_user(username="first", role="viewer")
    create_staff_user(username="second", role="agent")
    client = client_as("admin")

    page = client.get(AUDIT_LIST, {"action": "role_added", "q": "second"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    row = AuditEvent.objects.get(detail="Agent for second")
    assert client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    change = client.post(reverse("admin:accounts_auditevent_change", args=[row.pk]), {})
    assert change.status_code == 403
    delete = client.post(
        reverse("admin:accounts_auditevent_delete", args=[row.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert AuditEvent.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("role", ["agent", "viewer"])
def test_agents_and_viewers_cannot_see_the_log(client_as, role):
    assert client_as(role).get(AUDIT_LIST).status_code == 403


def test_api_tokens_given_and_revoked_in_the_admin_are_recorded(client_as, staff_user):
    client = client_as("admin")
    crm = staff_user("agent", username="crm-bot")
    added = client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": crm.pk})
    assert added.status_code == 302
    deleted = client.post(
        reverse("admin:authtoken_tokenproxy_delete", args=[crm.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302

    rows = AuditEvent.objects.filter(action__startswith="token_").order_by("id")
    assert [(r.action, r.actor_name, r.target_id) for r in rows] == [
        ("token_created", "admin-user", str(crm.pk)),
        ("token_deleted", "admin-user", str(crm.pk)),
    ]
    assert not Token.objects.filter(user=crm).exists()
