"""The local transport: logs what would go to WhatsApp and reports it sent."""

import logging
import uuid

from conversations.transport.base import OutgoingMedia, OutgoingTemplate, OutgoingText, SendResult

logger = logging.getLogger(__name__)


class ConsoleTransport:
    def send_text(self, message: OutgoingText) -> SendResult:
        wamid = f"wamid.console.{uuid.uuid4().hex}"
        logger.info(
            "Console transport: message to %s (%d characters)",
            message.to_wa_id or message.to_bsuid,
            len(message.text),
            extra={"wamid": wamid},
        )
        logger.debug("Console transport text: %s", message.text)
        return SendResult(wamid=wamid)

    def send_template(self, message: OutgoingTemplate) -> SendResult:
        wamid = f"wamid.console.{uuid.uuid4().hex}"
        logger.info(
            "Console transport: template %s (%s) to %s",
            message.name,
            message.language,
            message.to_wa_id or message.to_bsuid,
            extra={"wamid": wamid, "components": len(message.components)},
        )
        logger.debug("Console transport template components: %s", message.components)
        return SendResult(wamid=wamid)

    def send_media(self, message: OutgoingMedia) -> SendResult:
        wamid = f"wamid.console.{uuid.uuid4().hex}"
        logger.info(
            "Console transport: %s to %s",
            message.kind,
            message.to_wa_id or message.to_bsuid,
            extra={"wamid": wamid, "media_id": message.media_id},
        )
        return SendResult(wamid=wamid)

    def upload_media(self, file, *, mime_type: str, filename: str) -> str:
        """Nothing leaves the machine: the file stays in storage, under a made-up media id."""
        media_id = f"console-media-{uuid.uuid4().hex}"
        logger.info("Console transport: upload of a %s", mime_type, extra={"media_id": media_id})
        return media_id
