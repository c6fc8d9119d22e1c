"""What each role sees and may do in the back office."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from accounts.roles import ROLE_GROUPS, sync_role_groups
from conversations.models import Conversation
from profiles.models import ClientProfile
from tests.factories import make_conversation, make_message
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

USERS = reverse("admin:auth_user_changelist")
GROUPS = reverse("admin:auth_group_changelist")
EVENTS = reverse("admin:webhooks_webhookevent_changelist")
PROFILES = reverse("admin:profiles_clientprofile_changelist")
CONVERSATIONS = reverse("admin:conversations_conversation_changelist")
MESSAGES = reverse("admin:conversations_message_changelist")


def profile_form(profile: ClientProfile, **changes) -> dict:
    data = {
        "name": profile.name,
        "last_name": profile.last_name,
        "company": profile.company,
        "email": profile.email,
        "manual_mode": "on" if profile.manual_mode else "",
        "ai_draft": profile.ai_draft,
        "notes": profile.notes,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_the_three_role_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Admin",
        "Agent",
        "Viewer",
    }


@pytest.mark.parametrize("url", [USERS, GROUPS, EVENTS, PROFILES, CONVERSATIONS, MESSAGES])
def test_admin_sees_every_list(client_as, url):
    assert client_as("admin").get(url).status_code == 200


@pytest.mark.parametrize("role", ["agent", "viewer"])
@pytest.mark.parametrize("url", [USERS, GROUPS, EVENTS])
def test_agents_and_viewers_cannot_open_users_groups_or_raw_events(client_as, role, url):
    assert client_as(role).get(url).status_code == 403


@pytest.mark.parametrize("role", ["agent", "viewer"])
@pytest.mark.parametrize("url", [PROFILES, CONVERSATIONS, MESSAGES])
def test_agents_and_viewers_read_leads_and_threads(client_as, role, url):
    make_message(make_conversation(), text="Hola")
    response = client_as(role).get(url)
    assert response.status_code == 200


def test_agent_edits_a_profile_and_its_completeness_follows(client_as):
    profile = make_conversation().profile
    url = reverse("admin:profiles_clientprofile_change", args=[profile.pk])
    response = client_as("agent").post(
        url,
        profile_form(
            profile,
            name="Ana",
            last_name="Silva",
            company="Acme",
            email="ana@acme.test",
            notes="Prefers mornings",
        ),
    )
    assert response.status_code == 302, response.content[:2000]
    profile.refresh_from_db()
    assert (profile.name, profile.company, profile.notes) == (
        "Ana",
        "Acme",
        "Prefers mornings",
    )
    assert profile.completion_status is True
    assert profile.what_is_missing == ""


def test_agent_switches_a_conversation_to_human_handoff(client_as):
    conversation = make_conversation()
    url = reverse("admin:conversations_conversation_change", args=[conversation.pk])
    response = client_as("agent").post(url, {"handoff_state": "human"})
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.handoff_state == "human"


def test_viewer_sees_a_profile_read_only_and_cannot_change_it(client_as):
    profile = make_conversation().profile
    url = reverse("admin:profiles_clientprofile_change", args=[profile.pk])
    client = client_as("viewer")
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="name"' not in page.content  # no editable inputs
    response = client.post(url, profile_form(profile, name="Mallory"))
    assert response.status_code == 403
    profile.refresh_from_db()
    assert profile.name == ""


def test_agent_cannot_delete_a_profile(client_as):
    profile = make_conversation().profile
    url = reverse("admin:profiles_clientprofile_delete", args=[profile.pk])
    assert client_as("agent").post(url, {"post": "yes"}).status_code == 403
    assert ClientProfile.objects.filter(pk=profile.pk).exists()


def test_agent_cannot_create_users(client_as, django_user_model):
    response = client_as("agent").post(
        reverse("admin:auth_user_add"),
        {"username": "intruder", "password1": "x8#kLq!pz0", "password2": "x8#kLq!pz0"},
    )
    assert response.status_code == 403
    assert not django_user_model.objects.filter(username="intruder").exists()


def test_admin_reads_a_raw_webhook_event(client_as):
    event = WebhookEvent.objects.create(body=b'{"object":"whatsapp_business_account"}')
    url = reverse("admin:webhooks_webhookevent_change", args=[event.pk])
    response = client_as("admin").get(url)
    assert response.status_code == 200
    assert b"whatsapp_business_account" in response.content


def test_agent_cannot_read_a_raw_webhook_event(client_as):
    event = WebhookEvent.objects.create(body=b"{}")
    url = reverse("admin:webhooks_webhookevent_change", args=[event.pk])
    assert client_as("agent").get(url).status_code == 403


def test_admin_index_lists_only_what_the_role_may_see(client_as):
    page = client_as("viewer").get(reverse("admin:index")).content.decode()
    assert "Client profiles" in page
    assert "Webhook events" not in page
    assert "Users" not in page


def test_createstaff_puts_the_user_in_exactly_one_role(django_user_model, capsys):
    call_command("createstaff", "maria", "--role", "agent", "--password", "s3cret-pass!")
    user = django_user_model.objects.get(username="maria")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["Agent"]
    assert user.check_password("s3cret-pass!")

    call_command("createstaff", "maria", "--role", "viewer", "--no-input")
    user.refresh_from_db()
    assert list(user.groups.values_list("name", flat=True)) == ["Viewer"]
    # Without --password an existing user's password is kept.
    assert user.check_password("s3cret-pass!")


def test_createstaff_without_input_prints_a_generated_password(django_user_model, capsys):
    call_command("createstaff", "newbie", "--role", "viewer", "--no-input")
    out = capsys.readouterr().out
    password = out.split("Password: ")[1].strip()
    assert django_user_model.objects.get(username="newbie").check_password(password)


def test_admin_adds_a_user_through_the_admin(client_as, django_user_model):
    response = client_as("admin").post(
        reverse("admin:auth_user_add"),
        {
            "username": "new-agent",
            "usable_password": "true",
            "password1": "x8#kLq!pz0-Tv",
            "password2": "x8#kLq!pz0-Tv",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    user = django_user_model.objects.get(username="new-agent")
    assert user.check_password("x8#kLq!pz0-Tv")


def test_admin_changes_a_group_through_the_admin(client_as):
    group = Group.objects.create(name="Night shift")
    view_conversation = Permission.objects.get(codename="view_conversation")
    response = client_as("admin").post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": "Night shift team", "permissions": [view_conversation.pk]},
    )
    assert response.status_code == 302, response.content[:2000]
    group.refresh_from_db()
    assert group.name == "Night shift team"
    assert list(group.permissions.values_list("codename", flat=True)) == ["view_conversation"]


def test_viewer_cannot_change_a_conversation(client_as):
    conversation = make_conversation()
    url = reverse("admin:conversations_conversation_change", args=[conversation.pk])
    response = client_as("viewer").post(url, {"handoff_state": "human"})
    assert response.status_code == 403
    conversation.refresh_from_db()
    assert conversation.handoff_state == "bot"


def test_viewer_cannot_delete_a_profile(client_as):
    profile = make_conversation().profile
    url = reverse("admin:profiles_clientprofile_delete", args=[profile.pk])
    assert client_as("viewer").post(url, {"post": "yes"}).status_code == 403
    assert ClientProfile.objects.filter(pk=profile.pk).exists()


def test_viewer_cannot_delete_a_conversation(client_as):
    conversation = make_conversation()
    url = reverse("admin:conversations_conversation_delete", args=[conversation.pk])
    assert client_as("viewer").post(url, {"post": "yes"}).status_code == 403
    assert Conversation.objects.filter(pk=conversation.pk).exists()


def agent_codenames() -> set[str]:
    return set(Group.objects.get(name="Agent").permissions.values_list("codename", flat=True))


def test_syncing_roles_from_scratch_lets_agents_edit_profiles_but_not_users():
    """What the data migration runs; the post-migrate hook would hide it breaking."""
    Group.objects.filter(name__in=ROLE_GROUPS.values()).delete()

    sync_role_groups(apps)

    assert set(Group.objects.values_list("name", flat=True)) >= {"Admin", "Agent", "Viewer"}
    assert "change_clientprofile" in agent_codenames()
    assert "change_user" not in agent_codenames()


def test_the_data_migration_itself_creates_the_groups_on_its_historical_models():
    migration = importlib.import_module("accounts.migrations.0001_role_groups")
    state = MigrationLoader(connection).project_state(("accounts", "0001_role_groups"))
    Group.objects.filter(name__in=ROLE_GROUPS.values()).delete()

    migration.create_role_groups(state.apps, schema_editor=None)

    assert "change_clientprofile" in agent_codenames()
    assert "change_user" not in agent_codenames()
    migration.delete_role_groups(state.apps, schema_editor=None)
    assert not Group.objects.filter(name__in=ROLE_GROUPS.values()).exists()
