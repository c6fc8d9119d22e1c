"""The local transport: logs what would go to WhatsApp and reports it sent.

Each send is one log line with what the user would read, so README's first command shows
the conversation in the terminal; long texts are cut, and nothing leaves the machine.
"""

import logging
import uuid

from conversations.transport.base import OutgoingMedia, OutgoingTemplate, OutgoingText, SendResult

logger = logging.getLogger(__name__)

# About two lines of a terminal: enough to follow the conversation, short of a whole 4096.
SHOWN_CHARACTERS = 200


def one_line(text: str, limit: int = SHOWN_CHARACTERS) -> str:
    """`text` on one line (line breaks and runs of spaces become one space), cut at `limit`."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return f"{flat[: limit - 1].rstrip()}… ({len(text)} characters)"


def template_parameters(components: tuple[dict, ...]) -> list[str]:
    """The texts filled into a template's variables, in order (Graph's send-side components)."""
    return [
        str(parameter.get("text", ""))
        for component in components
        for parameter in component.get("parameters", ())
        if parameter.get("type") == "text"
    ]


class ConsoleTransport:
    def send_text(self, message: OutgoingText) -> SendResult:
        wamid = f"wamid.console.{uuid.uuid4().hex}"
        logger.info(
            "Console transport: text to %s: %s",
            message.to_wa_id or message.to_bsuid,
            one_line(message.text),
            extra={"wamid": wamid, "characters": len(message.text)},
        )
        return SendResult(wamid=wamid)

    def send_template(self, message: OutgoingTemplate) -> SendResult:
        wamid = f"wamid.console.{uuid.uuid4().hex}"
        parameters = template_parameters(message.components)
        logger.info(
            "Console transport: template %s (%s) to %s: %s",
            message.name,
            message.language,
            message.to_wa_id or message.to_bsuid,
            one_line(" | ".join(parameters)) if parameters else "no variables",
            extra={"wamid": wamid, "components": len(message.components)},
        )
        return SendResult(wamid=wamid)

    def send_media(self, message: OutgoingMedia) -> SendResult:
        wamid = f"wamid.console.{uuid.uuid4().hex}"
        logger.info(
            "Console transport: %s %s to %s: %s",
            message.kind,
            message.filename or message.media_id,
            message.to_wa_id or message.to_bsuid,
            one_line(message.caption) if message.caption else "no caption",
            extra={"wamid": wamid, "media_id": message.media_id},
        )
        return SendResult(wamid=wamid)

    def upload_media(self, file, *, mime_type: str, filename: str) -> str:
        """Nothing leaves the machine: the file stays in storage, under a made-up media id."""
        media_id = f"console-media-{uuid.uuid4().hex}"
        logger.info(
            "Console transport: upload of %s (%s) as %s",
            one_line(filename),
            mime_type,
            media_id,
            extra={"media_id": media_id},
        )
        return media_id
