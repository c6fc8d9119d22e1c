"""The files of media messages, for logged-in staff only: read from storage, never public.

There is no public URL for a customer's photo: MEDIA_URL is not served, S3 objects are
private, and this view streams the file from the storage API after the admin's login and
the message view permission. Documents download as attachments; nothing is sniffed.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from conversations.models import MediaState, MessageMedia, MessageType
from conversations.services.media import retry_media_download
from conversations.services.media.caps import extension_for

logger = logging.getLogger(__name__)

# Shown in the page itself; everything else is a download.
INLINE_TYPES = {MessageType.IMAGE, MessageType.STICKER, MessageType.AUDIO, MessageType.VIDEO}


@require_GET
@permission_required("conversations.view_message", raise_exception=True)
def media_file(request, media_pk: int):
    media = get_object_or_404(
        MessageMedia.objects.select_related("message"), pk=media_pk, state=MediaState.STORED
    )
    if not media.file:
        raise Http404("This file is not stored.")
    try:
        file = media.file.storage.open(media.file.name, "rb")
    except OSError:
        logger.warning("Stored media is missing from storage", extra={"media_pk": media.pk})
        raise Http404("This file is missing from storage.") from None
    kind = media.message.type
    filename = media.filename or f"{kind}-{media.pk}{extension_for(media.mime_type)}"
    response = FileResponse(
        file,
        content_type=media.mime_type or "application/octet-stream",
        as_attachment=kind not in INLINE_TYPES,
        filename=filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # A customer's file: kept by this browser only, never by a shared cache or proxy.
    response["Cache-Control"] = "private, max-age=3600"
    # Even a file that got past the type checks cannot run anything in our origin.
    response["Content-Security-Policy"] = "default-src 'none'; media-src 'self'; sandbox"
    return response


@require_POST
@permission_required("conversations.change_conversation", raise_exception=True)
def retry_media(request, media_pk: int):
    """An agent's Retry on "Media unavailable"; back to the page they came from."""
    media = get_object_or_404(MessageMedia, pk=media_pk)
    if retry_media_download(media, actor=request.user):
        messages.success(request, "Downloading the file again; it shows here once stored.")
    else:
        messages.info(request, "This file is not waiting for a retry (stored or in progress).")
    # The form sits in a thread that may have been fetched by the live refresh: the page
    # the agent is on is the referer, not the URL that rendered the fragment.
    back = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("admin:conversations_message_change", args=[media.message_id])
    return HttpResponseRedirect(back)
