"""`manage.py simulate_inbound "text"`: a lead writes to the business, without a phone.

Builds the webhook body Meta would post for an inbound text, dated now, and hands it to
the same service the webhook view calls once the signature is checked: the event is
stored, the worker processes it, and the bot answers as it would in production.
"""

import json
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from webhooks.services import NotAJsonObject, receive_webhook


def inbound_text_body(*, wa_id: str, name: str, text: str, wamid: str) -> bytes:
    """The `messages` webhook for one text (whatsapp.md §4), compact as Meta sends it."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550009999", "phone_number_id": "0"},
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
        "messages": [
            {
                "from": wa_id,
                "id": wamid,
                "timestamp": str(int(timezone.now().timestamp())),
                "type": "text",
                "text": {"body": text},
            }
        ],
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "0", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(payload, separators=(",", ":")).encode()


class Command(BaseCommand):
    help = "Store an inbound WhatsApp text as if Meta had posted it (for demos and trials)."

    def add_arguments(self, parser):
        parser.add_argument("text", help="What the lead writes.")
        parser.add_argument("--from", dest="wa_id", default="15550001111", help="Phone, digits.")
        parser.add_argument("--name", default="Demo Lead", help="The lead's WhatsApp name.")

    def handle(self, *args, text, wa_id, name, **options):
        if not wa_id.isdigit():
            raise CommandError("--from takes the phone number as digits only, e.g. 15550001111.")
        wamid = f"wamid.simulated.{uuid.uuid4().hex}"
        body = inbound_text_body(wa_id=wa_id, name=name, text=text, wamid=wamid)
        try:
            event_id = receive_webhook(body)
        except NotAJsonObject as exc:  # cannot happen with the body built above
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Stored webhook event {event_id} with message {wamid} from {wa_id}; "
                "the task worker processes it and the bot answers."
            )
        )
