"""A customer's files are for logged-in staff only: no public URL exists for them.

The media view streams from storage to staff with view permission on messages, with the
stored content type, no sniffing, private caching, and documents as attachments.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from conversations.models import MediaState, MessageMedia, MessageType
from tests.factories import make_conversation, make_message

pytestmark = pytest.mark.django_db

PHOTO = b"\xff\xd8\xff\xe0 a customer's photo"
INVOICE = b"%PDF-1.7 an invoice"


def stored_media(kind: str, data: bytes, mime_type: str, filename: str = "") -> MessageMedia:
    """A file as the download leaves it: saved through the storage API, marked stored."""
    message = make_message(make_conversation(), type=kind, text="")
    media = MessageMedia(
        message=message,
        media_id="4242",
        mime_type=mime_type,
        filename=filename,
        file_size=len(data),
        state=MediaState.STORED,
        stored_at=timezone.now(),
    )
    media.file.save(f"{kind}-test.bin", ContentFile(data), save=False)
    media.save()
    return media


@pytest.fixture
def photo():
    return stored_media(MessageType.IMAGE, PHOTO, "image/jpeg")


def url_of(media: MessageMedia) -> str:
    return reverse("message-media", args=[media.pk])


def test_anonymous_visitors_are_sent_to_the_login_page(client, photo):
    response = client.get(url_of(photo))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_logged_in_user_who_is_not_staff_gets_nothing(client, django_user_model, photo):
    customer = django_user_model.objects.create_user("customer", password="unused")
    client.force_login(customer)

    response = client.get(url_of(photo))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_message_view_permission_are_refused(client, django_user_model, photo):
    staff = django_user_model.objects.create_user("intern", password="unused", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_conversation"))
    client.force_login(staff)

    assert client.get(url_of(photo)).status_code == 403


@pytest.mark.parametrize("role", ["viewer", "agent", "admin"])
def test_every_role_sees_the_photo_inline_with_safe_headers(client_as, photo, role):
    response = client_as(role).get(url_of(photo))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PHOTO
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert response["Content-Disposition"].startswith("inline")


def test_a_document_downloads_as_an_attachment_under_its_own_name(client_as):
    invoice = stored_media(
        MessageType.DOCUMENT, INVOICE, "application/pdf", filename="Fatura_88213_maço.pdf"
    )

    response = client_as("viewer").get(url_of(invoice))

    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "Fatura_88213_ma%C3%A7o.pdf" in disposition


def test_the_stored_file_is_not_reachable_at_any_public_url(
    client, django_user_model, photo, settings
):
    name = photo.file.name  # e.g. whatsapp/2026/12/02/image-test.bin
    assert settings.MEDIA_URL in ("", "/")  # never given a served prefix
    paths = [f"/{name}", f"/media/{name}", f"/static/{name}"]

    anonymous = [client.get(path).status_code for path in paths]
    client.force_login(django_user_model.objects.create_superuser("root", password="unused"))
    superuser = [client.get(path).status_code for path in paths]

    assert anonymous == superuser == [404, 404, 404]


def test_a_file_not_stored_yet_is_not_found(client_as):
    message = make_message(make_conversation(), type=MessageType.IMAGE, text="")
    pending = MessageMedia.objects.create(message=message, media_id="1", state=MediaState.PENDING)

    assert client_as("agent").get(url_of(pending)).status_code == 404


def test_a_thread_full_of_files_costs_the_same_queries_as_one_with_a_single_file(client_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lead = make_conversation()

    def add_files(count: int) -> None:
        for i in range(count):
            message = make_message(lead, minutes=i, type=MessageType.IMAGE, text="")
            MessageMedia.objects.create(
                message=message, media_id=str(i), state=MediaState.STORED, file=f"x/{i}.jpg"
            )

    agent = client_as("agent")
    page = reverse("admin:profiles_clientprofile_change", args=[lead.profile.pk])
    add_files(1)
    agent.get(page)  # warm the content-type cache
    with CaptureQueriesContext(connection) as one:
        assert agent.get(page).status_code == 200
    add_files(20)
    with CaptureQueriesContext(connection) as many:
        response = agent.get(page)
    assert response.content.decode().count('class="thread-image"') == 21
    assert len(many) == len(one)
