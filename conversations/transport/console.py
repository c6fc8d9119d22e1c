"""The local transport: logs what would go to WhatsApp and reports it sent."""

import logging
import uuid

from conversations.transport.base import OutgoingText, SendResult

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
