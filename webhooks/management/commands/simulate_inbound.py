"""`manage.py simulate_inbound "text"`: a lead writes to the business, without a phone.

Builds the webhook body Meta would post for an inbound text, dated now (with the simulator's
builder), and hands it to the same service the webhook view calls once the signature is
checked: the event is stored, the worker processes it, and the bot answers as in production.
"""

from django.core.management.base import BaseCommand, CommandError

from webhooks.services import NotAJsonObject, receive_webhook
from webhooks.simulator.payloads import SimulatedUser, inbound_body


class Command(BaseCommand):
    help = "Store an inbound WhatsApp text as if Meta had posted it (for demos and trials)."

    def add_arguments(self, parser):
        parser.add_argument("text", help="What the lead writes.")
        parser.add_argument("--from", dest="wa_id", default="15550001111", help="Phone, digits.")
        parser.add_argument("--name", default="Demo Lead", help="The lead's WhatsApp name.")

    def handle(self, *args, text, wa_id, name, **options):
        if not wa_id.isdigit():
            raise CommandError("--from takes the phone number as digits only, e.g. 15550001111.")
        body, wamid = inbound_body(SimulatedUser(wa_id=wa_id, name=name), text=text)
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
