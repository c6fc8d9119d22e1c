"""Every admin page says when no task worker runs: "Replies paused", instead of "Live"."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from botproject.models import WorkerHeartbeat
from tests.factories import make_conversation

pytestmark = pytest.mark.django_db

BANNER = "Replies paused: the worker is not running"


def beat(seconds_ago: float, **fields) -> WorkerHeartbeat:
    seen = timezone.now() - timedelta(seconds=seconds_ago)
    return WorkerHeartbeat.objects.create(
        worker_id=f"w{WorkerHeartbeat.objects.count()}",
        hostname="here",
        pid=1,
        started_at=seen,
        last_seen=seen,
        **fields,
    )


@pytest.mark.parametrize(
    "page", ["admin:index", "dashboard", "admin:conversations_conversation_changelist"]
)
def test_every_page_says_replies_are_paused_when_no_worker_reported_lately(client_as, page):
    beat(600)  # last seen ten minutes ago: gone

    html = client_as("agent").get(reverse(page)).content.decode()

    assert BANNER in html


def test_a_worker_that_stopped_cleanly_counts_as_not_running(client_as):
    beat(1, stopped_at=timezone.now())

    assert BANNER in client_as("viewer").get(reverse("admin:index")).content.decode()


def test_no_banner_while_a_worker_reports(client_as):
    beat(600)
    beat(2)
    lead = make_conversation()
    client = client_as("agent")

    assert BANNER not in client.get(reverse("admin:index")).content.decode()
    page = client.get(reverse("admin:profiles_clientprofile_change", args=[lead.profile.pk]))
    assert BANNER not in page.content.decode()
    assert client.get(reverse("dashboard"), {"part": "worker"}).json() == {"running": True}


def test_the_login_page_does_not_ask(client, django_assert_num_queries):
    beat(600)
    with django_assert_num_queries(0):
        html = client.get(reverse("admin:login")).content.decode()
    assert BANNER not in html


def test_the_dashboard_status_line_knows_the_worker_is_down(client_as):
    html = client_as("agent").get(reverse("dashboard")).content.decode()

    assert 'data-worker-down="1"' in html
    assert client_as("viewer").get(reverse("dashboard"), {"part": "worker"}).json() == {
        "running": False
    }
