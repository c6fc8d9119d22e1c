"""Meta's Graph API transport: `POST {WHATSAPP_GRAPH_URL}/{phone_number_id}/messages`."""

from __future__ import annotations

import logging
from typing import BinaryIO

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from conversations.transport.base import (
    OutgoingMedia,
    OutgoingTemplate,
    OutgoingText,
    SendError,
    SendResult,
)
from conversations.transport.graph_api import PhoneNumberClient, graph_error, retryable_status
from conversations.transport.graph_media import GraphMediaClient, media_payload

logger = logging.getLogger(__name__)

# Error codes worth another try later (whatsapp.md §11): rate limits, maintenance, generic.
RETRYABLE_CODES = {4, 80007, 130429, 131000, 131056, 131057, 135000}


class GraphTransport(PhoneNumberClient):
    @property
    def url(self) -> str:
        return f"{self.base_url}/{self.phone_number_id}/messages"

    def payload(self, message: OutgoingText) -> dict:
        body: dict = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "type": "text",
            "text": {"preview_url": False, "body": message.text},
            # Echoed in status webhooks: it names our row even if this call times out.
            "biz_opaque_callback_data": message.idempotency_key,
        }
        if message.to_wa_id:
            body["to"] = f"+{message.to_wa_id}"
        else:
            body["recipient"] = message.to_bsuid
        if message.reply_to_wamid:
            body["context"] = {"message_id": message.reply_to_wamid}
        return body

    def template_payload(self, message: OutgoingTemplate) -> dict:
        """Meta's template send: name, language code and components with their parameters."""
        template: dict = {"name": message.name, "language": {"code": message.language}}
        if message.components:
            template["components"] = list(message.components)
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "type": "template",
            "template": template,
            "biz_opaque_callback_data": message.idempotency_key,
            **self._recipient(message),
        }

    @staticmethod
    def _recipient(message) -> dict:
        return (
            {"to": f"+{message.to_wa_id}"} if message.to_wa_id else {"recipient": message.to_bsuid}
        )

    def send_text(self, message: OutgoingText) -> SendResult:
        return self._post_message(self.payload(message))

    def send_template(self, message: OutgoingTemplate) -> SendResult:
        return self._post_message(self.template_payload(message))

    def send_media(self, message: OutgoingMedia) -> SendResult:
        return self._post_message({**media_payload(message), **self._recipient(message)})

    def upload_media(self, file: BinaryIO, *, mime_type: str, filename: str) -> str:
        media = GraphMediaClient(
            base_url=self.base_url,
            phone_number_id=self.phone_number_id,
            access_token=self.access_token,
            timeout=self.timeout,
            session=self.session,
        )
        return media.upload(file, mime_type=mime_type, filename=filename)

    def _post_message(self, body: dict) -> SendResult:
        """POST one message body to `/messages`; Meta's answer becomes a wamid or a SendError."""
        try:
            response = self.session.post(
                self.url, json=body, headers=self.headers, timeout=self.timeout
            )
        except requests.ConnectTimeout as exc:
            raise SendError("Could not reach WhatsApp (connect timeout)", retryable=True) from exc
        except requests.ReadTimeout as exc:
            raise SendError(
                "WhatsApp did not answer in time", retryable=True, ambiguous=True
            ) from exc
        except requests.ConnectionError as exc:
            if _never_connected(exc):
                raise SendError("Could not reach WhatsApp", retryable=True) from exc
            # The request went out; the connection broke before Meta's whole answer arrived.
            raise SendError(
                "Connection to WhatsApp broke before it answered", retryable=True, ambiguous=True
            ) from exc
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            raise SendError(
                "WhatsApp's answer was cut off", retryable=True, ambiguous=True
            ) from exc

        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.ok:
            try:
                wamid = data["messages"][0]["id"]
            except (KeyError, IndexError, TypeError):
                wamid = None
            if not isinstance(wamid, str) or not wamid:
                # Meta took it, so resending could deliver it twice; the status webhook that
                # echoes our idempotency key can still name it.
                raise SendError("WhatsApp accepted the message but sent no id", ambiguous=True)
            return SendResult(wamid=wamid)
        error = graph_error(response)
        code = error.code
        title = (error.message or error.details or f"HTTP {response.status_code}")[:255]
        retryable = retryable_status(response.status_code) or code in RETRYABLE_CODES
        logger.warning(
            "WhatsApp refused a message",
            extra={"status": response.status_code, "code": code, "retryable": retryable},
        )
        raise SendError(title, code=code, retryable=retryable)


def _never_connected(exc: requests.ConnectionError) -> bool:
    """Only a refused or unresolvable connection proves the request never reached Meta."""
    reason = exc.args[0] if exc.args else None
    return isinstance(reason, MaxRetryError) and isinstance(reason.reason, NewConnectionError)
