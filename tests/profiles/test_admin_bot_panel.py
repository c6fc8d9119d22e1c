"""The Bot panel on the profile page: who answers, drafts, agent replies, and provenance."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conversations.brain import ProfileUpdate
from conversations.models import (
    ConversationLog,
    Direction,
    DraftOutcome,
    DraftReview,
    HandoffState,
    LogAction,
    Message,
    MessageStatus,
    Sender,
)
from conversations.services.agent import set_handoff_state, set_manual_mode
from conversations.services.outbound import WINDOW_CLOSED_TITLE
from profiles.admin import PANEL_ACTIONS
from profiles.models import FieldSource, ProfileFieldSource
from profiles.services import apply_bot_updates
from tests.factories import make_conversation, make_message

pytestmark = pytest.mark.django_db

DRAFT = "Thanks Ana! Which company are you with?"


@pytest.fixture
def agent(client, staff_user):
    """A logged-in agent: the client to click with and the user the log should name."""
    user = staff_user("agent", username="alice")
    client.force_login(user)
    return client, user


def lead(*, window_open: bool = True, draft: str = ""):
    """A profile whose user wrote recently (or 25 hours ago), optionally with a bot draft."""
    last_inbound = timezone.now() - (timedelta(minutes=5) if window_open else timedelta(hours=25))
    profile = make_conversation(last_inbound_at=last_inbound).profile
    if draft:
        profile.ai_draft = draft
        profile.ai_draft_created_at = timezone.now() - timedelta(minutes=1)
        profile.save()
    return profile


def change_url(profile) -> str:
    return reverse("admin:profiles_clientprofile_change", args=[profile.pk])


def panel_url(profile, action: str) -> str:
    return reverse(f"admin:profiles_clientprofile_{action}", args=[profile.pk])


def text_of(response) -> str:
    """The page as a reader sees it: entities decoded, so apostrophes match."""
    return html.unescape(response.content.decode())


def token_shown(client, profile) -> str:
    """The draft token exactly as the page rendered it."""
    return client.get(change_url(profile)).context["bot_panel"].draft_token


def outbound(conversation):
    return Message.objects.filter(conversation=conversation, direction=Direction.OUT)


def send_tasks_for(message) -> int:
    return DBTaskResult.objects.filter(
        task_path="conversations.tasks.send_message_task", args_kwargs__args=[message.pk, 0]
    ).count()


# Who answers ------------------------------------------------------------------------------


def test_agent_switches_to_manual_mode_with_one_click_and_the_log_names_them(agent):
    client, alice = agent
    profile = lead()

    page = client.post(panel_url(profile, "manual_on"), follow=True)

    profile.refresh_from_db()
    assert profile.manual_mode is True
    entry = ConversationLog.objects.get(conversation=profile.conversation)
    assert (entry.action, entry.actor) == (LogAction.MANUAL_ON, alice)
    shown = text_of(page)
    assert "Manual mode is on" in shown
    assert "Manual mode: the bot writes drafts" in shown
    assert 'value="Hand back to the bot"' in shown
    assert 'value="Switch to manual mode"' not in shown
    assert "<td>alice</td>" in shown  # the Recent activity table


def test_hand_back_turns_manual_mode_off_and_gives_the_conversation_to_the_bot(agent):
    client, alice = agent
    profile = lead()
    set_manual_mode(profile, True, actor=alice)
    set_handoff_state(profile.conversation, HandoffState.HUMAN, actor=alice)

    page = client.post(panel_url(profile, "hand_back"), follow=True)

    profile.refresh_from_db()
    profile.conversation.refresh_from_db()
    assert profile.manual_mode is False
    assert profile.conversation.handoff_state == HandoffState.BOT
    assert "The bot answers on its own." in text_of(page)
    assert 'value="Hand back to the bot"' not in text_of(page)
    assert list(
        ConversationLog.objects.filter(actor=alice).values_list("action", flat=True)[:2]
    ) == [LogAction.HANDOFF, LogAction.MANUAL_OFF]


def test_pause_stops_the_bot_and_is_logged(agent):
    client, alice = agent
    profile = lead()

    page = client.post(panel_url(profile, "pause"), follow=True)

    profile.conversation.refresh_from_db()
    assert profile.conversation.handoff_state == HandoffState.PAUSED
    assert "Paused: the bot neither answers nor drafts" in text_of(page)
    entry = ConversationLog.objects.get(conversation=profile.conversation)
    assert (entry.action, entry.actor, entry.detail) == (
        LogAction.HANDOFF,
        alice,
        "Bot replies → Paused",
    )


def test_the_profile_form_cannot_switch_manual_mode_around_the_log(agent):
    client, _ = agent
    profile = lead()

    client.post(change_url(profile), {"name": "Ana", "manual_mode": "on"})

    profile.refresh_from_db()
    assert profile.name == "Ana"
    assert profile.manual_mode is False


# Drafts ----------------------------------------------------------------------------------


def test_approving_an_unedited_draft_queues_it_and_records_the_review(agent):
    client, alice = agent
    profile = lead(draft=DRAFT)
    token = token_shown(client, profile)

    page = client.post(
        panel_url(profile, "approve_draft"), {"text": DRAFT, "draft_token": token}, follow=True
    )

    sent = outbound(profile.conversation).get()
    assert (sent.text, sent.status, sent.sender, sent.sent_by) == (
        DRAFT,
        MessageStatus.QUEUED,
        Sender.BOT,
        alice,
    )
    assert send_tasks_for(sent) == 1
    review = DraftReview.objects.get()
    assert (review.outcome, review.edited, review.message, review.reviewed_by) == (
        DraftOutcome.APPROVED,
        False,
        sent,
        alice,
    )
    profile.refresh_from_db()
    assert (profile.ai_draft, profile.ai_draft_created_at) == ("", None)
    shown = text_of(page)
    assert "Draft approved: it is queued for sending." in shown
    assert 'value="Approve and send"' not in shown
    assert "Bot, approved by alice" in shown  # the thread names who let it out
    assert "Draft approved and sent" in shown  # the Recent activity table


def test_approving_an_edited_draft_keeps_both_texts(agent):
    client, _ = agent
    profile = lead(draft=DRAFT)
    edited = "Thanks Ana! Which company do you work for?"

    client.post(
        panel_url(profile, "approve_draft"),
        {"text": edited, "draft_token": token_shown(client, profile)},
    )

    review = DraftReview.objects.get()
    assert (review.original_draft, review.sent_text, review.edited) == (DRAFT, edited, True)
    assert outbound(profile.conversation).get().text == edited


def test_discarding_a_draft_sends_nothing(agent):
    client, alice = agent
    profile = lead(draft=DRAFT)

    page = client.post(
        panel_url(profile, "discard_draft"),
        {"text": DRAFT, "draft_token": token_shown(client, profile)},
        follow=True,
    )

    assert not outbound(profile.conversation).exists()
    review = DraftReview.objects.get()
    assert (review.outcome, review.original_draft, review.reviewed_by) == (
        DraftOutcome.DISCARDED,
        DRAFT,
        alice,
    )
    profile.refresh_from_db()
    assert profile.ai_draft == ""
    assert "Draft discarded: nothing was sent." in text_of(page)


def test_a_draft_rewritten_after_the_page_loaded_is_not_approved(agent):
    client, _ = agent
    profile = lead(draft=DRAFT)
    stale_token = token_shown(client, profile)
    newer = "Thanks Ana! And your email?"
    profile.ai_draft, profile.ai_draft_created_at = newer, timezone.now()
    profile.save()  # the bot wrote a newer draft meanwhile

    page = client.post(
        panel_url(profile, "approve_draft"),
        {"text": DRAFT, "draft_token": stale_token},
        follow=True,
    )

    assert "The bot wrote a newer draft meanwhile: read it before sending." in text_of(page)
    assert not outbound(profile.conversation).exists()
    assert not DraftReview.objects.exists()
    profile.refresh_from_db()
    assert profile.ai_draft == newer
    assert newer in text_of(page)  # shown for the agent to read now


# Agent replies ---------------------------------------------------------------------------


def test_an_agent_reply_is_queued_and_takes_the_conversation_from_the_bot(agent):
    client, alice = agent
    profile = lead()
    make_message(profile.conversation, wamid="wamid.waiting", reply_state="pending")

    page = client.post(panel_url(profile, "reply"), {"text": "Hi, Alice here."}, follow=True)

    sent = outbound(profile.conversation).get()
    assert (sent.text, sent.sender, sent.status, sent.sent_by) == (
        "Hi, Alice here.",
        Sender.AGENT,
        MessageStatus.QUEUED,
        alice,
    )
    assert send_tasks_for(sent) == 1
    profile.conversation.refresh_from_db()
    assert profile.conversation.handoff_state == HandoffState.HUMAN
    assert Message.objects.get(wamid="wamid.waiting").reply_state == "agent"
    shown = text_of(page)
    assert "Your reply is queued for sending." in shown
    assert "An agent handles this conversation" in shown
    assert "Agent alice" in shown  # the thread names the author


def test_a_reply_outside_the_24_hour_window_is_refused_with_the_template_notice(agent):
    client, _ = agent
    profile = lead(window_open=False)

    form_page = text_of(client.get(change_url(profile)))
    page = client.post(panel_url(profile, "reply"), {"text": "Are you still there?"}, follow=True)

    assert "a template is needed" in form_page
    assert (
        '<textarea id="bot-reply-text" name="text" rows="3" maxlength="4096" dir="auto" disabled>'
        in (form_page)
    )
    assert page.status_code == 200
    assert WINDOW_CLOSED_TITLE in text_of(page)
    assert [m.level_tag for m in page.context["messages"]] == ["error"]
    assert not outbound(profile.conversation).exists()
    profile.conversation.refresh_from_db()
    assert profile.conversation.handoff_state == HandoffState.BOT


def test_an_empty_reply_is_refused_not_an_error_page(agent):
    client, _ = agent
    profile = lead()

    page = client.post(panel_url(profile, "reply"), {"text": "   "}, follow=True)

    assert page.status_code == 200
    assert "The reply is empty." in text_of(page)
    assert not outbound(profile.conversation).exists()


# Viewers -----------------------------------------------------------------------------------


def test_a_viewer_reads_the_draft_and_states_but_gets_no_buttons(client_as):
    profile = lead(draft=DRAFT)

    page = text_of(client_as("viewer").get(change_url(profile)))

    assert DRAFT in page
    assert "The bot answers on its own." in page
    assert "Recent activity" in page
    assert "/bot/" not in page  # no panel form points anywhere
    assert "<textarea" not in page
    for button in ("Approve and send", "Discard", "Switch to manual mode", "Pause the bot"):
        assert f'value="{button}"' not in page


@pytest.mark.parametrize("action", PANEL_ACTIONS)
def test_a_viewer_gets_403_on_every_panel_url(client_as, action):
    profile = lead(draft=DRAFT)
    client = client_as("viewer")

    response = client.post(
        panel_url(profile, action),
        {"text": "hello", "draft_token": token_shown(client, profile)},
    )

    assert response.status_code == 403
    profile.refresh_from_db()
    assert (profile.manual_mode, profile.ai_draft) == (False, DRAFT)
    assert not ConversationLog.objects.exists()
    assert not outbound(profile.conversation).exists()


def test_panel_urls_only_take_posts(agent):
    client, _ = agent
    profile = lead()
    assert client.get(panel_url(profile, "manual_on")).status_code == 405
    profile.refresh_from_db()
    assert profile.manual_mode is False


# Provenance --------------------------------------------------------------------------------


def test_an_email_the_agent_types_becomes_theirs_and_the_bot_leaves_it(agent):
    client, alice = agent
    profile = lead()
    profile.name = "Ana"
    profile.save()

    response = client.post(
        change_url(profile), {"name": "Ana", "email": "ana@acme.test", "notes": "VIP"}
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.email, profile.notes) == ("ana@acme.test", "VIP")
    source = ProfileFieldSource.objects.get(profile=profile)  # only the changed field
    assert (source.field, source.source, source.set_by) == ("email", FieldSource.AGENT, alice)

    message = make_message(profile.conversation, text="write to ana@other.test")
    update = ProfileUpdate(field="email", value="ana@other.test", quote="ana@other.test")
    apply_bot_updates(profile, [update], message=message)
    profile.refresh_from_db()
    assert profile.email == "ana@acme.test"


def test_the_provenance_table_quotes_the_message_a_bot_value_came_from(agent):
    client, _ = agent
    profile = lead()
    message = make_message(profile.conversation, text="Hi! I work at Acme Ltd, in sales.")
    update = ProfileUpdate(field="company", value="Acme Ltd", quote="I work at Acme Ltd")
    apply_bot_updates(profile, [update], message=message)

    page = text_of(client.get(change_url(profile)))

    table = page[page.index('<table class="bot-provenance">') :]
    table = table[: table.index("</table>")]
    assert '<q dir="auto">I work at Acme Ltd</q>' in table
    assert reverse("admin:conversations_message_change", args=[message.pk]) in table
    assert FieldSource.BOT.label in table


def test_confirming_the_bots_values_protects_them(agent):
    client, alice = agent
    profile = lead()
    message = make_message(profile.conversation, text="I'm Ana")
    apply_bot_updates(profile, [ProfileUpdate("name", "Ana", "I'm Ana")], message=message)

    page = client.post(
        reverse("admin:profiles_clientprofile_changelist"),
        {"action": "confirm_bot_values", "_selected_action": [profile.pk]},
        follow=True,
    )

    source = ProfileFieldSource.objects.get(profile=profile, field="name")
    assert source.confirmed_by == alice
    assert source.protected_from_bot
    assert "Confirmed the bot's values on 1 profile" in text_of(page)
    shown = text_of(client.get(change_url(profile)))
    assert "alice, " in shown  # the Confirmed column


def test_viewers_are_not_offered_the_confirm_action(client_as):
    lead()
    page = client_as("viewer").get(reverse("admin:profiles_clientprofile_changelist"))
    assert "confirm_bot_values" not in page.content.decode()


def test_the_confirm_action_also_runs_from_the_profile_page(agent):
    client, alice = agent
    profile = lead()
    message = make_message(profile.conversation, text="I'm Ana")
    apply_bot_updates(profile, [ProfileUpdate("name", "Ana", "I'm Ana")], message=message)

    client.post(
        change_url(profile),
        {"CHANGE_FORM-action": "confirm_bot_values", "_selected_action": profile.pk, "index": 0},
    )

    assert ProfileFieldSource.objects.get(profile=profile, field="name").confirmed_by == alice
