"""Media in a private S3 bucket, as production keeps it (MEDIA_STORAGE=s3, docs/deploy.md §5).

Django's default storage is the same `S3Storage` settings.py builds, pointed at a local
S3-compatible server (moto's server mode), so the worker's download, the staff media view
and an agent's upload all go through django-storages and boto3 over HTTP; Meta is the Graph
API stand-in. Nothing is patched.
"""

from __future__ import annotations

import html
import os

import pytest
import requests
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from storages.backends.s3 import S3Storage

from conversations.models import MediaState, Message, MessageMedia, MessageStatus
from tests.factories import make_conversation
from tests.samples import media_webhook
from tests.standins.graph_media import b64_sha256

pytestmark = pytest.mark.django_db(transaction=True)

# Larger than the storage's in-memory limit (2 MB): reading it back spools to a temporary file.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(3 * 1024 * 1024)
PDF = b"%PDF-1.7\n" + b"1 0 obj << >> endobj\n" * 500 + b"%%EOF\n"


@pytest.fixture
def bucket(s3_media_storage_settings):
    """The private bucket behind Django's default storage (checked, not assumed)."""
    assert isinstance(default_storage, S3Storage)
    assert MessageMedia._meta.get_field("file").storage is default_storage
    assert default_storage.bucket_name == s3_media_storage_settings.name
    return s3_media_storage_settings


@pytest.fixture
def graph(graph_transport_settings, settings):
    """Meta's media and send endpoints on the stand-in; downloads on."""
    settings.WHATSAPP_MEDIA_DOWNLOAD = True
    settings.WHATSAPP_MEDIA_RETRY_BASE_SECONDS = 0
    return graph_transport_settings


def test_an_inbound_photo_is_kept_in_the_private_bucket_and_served_to_staff(
    bucket, graph, post_webhook, run_worker, client_as
):
    graph.media["7100000000000001"] = (JPEG, "image/jpeg")
    body, wamid = media_webhook(
        "image", media_id="7100000000000001", sha256=b64_sha256(JPEG), mime_type="image/jpeg"
    )
    post_webhook(body)
    run_worker()

    media = MessageMedia.objects.get(message__wamid=wamid)
    assert media.state == MediaState.STORED, media.error
    assert media.file.name.startswith("whatsapp/")
    assert media.file.name in bucket.object_keys()
    assert bucket.read(media.file.name) == JPEG
    # Nobody reads it without credentials; a signed URL for the same object does.
    assert requests.get(bucket.object_url(media.file.name), timeout=5).status_code == 403
    assert requests.get(default_storage.url(media.file.name), timeout=5).content == JPEG

    served = client_as("agent").get(reverse("message-media", args=[media.pk]))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == JPEG


def test_an_agents_document_is_kept_in_the_bucket_then_uploaded_to_meta_and_sent_by_id(
    bucket, graph_transport_settings, client_as, run_worker
):
    lead = make_conversation(wa_id="15550001111", last_inbound_at=timezone.now())
    name = "Fatura_88213_maço.pdf"
    response = client_as("agent").post(
        reverse("admin:profiles_clientprofile_send_media", args=[lead.profile.pk]),
        {
            "file": SimpleUploadedFile(name, PDF, content_type="application/octet-stream"),
            "caption": "As promised",
        },
        follow=True,
    )
    assert "Your document is queued for sending." in html.unescape(response.content.decode())
    message = Message.objects.select_related("media").get(conversation=lead, direction="out")
    assert message.media.file.name in bucket.object_keys()
    assert bucket.read(message.media.file.name) == PDF

    run_worker()

    [upload] = graph_transport_settings.uploads
    assert (upload.type, upload.filename, upload.data) == ("application/pdf", name, PDF)
    [(wamid, sent)] = graph_transport_settings.accepted
    assert sent["type"] == "document"
    assert sent["document"] == {"id": upload.media_id, "caption": "As promised", "filename": name}
    message.refresh_from_db()
    assert (message.status, message.wamid) == (MessageStatus.SENT, wamid)
