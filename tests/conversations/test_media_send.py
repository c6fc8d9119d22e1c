"""An agent sends an image or a document from the profile page: checked, stored, queued,
uploaded to Meta by the worker (once), then sent by id with its caption.

The upload and the send reach the Graph API stand-in through the real `requests` client;
the stand-in parses the multipart upload as Meta does and records it.
"""

from __future__ import annotations

import html
import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conversations.models import (
    ConversationLog,
    HandoffState,
    LogAction,
    MediaState,
    Message,
    MessageStatus,
    MessageType,
)
from conversations.services.outbound import WINDOW_CLOSED_CODE, WINDOW_CLOSED_TITLE
from tests.factories import make_conversation
from tests.standins.graph_server import graph_error, server_error

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64
PDF = b"%PDF-1.7\n" + b"1 0 obj << >> endobj\n" * 500 + b"%%EOF\n"


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def lead():
    """A lead who wrote a minute ago: inside WhatsApp's 24-hour window."""
    return make_conversation(wa_id="15550001111", last_inbound_at=timezone.now())


@pytest.fixture
def send_file(client_as, lead):
    """POST the profile page's "Send an image or a document" form (multipart)."""

    def send(name: str, data: bytes, caption: str = "", role: str = "agent", conversation=None):
        profile = (conversation or lead).profile
        client = client_as(role)
        response = client.post(
            reverse("admin:profiles_clientprofile_send_media", args=[profile.pk]),
            {
                "file": SimpleUploadedFile(name, data, content_type="application/octet-stream"),
                "caption": caption,
            },
            follow=True,
        )
        return response, html.unescape(response.content.decode())

    return send


def outbound(lead) -> list[Message]:
    return list(Message.objects.filter(conversation=lead, direction="out").select_related("media"))


def test_an_agent_sends_a_photo_uploaded_to_meta_then_sent_by_id_with_its_caption(
    send_file, lead, run_worker, graph_transport_settings
):
    _, page = send_file("scratch.png", PNG, caption="Is this the scratch you mean?")
    assert "Your image is queued for sending." in page
    [message] = outbound(lead)
    assert (message.type, message.text, message.status) == (
        MessageType.IMAGE,
        "Is this the scratch you mean?",
        MessageStatus.QUEUED,
    )
    with default_storage.open(message.media.file.name, "rb") as stored:
        assert stored.read() == PNG

    run_worker()

    [upload] = graph_transport_settings.uploads
    assert (upload.type, upload.content_type, upload.filename, upload.data) == (
        "image/png",
        "image/png",
        "scratch.png",
        PNG,
    )
    [(wamid, body)] = graph_transport_settings.accepted
    assert body["type"] == "image"
    assert body["image"] == {"id": upload.media_id, "caption": "Is this the scratch you mean?"}
    assert body["to"] == "+15550001111"
    assert body["biz_opaque_callback_data"] == str(message.idempotency_key)
    message.refresh_from_db()
    assert (message.status, message.wamid) == (MessageStatus.SENT, wamid)
    assert message.media.media_id == upload.media_id


def test_sending_a_file_puts_the_conversation_in_agent_hands_and_is_logged(send_file, lead):
    send_file("invoice.pdf", PDF)

    lead.refresh_from_db()
    assert lead.handoff_state == HandoffState.HUMAN
    actions = set(
        ConversationLog.objects.filter(conversation=lead).values_list("action", flat=True)
    )
    assert {LogAction.MEDIA_SENT, LogAction.HANDOFF} <= actions


@pytest.mark.parametrize(
    ("name", "data", "mime_type"),
    [
        ("Fatura_88213_maço.pdf", PDF, "application/pdf"),
        (
            "proposal.docx",
            docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("notes.txt", "Olá, café at 10:00\n".encode() * 50, "text/plain"),
    ],
)
def test_a_document_is_sent_with_its_file_name(
    send_file, lead, run_worker, graph_transport_settings, name, data, mime_type
):
    send_file(name, data, caption="As promised")
    run_worker()

    [upload] = graph_transport_settings.uploads
    assert (upload.type, upload.data) == (mime_type, data)
    [(_, body)] = graph_transport_settings.accepted
    assert body["type"] == "document"
    assert body["document"] == {"id": upload.media_id, "caption": "As promised", "filename": name}
    [message] = outbound(lead)
    assert message.status == MessageStatus.SENT


@pytest.mark.parametrize(
    ("name", "data", "refusal"),
    [
        (
            "photo.png",
            PDF,
            "The file's name (photo.png) does not match its content (application/pdf)",
        ),
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 100, "this file is none of them"),
        ("page.txt", b"\x00\x01binary", "this file is none of them"),
        ("huge.png", PNG + b"\x00" * (5 * 1024 * 1024), "Too large for a WhatsApp image"),
    ],
    ids=["name-lies", "executable", "binary-as-text", "image-over-5-MB"],
)
def test_a_file_whatsapp_would_refuse_is_refused_before_anything_is_stored(
    send_file, lead, media_root, name, data, refusal
):
    response, page = send_file(name, data)

    assert response.status_code == 200
    assert refusal in page
    assert outbound(lead) == []
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_viewers_cannot_send_files(send_file, lead):
    response, _ = send_file("scratch.png", PNG, role="viewer")

    assert response.status_code == 403
    assert outbound(lead) == []


def test_a_closed_window_refuses_a_file_with_the_template_notice(send_file):
    quiet = make_conversation(last_inbound_at=timezone.now() - timedelta(hours=25))

    _, page = send_file("scratch.png", PNG, conversation=quiet)

    assert WINDOW_CLOSED_TITLE in page
    assert outbound(quiet) == []


def test_a_queued_file_whose_window_closed_meanwhile_fails_without_uploading(
    send_file, lead, run_worker, graph_transport_settings
):
    send_file("scratch.png", PNG)
    lead.__class__.objects.filter(pk=lead.pk).update(
        last_inbound_at=timezone.now() - timedelta(hours=25)
    )
    run_worker()

    [message] = outbound(lead)
    assert (message.status, message.error_code) == (MessageStatus.FAILED, WINDOW_CLOSED_CODE)
    assert graph_transport_settings.requests == []


def test_a_failed_upload_is_retried_like_a_send(
    send_file, lead, run_worker, graph_transport_settings
):
    graph_transport_settings.queue(server_error(503))  # the first request is the upload
    send_file("scratch.png", PNG)
    run_worker()

    [message] = outbound(lead)
    assert (message.status, message.send_attempts) == (MessageStatus.SENT, 2)
    assert len(graph_transport_settings.uploads) == 1
    assert len(graph_transport_settings.accepted) == 1


def test_a_send_refused_with_5xx_after_the_upload_is_retried_by_id_without_uploading_again(
    send_file, lead, run_worker, graph_transport_settings
):
    graph_transport_settings.media_script.send_failures.append(server_error())
    send_file("invoice.pdf", PDF, caption="Invoice")
    run_worker()

    [message] = outbound(lead)
    assert (message.status, message.send_attempts) == (MessageStatus.SENT, 2)
    [upload] = graph_transport_settings.uploads
    sends = [r for r in graph_transport_settings.requests if r.path.endswith("/messages")]
    assert [r.json()["document"]["id"] for r in sends] == [upload.media_id] * 2
    assert message.media.state == MediaState.STORED


def test_retry_sending_a_failed_file_without_caption_sends_it_again_by_id(
    send_file, lead, run_worker, graph_transport_settings, client
):
    graph_transport_settings.media_script.send_failures.append(
        graph_error(131026, "(#131026) Message undeliverable")
    )
    send_file("scratch.png", PNG)
    run_worker()
    [message] = outbound(lead)
    assert message.status == MessageStatus.FAILED

    client.post(  # still logged in as the agent who sent it
        reverse("admin:conversations_message_changelist"),
        {"action": "retry_failed_sends", "_selected_action": [message.pk]},
    )
    run_worker()

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert len(graph_transport_settings.uploads) == 1
    assert len(graph_transport_settings.accepted) == 1
