"""The API's endpoints: thin, reads from selectors and writes through the admin's services."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from conversations.api.pagination import NewestFirst, RecentlyUpdatedFirst
from conversations.api.serializers import (
    ConversationDetailSerializer,
    ConversationFilterSerializer,
    ConversationSerializer,
    MessageSerializer,
    ProfileSerializer,
    ReplySerializer,
)
from conversations.models import Conversation
from conversations.selectors.api import conversation_messages, filtered_conversations
from conversations.services.agent import set_blocked
from conversations.services.api_replies import IdempotencyKeyReused, send_reply_once
from conversations.services.outbound import CannotSend
from profiles.models import ClientProfile
from profiles.services import update_profile

VIEW = ("conversations.view_conversation",)
# What the admin's Bot panel needs to reply, switch or block: the right to change profiles.
ACT = ("profiles.change_clientprofile",)
MAX_IDEMPOTENCY_KEY = 255

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Any unique string (a UUID): a retried POST with the same key and body "
    "returns the first reply (200) instead of sending a second; another body gets 422.",
)


def _idempotency_key(request) -> str | None:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable():
        raise ValidationError(
            {"Idempotency-Key": [f"At most {MAX_IDEMPOTENCY_KEY} printable characters."]}
        )
    return key or None


@extend_schema_view(list=extend_schema(parameters=[ConversationFilterSerializer]))
class ConversationViewSet(viewsets.ReadOnlyModelViewSet):
    """Conversations, newest change first; the detail includes the lead's profile."""

    read_permissions = VIEW
    write_permissions = ACT
    lookup_value_regex = r"[0-9]+"
    pagination_class = RecentlyUpdatedFirst

    def get_queryset(self):
        if self.action != "list":
            return Conversation.objects.select_related("profile")
        filters = ConversationFilterSerializer(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        return filtered_conversations(**filters.validated_data)

    def get_serializer_class(self):
        return ConversationDetailSerializer if self.action == "retrieve" else ConversationSerializer

    @extend_schema(
        methods=["GET"],
        parameters=[OpenApiParameter("page_size", int)],
        responses=MessageSerializer(many=True),
        filters=False,
    )
    @extend_schema(
        methods=["POST"],
        request=ReplySerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: MessageSerializer,
            200: OpenApiResponse(MessageSerializer, "A retry: the first reply, not a new one."),
            400: OpenApiResponse(description="Empty, too long, or the 24-hour window closed."),
            422: OpenApiResponse(description="The Idempotency-Key was used for another body."),
        },
    )
    @action(detail=True, methods=["get", "post"], pagination_class=NewestFirst)
    def messages(self, request, pk=None):
        """GET: the thread, newest first, by cursor. POST: an agent's reply, queued to send."""
        conversation = get_object_or_404(Conversation, pk=pk)
        if request.method == "GET":
            page = self.paginate_queryset(conversation_messages(conversation.pk))
            return self.get_paginated_response(MessageSerializer(page, many=True).data)
        reply = ReplySerializer(data=request.data)
        reply.is_valid(raise_exception=True)
        key = _idempotency_key(request)
        try:
            message, created = send_reply_once(
                conversation, reply.validated_data["text"], actor=request.user, key=key
            )
        except IdempotencyKeyReused as reused:
            return Response({"detail": str(reused)}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        except CannotSend as refusal:
            raise ValidationError({"text": [str(refusal)]}) from refusal
        return Response(
            MessageSerializer(message).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(request=None, responses=ConversationDetailSerializer)
    @action(detail=True, methods=["post"])
    def block(self, request, pk=None):
        """Block: inbound is still stored, but the bot never answers and no template goes."""
        return self._set_blocked(pk, True)

    @extend_schema(request=None, responses=ConversationDetailSerializer)
    @action(detail=True, methods=["post"])
    def unblock(self, request, pk=None):
        return self._set_blocked(pk, False)

    def _set_blocked(self, pk, blocked: bool) -> Response:
        conversation = get_object_or_404(Conversation, pk=pk)
        set_blocked(conversation, blocked, actor=self.request.user)
        conversation = Conversation.objects.select_related("profile").get(pk=conversation.pk)
        return Response(ConversationDetailSerializer(conversation).data)


class ProfileViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Lead profiles; PATCH changes the four fields, notes and manual mode (Agents, Admins)."""

    lookup_value_regex = r"[0-9]+"
    read_permissions = ("profiles.view_clientprofile",)
    write_permissions = ("profiles.change_clientprofile",)
    serializer_class = ProfileSerializer
    pagination_class = RecentlyUpdatedFirst
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return ClientProfile.objects.all()

    def perform_update(self, serializer):
        update_profile(serializer.instance, serializer.validated_data, actor=self.request.user)
        serializer.instance.refresh_from_db()
