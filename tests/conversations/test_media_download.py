"""Inbound media: downloaded by the worker from the Graph API stand-in into storage, shown in
the thread, with Meta's sha256 checked, WhatsApp's caps applied and failures retried.

Everything runs through the real webhook view, the real `db_worker` and the real `requests`
client against the stand-in, which holds the files the way Meta's media endpoints do.
"""

from __future__ import annotations

import html
import os
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from conversations.models import MediaState, Message, MessageMedia
from conversations.services.media.download import DOWNLOADS_OFF, NO_CONNECTION
from tests.conversations.conftest import conversation_of
from tests.samples import media_webhook
from tests.standins.graph_media import b64_sha256

pytestmark = pytest.mark.django_db(transaction=True)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(200 * 1024)
MAX_ATTEMPTS = 3


@pytest.fixture
def graph(graph_transport_settings, settings):
    """Meta's media endpoints on the stand-in; downloads on, retries without waiting."""
    settings.WHATSAPP_MEDIA_DOWNLOAD = True
    settings.WHATSAPP_MEDIA_MAX_ATTEMPTS = MAX_ATTEMPTS
    settings.WHATSAPP_MEDIA_RETRY_BASE_SECONDS = 0
    return graph_transport_settings


@pytest.fixture
def user_sends(graph, post_webhook):
    """The user sends a file: Meta holds its bytes, and its webhook reaches us signed."""

    def send(kind="image", data=JPEG, mime_type="image/jpeg", media_id=None, **fields):
        media_id = media_id or str(7000000000000000 + len(graph.media))
        graph.media[media_id] = (data, mime_type)
        body, wamid = media_webhook(
            kind, media_id=media_id, sha256=b64_sha256(data), mime_type=mime_type, **fields
        )
        post_webhook(body)
        return media_id, wamid

    return send


def media_of(wamid: str) -> MessageMedia:
    return MessageMedia.objects.select_related("message").get(message__wamid=wamid)


def profile_page(client, wamid: str) -> str:
    profile = Message.objects.get(wamid=wamid).conversation.profile
    response = client.get(reverse("admin:profiles_clientprofile_change", args=[profile.pk]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def requests_to(graph, prefix: str):
    return [r for r in graph.requests if urlsplit(r.path).path.startswith(prefix)]


def test_an_inbound_photo_is_downloaded_stored_and_shown_in_the_thread(
    user_sends, graph, run_worker, client_as
):
    media_id, wamid = user_sends("image")
    run_worker()

    media = media_of(wamid)
    assert media.state == MediaState.STORED
    with default_storage.open(media.file.name, "rb") as stored:
        assert stored.read() == JPEG
    assert media.file_size == len(JPEG)
    [info] = requests_to(graph, f"/v25.0/{media_id}")
    assert info.headers["authorization"] == "Bearer test-token"
    assert parse_qs(urlsplit(info.path).query) == {"phone_number_id": ["106540352242922"]}
    [download] = requests_to(graph, "/whatsapp_business/attachments/")
    assert download.headers["authorization"] == "Bearer test-token"
    assert "whatsapp-backoffice" in download.headers["user-agent"]

    agent = client_as("agent")
    page = profile_page(agent, wamid)
    url = reverse("message-media", args=[media.pk])
    assert f'<img class="thread-image" src="{url}"' in page
    assert "This is the scratch on the table top" in page  # the caption stays as text
    served = agent.get(url)
    assert served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == JPEG


@pytest.mark.parametrize(
    ("kind", "mime_type", "shown"),
    [
        ("audio", "audio/ogg; codecs=opus", '<audio class="thread-audio" controls'),
        ("video", "video/mp4", '<video class="thread-video" controls'),
        ("sticker", "image/webp", '<img class="thread-image"'),
        ("document", "application/pdf", '📄 Fatura_88213_maço.pdf</a> <span class="help">(2.0'),
    ],
)
def test_voice_notes_videos_stickers_and_documents_show_the_way_they_play(
    user_sends, run_worker, client_as, kind, mime_type, shown
):
    data = os.urandom(2048 if kind != "sticker" else 1024)
    _, wamid = user_sends(kind, data=data, mime_type=mime_type)
    run_worker()

    media = media_of(wamid)
    assert media.state == MediaState.STORED
    assert shown in profile_page(client_as("viewer"), wamid)
    served = client_as("agent").get(reverse("message-media", args=[media.pk]))
    assert served["Content-Type"] == mime_type
    assert b"".join(served.streaming_content) == data


def test_a_redelivered_media_webhook_is_downloaded_once(graph, post_webhook, run_worker):
    graph.media["555"] = (JPEG, "image/jpeg")
    body, wamid = media_webhook("image", media_id="555", sha256=b64_sha256(JPEG))
    post_webhook(body)
    post_webhook(body)
    run_worker()

    assert MessageMedia.objects.filter(message__wamid=wamid).count() == 1
    assert graph.media_downloads == ["555"]


def test_a_file_whose_sha256_does_not_match_is_retried_then_shown_unavailable(
    user_sends, graph, run_worker, client_as
):
    graph.media_script.sha256["666"] = b64_sha256(b"something else")
    _, wamid = user_sends(media_id="666")
    run_worker()

    media = media_of(wamid)
    assert (media.state, media.attempts) == (MediaState.FAILED, MAX_ATTEMPTS)
    assert "sha256 does not match" in media.error
    assert graph.media_downloads == ["666"] * MAX_ATTEMPTS
    assert not media.file  # nothing half-checked was kept
    page = profile_page(client_as("agent"), wamid)
    assert "Media unavailable" in page
    assert reverse("message-media-retry", args=[media.pk]) in page


def test_meta_reporting_a_hex_sha256_is_accepted_too(user_sends, graph, run_worker):
    import hashlib

    graph.media_script.sha256["667"] = hashlib.sha256(JPEG).hexdigest()
    _, wamid = user_sends(media_id="667")
    run_worker()

    assert media_of(wamid).state == MediaState.STORED


def test_an_unknown_or_expired_media_id_is_unavailable_at_once(graph, post_webhook, run_worker):
    body, wamid = media_webhook("image", media_id="404404")  # Meta no longer has it
    post_webhook(body)
    run_worker()

    media = media_of(wamid)
    assert (media.state, media.attempts) == (MediaState.FAILED, 1)
    assert "no longer has this file" in media.error
    assert graph.media_downloads == []


def test_an_expired_download_url_is_fetched_afresh_and_tried_again_at_once(
    user_sends, graph, run_worker
):
    graph.media_script.expired["777"] = 1
    _, wamid = user_sends(media_id="777")
    run_worker()

    media = media_of(wamid)
    assert (media.state, media.attempts) == (MediaState.STORED, 1)
    assert len(requests_to(graph, "/v25.0/777")) == 2  # a fresh URL after the 404
    assert graph.media_downloads == ["777"]


def test_a_file_meta_says_is_too_large_is_refused_without_downloading(
    user_sends, graph, run_worker, client_as
):
    graph.media_script.file_size["888"] = 6 * 1024 * 1024  # images: at most 5 MB
    _, wamid = user_sends(media_id="888")
    run_worker()

    media = media_of(wamid)
    assert media.state == MediaState.REFUSED
    assert media.error == "Too large for a WhatsApp image: 6 MB (at most 5 MB)."
    assert requests_to(graph, "/whatsapp_business/attachments/") == []
    assert "The image was not stored: Too large" in profile_page(client_as("agent"), wamid)


def test_a_download_that_grows_past_the_cap_is_stopped_and_nothing_is_kept(
    user_sends, graph, run_worker, media_root
):
    graph.media_script.file_size["999"] = 100 * 1024  # a lie: 600 KB follow
    graph.media_script.chunked.add("999")  # and no Content-Length to catch it early
    _, wamid = user_sends(
        "sticker", data=os.urandom(600 * 1024), mime_type="image/webp", media_id="999"
    )
    run_worker()

    media = media_of(wamid)
    assert media.state == MediaState.REFUSED
    assert "Too large for a WhatsApp sticker" in media.error
    assert not media.file
    assert (
        not any(path.is_file() for path in media_root.rglob("*")) if media_root.exists() else True
    )


@pytest.mark.parametrize(
    ("reported", "served"),
    [("image/gif", "image/gif"), ("image/jpeg", "text/html")],
    ids=["type-not-allowed", "served-as-another-type"],
)
def test_a_type_whatsapp_does_not_allow_for_the_kind_is_refused(
    user_sends, graph, run_worker, reported, served
):
    graph.media_script.served_type["321"] = served
    _, wamid = user_sends(media_id="321", mime_type=reported)
    run_worker()

    media = media_of(wamid)
    assert media.state == MediaState.REFUSED
    assert "Not a type WhatsApp allows for a image" in media.error
    assert not media.file


def test_failed_downloads_are_retried_then_an_agent_retry_stores_the_file(
    user_sends, graph, run_worker, client_as
):
    graph.media_script.failures["123"] = [500] * MAX_ATTEMPTS
    _, wamid = user_sends(media_id="123")
    run_worker()
    media = media_of(wamid)
    assert (media.state, media.attempts) == (MediaState.FAILED, MAX_ATTEMPTS)
    assert (
        "Retry" not in profile_page(client_as("viewer"), wamid).split("Media unavailable")[1][:400]
    )

    agent = client_as("agent")
    page_url = reverse("admin:profiles_clientprofile_change", args=[conversation_of().profile.pk])
    response = agent.post(
        reverse("message-media-retry", args=[media.pk]), HTTP_REFERER=f"http://testserver{page_url}"
    )
    assert response.status_code == 302 and response["Location"].endswith(page_url)
    run_worker()

    media.refresh_from_db()
    assert media.state == MediaState.STORED
    assert f'src="{reverse("message-media", args=[media.pk])}"' in profile_page(agent, wamid)


def test_viewers_cannot_retry_a_download(user_sends, graph, run_worker, client_as):
    graph.media_script.failures["124"] = [500] * MAX_ATTEMPTS
    _, wamid = user_sends(media_id="124")
    run_worker()
    media = media_of(wamid)

    response = client_as("viewer").post(reverse("message-media-retry", args=[media.pk]))

    assert response.status_code == 403
    media.refresh_from_db()
    assert media.state == MediaState.FAILED


def test_the_admin_action_retries_unavailable_media(user_sends, graph, run_worker, client_as):
    graph.media_script.failures["125"] = [503] * MAX_ATTEMPTS
    _, wamid = user_sends(media_id="125")
    run_worker()
    message = Message.objects.get(wamid=wamid)

    page = client_as("agent").post(
        reverse("admin:conversations_message_changelist"),
        {"action": "retry_media_downloads", "_selected_action": [message.pk]},
        follow=True,
    )
    assert "Downloading 1 file again." in html.unescape(page.content.decode())
    run_worker()

    assert media_of(wamid).state == MediaState.STORED


def test_with_downloads_off_nothing_is_fetched(user_sends, graph, run_worker, settings, client_as):
    settings.WHATSAPP_MEDIA_DOWNLOAD = False
    _, wamid = user_sends()
    run_worker()

    media = media_of(wamid)
    assert (media.state, media.error) == (MediaState.DISABLED, DOWNLOADS_OFF)
    assert [r for r in graph.requests if r.method == "GET"] == []  # (the bot still replied)
    assert DOWNLOADS_OFF in profile_page(client_as("agent"), wamid)


def test_with_the_console_transport_the_thread_says_there_is_no_whatsapp_connection(
    user_sends, graph, run_worker, settings, client_as
):
    settings.WHATSAPP_TRANSPORT = "console"
    _, wamid = user_sends()
    run_worker()

    media = media_of(wamid)
    assert (media.state, media.error) == (MediaState.DISABLED, NO_CONNECTION)
    assert NO_CONNECTION in profile_page(client_as("agent"), wamid)


def test_a_download_whose_worker_died_can_be_retried_once_it_is_stale(
    user_sends, graph, run_worker, client_as
):
    from datetime import timedelta

    from django.utils import timezone

    graph.media_script.failures["126"] = [500] * MAX_ATTEMPTS
    _, wamid = user_sends(media_id="126")
    run_worker()
    media = media_of(wamid)
    # As a worker killed mid-download leaves it: claimed, "pending", never finished.
    MessageMedia.objects.filter(pk=media.pk).update(state=MediaState.PENDING)
    retry = reverse("message-media-retry", args=[media.pk])
    agent = client_as("agent")
    agent.post(retry)
    assert media_of(wamid).state == MediaState.PENDING  # too fresh: maybe still running
    run_worker()
    assert media_of(wamid).attempts == MAX_ATTEMPTS  # nothing ran

    MessageMedia.objects.filter(pk=media.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    agent.post(retry)
    run_worker()

    assert media_of(wamid).state == MediaState.STORED
