"""Status shapes no sample has (issue 4 §2), derived from 34_status_sent.json and re-signed.

`played` (a voice note was listened to), the pre-v24 `conversation` object, and a recipient
known only by BSUID must all reach the outbound message they name.
"""

from datetime import UTC, datetime

import pytest

from tests.factories import make_conversation, make_message
from tests.samples import sample_json
from tests.webhooks.conftest import resign
from webhooks.models import WebhookEvent

# The real worker closes and reopens connections, which needs real commits.
pytestmark = pytest.mark.django_db(transaction=True)

# INDEX.md's outbound wamids: a voice note to Bruno, and a text to BSUID-only Rosa.
OUT_B = "wamid.HBgLMTU1NTAwMDIyMjIVAgARGBI4QkYzNTgwQjJGQkQyQkFFQ0EA"
OUT_B_VOICE = "wamid.HBgLMTU1NTAwMDIyMjIVAgARGBI3QzE4OEM2Q0M3OUQ4QzI0MEUA"
OUT_ROSA = "wamid.HBgXVVMuNTA2MDcwODA5MDEwMjAzMDQwNTAVAgARGBIzMDJCNUY0OEREOEFCQzAwOTAA"
ROSA_BSUID = "US.50607080901020304050"


def at(unix_seconds: int) -> datetime:
    return datetime.fromtimestamp(unix_seconds, tz=UTC)


def sent_status_sample() -> tuple[dict, dict, dict]:
    """Sample 34 as data, with its value and its one status entry, ready to be edited."""
    data = sample_json("34_status_sent.json")
    value = data["entry"][0]["changes"][0]["value"]
    return data, value, value["statuses"][0]


def assert_processed_cleanly(event: WebhookEvent, applied: int) -> None:
    assert event.outcome == "processed", event.error
    assert event.error == ""
    assert event.summary["statuses_applied"] == applied
    assert "unknown_statuses" not in event.summary


def test_played_status_moves_a_voice_note_to_played(post_body, run_worker):
    bruno = make_conversation(wa_id="15550002222")
    voice_note = make_message(
        bruno, direction="out", type="audio", text="", status="delivered", wamid=OUT_B_VOICE
    )
    data, _, status = sent_status_sample()
    status.update({"id": OUT_B_VOICE, "status": "played", "timestamp": "1785404100"})

    assert post_body(resign(data)).status_code == 200
    run_worker()

    voice_note.refresh_from_db()
    assert voice_note.status == "played"
    assert_processed_cleanly(WebhookEvent.objects.get(), applied=1)


def test_a_late_read_does_not_take_a_played_voice_note_back(post_body, run_worker):
    bruno = make_conversation(wa_id="15550002222")
    voice_note = make_message(
        bruno, direction="out", type="audio", text="", status="played", wamid=OUT_B_VOICE
    )
    data, _, status = sent_status_sample()
    status.update({"id": OUT_B_VOICE, "status": "read", "timestamp": "1785404050"})

    assert post_body(resign(data)).status_code == 200
    run_worker()

    voice_note.refresh_from_db()
    assert voice_note.status == "played"


def test_status_with_a_pre_v24_conversation_object_is_applied(post_body, run_worker):
    bruno = make_conversation(wa_id="15550002222")
    outbound = make_message(bruno, direction="out", status="sent", wamid=OUT_B)
    data, _, status = sent_status_sample()
    status.update(
        {
            "status": "delivered",
            "timestamp": "1785404060",
            "conversation": {
                "id": "8a1e2b3c4d5e6f708192a3b4c5d6e7f8",
                "expiration_timestamp": "1785490400",
                "origin": {"type": "service"},
            },
            "pricing": {"billable": True, "pricing_model": "CBP", "category": "service"},
        }
    )

    assert post_body(resign(data)).status_code == 200
    run_worker()

    outbound.refresh_from_db()
    assert outbound.status == "delivered"
    assert outbound.delivered_at == at(1785404060)
    assert_processed_cleanly(WebhookEvent.objects.get(), applied=1)


def test_status_for_a_bsuid_only_recipient_is_applied(post_body, run_worker):
    rosa = make_conversation(wa_id=None, bsuid=ROSA_BSUID, username="@rosa.mendes")
    outbound = make_message(rosa, direction="out", status="sent", wamid=OUT_ROSA)
    data, value, status = sent_status_sample()
    value["contacts"] = [{"user_id": ROSA_BSUID}]
    del status["recipient_id"]
    status.update(
        {
            "id": OUT_ROSA,
            "status": "read",
            "timestamp": "1785404120",
            "recipient_user_id": ROSA_BSUID,
        }
    )

    assert post_body(resign(data)).status_code == 200
    run_worker()

    outbound.refresh_from_db()
    assert outbound.status == "read"
    assert outbound.read_at == at(1785404120)
    assert_processed_cleanly(WebhookEvent.objects.get(), applied=1)
