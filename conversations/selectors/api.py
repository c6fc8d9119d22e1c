"""Reads behind the REST API: the conversation list with its filters, a thread's messages."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from conversations.models import Conversation, Message


def filtered_conversations(
    *,
    complete: bool | None = None,
    manual_mode: bool | None = None,
    handoff_state: str | None = None,
    blocked: bool | None = None,
    updated_since=None,
) -> QuerySet[Conversation]:
    """Conversations with their profile, narrowed by what a CRM sync asks for.

    `updated_since` counts the profile's changes too: a lead whose email an agent typed is
    "updated" for a CRM even though no message arrived.
    """
    conversations = Conversation.objects.select_related("profile")
    if complete is not None:
        conversations = conversations.filter(profile__completion_status=complete)
    if manual_mode is not None:
        conversations = conversations.filter(profile__manual_mode=manual_mode)
    if handoff_state:
        conversations = conversations.filter(handoff_state=handoff_state)
    if blocked is not None:
        conversations = conversations.filter(blocked_at__isnull=not blocked)
    if updated_since is not None:
        conversations = conversations.filter(
            Q(updated_at__gte=updated_since) | Q(profile__updated_at__gte=updated_since)
        )
    return conversations


def conversation_messages(conversation_id: int) -> QuerySet[Message]:
    return Message.objects.filter(conversation_id=conversation_id).select_related("sent_by")
