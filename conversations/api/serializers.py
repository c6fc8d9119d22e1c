"""What the API shows of conversations, messages and profiles, and what it accepts."""

from __future__ import annotations

from django.db import models
from rest_framework import serializers

from conversations.models import Conversation, HandoffState, Message
from conversations.services.outbound import MAX_TEXT_LENGTH
from profiles.completeness import MISSING_SEPARATOR
from profiles.models import ClientProfile

# The profile fields an Agent or Admin may change through the API.
PROFILE_WRITABLE = ("name", "last_name", "company", "email", "notes", "manual_mode")


class StrictCharField(serializers.CharField):
    """A JSON string and nothing else: DRF would store the number 5 as "5", and a CRM that
    sends a number where text belongs has a bug it should hear about."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if "\x00" in data:
            raise serializers.ValidationError("NUL characters are not allowed.")
        return super().to_internal_value(data)


class ProfileSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }
    complete = serializers.BooleanField(source="completion_status", read_only=True)
    missing = serializers.SerializerMethodField(help_text="Fields still to ask for, in order.")

    class Meta:
        model = ClientProfile
        fields = (
            "id",
            "conversation",
            *PROFILE_WRITABLE,
            "complete",
            "missing",
            "completed_at",
            "ai_draft",
            "ai_draft_created_at",
            "created_at",
            "updated_at",
        )
        read_only_fields = tuple(f for f in fields if f not in PROFILE_WRITABLE)

    def get_missing(self, profile: ClientProfile) -> list[str]:
        return [f for f in profile.what_is_missing.split(MISSING_SEPARATOR) if f]

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields) if hasattr(self, "initial_data") else ()
        if unknown:
            raise serializers.ValidationError(
                {field: ["Unknown or read-only field."] for field in sorted(unknown)}
            )
        return attrs


class ConversationSerializer(serializers.ModelSerializer):
    """A conversation in a list: who, who answers, and the profile's two flags."""

    complete = serializers.BooleanField(source="profile.completion_status", read_only=True)
    manual_mode = serializers.BooleanField(source="profile.manual_mode", read_only=True)

    class Meta:
        model = Conversation
        fields = (
            "id",
            "wa_id",
            "bsuid",
            "display_name",
            "username",
            "handoff_state",
            "complete",
            "manual_mode",
            "blocked_at",
            "last_inbound_at",
            "last_message_at",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class ConversationDetailSerializer(ConversationSerializer):
    profile = ProfileSerializer(read_only=True)

    class Meta(ConversationSerializer.Meta):
        fields = (*ConversationSerializer.Meta.fields, "marketing_opt_out_at", "profile")
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer):
    sent_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Message
        fields = (
            "id",
            "conversation",
            "direction",
            "sender",
            "type",
            "text",
            "wamid",
            "status",
            "error_code",
            "error_title",
            "timestamp",
            "sent_at",
            "delivered_at",
            "read_at",
            "reply_to_wamid",
            "reaction",
            "revoked_at",
            "edited_at",
            "sent_by",
        )
        read_only_fields = fields


class ReplySerializer(serializers.Serializer):
    """An agent's reply; the 24-hour window is checked by the service, as in the admin."""

    text = StrictCharField(max_length=MAX_TEXT_LENGTH, trim_whitespace=True)


class ConversationFilterSerializer(serializers.Serializer):
    """The list's query parameters: anything unparsable is a 400 naming the parameter."""

    complete = serializers.BooleanField(required=False, allow_null=True, default=None)
    manual_mode = serializers.BooleanField(required=False, allow_null=True, default=None)
    handoff_state = serializers.ChoiceField(choices=HandoffState.choices, required=False)
    blocked = serializers.BooleanField(required=False, allow_null=True, default=None)
    updated_since = serializers.DateTimeField(
        required=False, help_text="Conversations or profiles changed at or after this time."
    )
