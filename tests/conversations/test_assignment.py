"""Assigning conversations: agents take their own, Admins give them to anyone, Viewers neither;
each change is logged and pushed live, and lists filter by Mine / Unassigned / All."""

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations.models import ConversationLog, LiveEvent, LogAction
from tests.factories import make_conversation

pytestmark = pytest.mark.django_db


def assign_url(conversation):
    return reverse("admin:profiles_clientprofile_assign", args=[conversation.profile.pk])


def test_an_agent_assigns_a_conversation_to_themself_logged_and_pushed_live(client, staff_user):
    lead = make_conversation()
    agent = staff_user("agent")
    client.force_login(agent)

    response = client.post(assign_url(lead), {"assignee": "me"})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.assigned_to == agent
    log = ConversationLog.objects.get(action=LogAction.ASSIGNED)
    assert (log.actor, log.detail) == (agent, "nobody → agent-user")
    event = LiveEvent.objects.get(kind="assignment")
    assert event.conversation_id == lead.pk
    assert event.payload["assignment"]["assigned_to_id"] == agent.pk
    page = client.get(reverse("admin:profiles_clientprofile_change", args=[lead.profile.pk]))
    assert "Assigned to: <strong" in page.content.decode()
    assert 'value="Unassign"' in page.content.decode()


def test_an_agent_may_not_assign_a_colleague_nor_take_their_conversation(client, staff_user):
    agent, colleague = staff_user("agent"), staff_user("agent", "colleague")
    lead = make_conversation()
    client.force_login(agent)

    assert client.post(assign_url(lead), {"assignee": str(colleague.pk)}).status_code == 403
    lead.assigned_to = colleague
    lead.save()
    assert client.post(assign_url(lead), {"assignee": "me"}).status_code == 403
    assert client.post(assign_url(lead), {"assignee": ""}).status_code == 403
    lead.refresh_from_db()
    assert lead.assigned_to == colleague
    assert not ConversationLog.objects.filter(action=LogAction.ASSIGNED).exists()


def test_an_agent_unassigns_themself(client, staff_user):
    agent = staff_user("agent")
    lead = make_conversation(assigned_to=agent)
    client.force_login(agent)

    client.post(assign_url(lead), {"assignee": ""})

    lead.refresh_from_db()
    assert lead.assigned_to is None
    assert ConversationLog.objects.get(action=LogAction.ASSIGNED).detail == "agent-user → nobody"


def test_an_admin_assigns_anyone_who_can_handle_conversations(client, staff_user):
    admin, agent, viewer = staff_user("admin"), staff_user("agent"), staff_user("viewer")
    lead = make_conversation()
    client.force_login(admin)
    page = client.get(reverse("admin:profiles_clientprofile_change", args=[lead.profile.pk]))
    assert f'<option value="{agent.pk}">agent-user</option>' in page.content.decode()
    assert "viewer-user</option>" not in page.content.decode()

    client.post(assign_url(lead), {"assignee": str(agent.pk)})
    lead.refresh_from_db()
    assert lead.assigned_to == agent

    client.post(assign_url(lead), {"assignee": str(viewer.pk)})  # not an agent: refused
    lead.refresh_from_db()
    assert lead.assigned_to == agent


def test_a_viewer_gets_403_and_no_buttons(client, staff_user):
    lead = make_conversation()
    client.force_login(staff_user("viewer"))

    assert client.post(assign_url(lead), {"assignee": "me"}).status_code == 403
    page = client.get(reverse("admin:profiles_clientprofile_change", args=[lead.profile.pk]))
    assert 'value="Assign to me"' not in page.content.decode()
    lead.refresh_from_db()
    assert lead.assigned_to is None


@pytest.mark.parametrize(
    "changelist",
    ["admin:conversations_conversation_changelist", "admin:profiles_clientprofile_changelist"],
)
def test_the_lists_show_mine_and_unassigned(client, staff_user, changelist):
    agent, colleague = staff_user("agent"), staff_user("agent", "colleague")
    make_conversation(display_name="Mine lead", assigned_to=agent)
    make_conversation(display_name="Their lead", assigned_to=colleague)
    make_conversation(display_name="Free lead")
    client.force_login(agent)
    url = reverse(changelist)

    mine = client.get(url, {"assigned": "mine"}).content.decode()
    free = client.get(url, {"assigned": "unassigned"}).content.decode()
    every = client.get(url).content.decode()

    assert "Mine lead" in mine and "Their lead" not in mine and "Free lead" not in mine
    assert "Free lead" in free and "Mine lead" not in free and "Their lead" not in free
    assert all(name in every for name in ("Mine lead", "Their lead", "Free lead"))


def test_the_dashboard_filters_by_assignment_state_and_completeness_and_pages(client, staff_user):
    agent = staff_user("agent")
    now = timezone.now()
    make_conversation(display_name="Mine lead", assigned_to=agent, last_message_at=now)
    human = make_conversation(display_name="Human lead", handoff_state="human", last_message_at=now)
    done = human.profile
    done.name, done.last_name, done.company, done.email = "H", "L", "C", "h@l.example"
    done.save()
    for n in range(30):
        make_conversation(display_name=f"Bulk {n:02d}", last_message_at=now)
    client.force_login(agent)

    def rows(**query):
        page = client.get("/admin/dashboard/", query).content.decode()
        return page[page.index('id="conversation-rows"') : page.index("</tbody>")]

    assert "Mine lead" in rows(assigned="mine") and "Bulk" not in rows(assigned="mine")
    assert "Mine lead" not in rows(assigned="unassigned")
    assert "Human lead" in rows(state="human") and "Mine lead" not in rows(state="human")
    assert "Human lead" not in rows(incomplete="1")
    first, second = rows(), rows(page="2")
    assert first.count("<tr data-conversation-id") == 25
    assert second.count("<tr data-conversation-id") == 7
    assert 'rel="next"' in client.get("/admin/dashboard/").content.decode()
