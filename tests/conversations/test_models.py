"""The database itself refuses doubled or orphaned data."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from conversations.models import Conversation, Message
from conversations.services.inbound import find_or_create_conversation
from tests.factories import make_conversation, make_message
from webhooks.models import ProcessedMessage

pytestmark = pytest.mark.django_db


def test_the_same_wamid_cannot_be_stored_twice():
    conversation = make_conversation()
    make_message(conversation, wamid="wamid.ABC")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_message(conversation, wamid="wamid.ABC")
    assert Message.objects.filter(wamid="wamid.ABC").count() == 1


def test_messages_without_wamid_are_allowed_side_by_side():
    conversation = make_conversation()
    make_message(conversation, wamid=None)
    make_message(conversation, wamid=None)
    assert conversation.messages.count() == 2


def test_a_conversation_needs_a_wa_id_or_a_bsuid():
    with pytest.raises(IntegrityError), transaction.atomic():
        Conversation.objects.create(wa_id=None, bsuid=None)
    bsuid_only = Conversation.objects.create(bsuid="US.50607080901020304050")
    assert bsuid_only.wa_id is None


def test_one_conversation_per_wa_id_and_per_bsuid():
    make_conversation(wa_id="15550001111", bsuid="US.1")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_conversation(wa_id="15550001111")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_conversation(wa_id="15550002222", bsuid="US.1")


def test_inbound_messages_carry_no_delivery_status():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_message(make_conversation(), direction="in", status="read")


def test_a_conversation_has_one_profile():
    from profiles.models import ClientProfile

    conversation = make_conversation()
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientProfile.objects.create(conversation=conversation)


def test_the_processed_ledger_refuses_a_second_claim():
    ProcessedMessage.objects.create(wamid="wamid.X")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcessedMessage.objects.create(wamid="wamid.X")


def test_text_is_never_truncated():
    body = "ü" * 10_000
    message = make_message(make_conversation(), text=body)
    message.refresh_from_db()
    assert message.text == body


def test_a_wa_id_with_symbols_fails_model_validation():
    conversation = Conversation(wa_id="+1 555-000 1111")
    with pytest.raises(ValidationError) as error:
        conversation.full_clean()
    assert error.value.message_dict["wa_id"] == ["A WhatsApp id has digits only."]


def test_the_inbound_service_files_a_wa_id_with_symbols_under_its_digits():
    conversation = find_or_create_conversation(wa_id="+1 555-000 1111", bsuid=None)
    assert conversation.wa_id == "15550001111"
    again = find_or_create_conversation(wa_id="15550001111", bsuid=None)
    assert again.pk == conversation.pk
    assert Conversation.objects.count() == 1
