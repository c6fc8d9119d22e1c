"""/admin/analytics/: who may see it, what the range filter accepts, and what it shows."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.analytics.conftest import seed_leads

pytestmark = pytest.mark.django_db

URL = reverse("analytics")
RANGE = {"start": "2026-03-01", "end": "2026-03-03"}


def table_rows(page: str, key: str) -> list[str]:
    """The rows of one widget's table, as HTML, body then footer."""
    table = page.split(f'<table id="table-{key}">', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr><th scope=\"row\">.*?</tr>", table)


@pytest.mark.parametrize("role", ["admin", "agent", "viewer"])
def test_every_role_that_reads_conversations_sees_the_page(client_as, role):
    response = client_as(role).get(URL)

    assert response.status_code == 200
    assert "New conversations and completed profiles per day" in response.content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_a_role_are_refused(client, db):
    client.force_login(get_user_model().objects.create_user("no-role", is_staff=True))

    assert client.get(URL).status_code == 403
    assert client.get(URL, {"format": "csv"}).status_code == 403


def test_users_who_are_not_staff_get_the_admin_login_instead(client, db):
    client.force_login(get_user_model().objects.create_user("lead-user"))

    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_admin_home_and_every_admin_page_link_to_it(client_as):
    client = client_as("viewer")

    home = client.get(reverse("admin:index")).content.decode()
    assert 'id="analytics-link"' in home
    assert home.count(f'href="{URL}"') == 2  # the home page's module and the header


def test_the_default_range_is_the_last_thirty_days_of_the_site(client_as, site_zone):
    from django.utils import timezone

    today = timezone.localdate()
    page = client_as("viewer").get(URL).content.decode()

    rows = table_rows(page, "messages")
    assert len(rows) == 31  # thirty days and the range's total
    assert rows[-2].startswith(f'<tr><th scope="row">{today.isoformat()}</th>')
    assert f'value="{today.isoformat()}"' in page


def test_the_tables_show_each_days_figures_zero_days_and_the_ranges_total(client_as, seeded):
    page = client_as("viewer").get(URL, RANGE).content.decode()

    assert table_rows(page, "new_conversations") == [
        '<tr><th scope="row">2026-03-01</th><td>2</td><td>1</td></tr>',
        '<tr><th scope="row">2026-03-02</th><td>0</td><td>0</td></tr>',
        '<tr><th scope="row">2026-03-03</th><td>4</td><td>3</td></tr>',
        '<tr><th scope="row">All days</th><td>6</td><td>4</td></tr>',
    ]
    # Leads, complete now, rate: a day without leads has no rate.
    assert table_rows(page, "completion") == [
        '<tr><th scope="row">2026-03-01</th><td>2</td><td>1</td><td>50.0 %</td></tr>',
        '<tr><th scope="row">2026-03-02</th><td>0</td><td>0</td><td>—</td></tr>',
        '<tr><th scope="row">2026-03-03</th><td>4</td><td>2</td><td>50.0 %</td></tr>',
        '<tr><th scope="row">All days</th><td>6</td><td>3</td><td>50.0 %</td></tr>',
    ]
    assert table_rows(page, "time_to_complete") == [
        '<tr><th scope="row">2026-03-01</th><td>1</td><td>2.0 h</td></tr>',
        '<tr><th scope="row">2026-03-02</th><td>0</td><td>—</td></tr>',
        '<tr><th scope="row">2026-03-03</th><td>2</td><td>30.5 h</td></tr>',
        '<tr><th scope="row">All days</th><td>3</td><td>2.0 h</td></tr>',
    ]
    # Approved unedited, edited, discarded, and the unedited share of approved drafts.
    assert table_rows(page, "drafts")[0] == (
        '<tr><th scope="row">2026-03-01</th><td>1</td><td>2</td><td>0</td><td>33.3 %</td></tr>'
    )
    assert table_rows(page, "handoffs")[-1] == (
        '<tr><th scope="row">All days</th><td>6</td><td>3</td><td>50.0 %</td></tr>'
    )


def test_the_charts_get_the_tables_figures_without_inline_code(client_as, seeded):
    page = client_as("viewer").get(URL, RANGE).content.decode()

    charts = json.loads(
        page.split('id="analytics-charts" type="application/json">', 1)[1].split("</script>")[0]
    )
    first = charts[0]
    assert first["labels"] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert first["datasets"] == [
        {"label": "New conversations", "data": [2, 0, 4]},
        {"label": "Completed", "data": [1, 0, 3]},
    ]
    rates = next(chart for chart in charts if chart["key"] == "completion")
    assert (rates["unit"], rates["datasets"]) == (
        "percent",
        [{"label": "Completion rate", "data": [50.0, None, 50.0]}],
    )
    assert len(charts) == 7
    assert len(re.findall(r"<canvas id=\"chart-", page)) == 7
    # Every script is a file of ours or data: nothing a Content-Security-Policy would block.
    for tag in re.findall(r"<script[^>]*>", page):
        assert " src=" in tag or 'type="application/json"' in tag, tag
    assert "/static/vendor/chartjs/chart.umd.min.js" in page
    assert "/static/backoffice/analytics.js" in page


def test_the_csv_has_every_figure_per_day_and_the_ranges_total(client_as, seeded):
    response = client_as("viewer").get(URL, {**RANGE, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "lead-analytics-2026-03-01-to-2026-03-03.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["day"] for row in rows] == ["2026-03-01", "2026-03-02", "2026-03-03", "range"]
    assert rows[1] == {
        "day": "2026-03-02",
        **dict.fromkeys(
            [
                "new_conversations", "completed_profiles", "leads", "complete",
                "missing_incomplete", "missing_name", "missing_last_name", "missing_company",
                "missing_email", "profiles_completed_measured", "handoff_leads",
                "handoff_handed", "drafts_unedited", "drafts_edited", "drafts_discarded",
                "messages_inbound", "messages_outbound", "messages_failed",
            ],
            "0",
        ),
        **dict.fromkeys(
            [
                "completion_rate_percent", "median_hours_to_complete", "handed_percent",
                "drafts_unedited_percent",
            ],
            "",
        ),
    }  # fmt: skip
    assert rows[2]["median_hours_to_complete"] == "30.51"
    assert rows[3]["messages_inbound"] == "5"
    assert rows[3]["missing_email"] == "2"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-13-01"}, "Enter a valid date."),
        ({"start": "yesterday", "end": "2026-03-03"}, "Enter a valid date."),
        ({"start": "2026-03-04", "end": "2026-03-03"}, "The first day comes after the last day."),
        ({"start": "2025-01-01", "end": "2026-03-03"}, "Choose at most 366 days."),
        ({"start": "0001-01-01", "end": "0001-01-02"}, "Choose days between 2000-01-01"),
    ],
)
def test_a_bad_range_is_a_form_error_not_a_crash(client_as, query, message):
    client = client_as("viewer")

    page = client.get(URL, query)
    download = client.get(URL, {**query, "format": "csv"})

    assert page.status_code == 400
    assert message in page.content.decode()
    assert 'id="analytics-charts"' in page.content.decode()  # an empty list: no chart
    assert 'id="table-' not in page.content.decode()
    assert download.status_code == 400
    assert message in download.content.decode()


def test_the_page_costs_the_same_queries_for_more_leads(
    client_as, site_zone, django_assert_num_queries
):
    client = client_as("viewer")
    seed_leads()
    # The session, the user, their own and their groups' permissions, the workers' last
    # heartbeat (every admin page says when replies are paused), then the five queries of the
    # seven widgets.
    with django_assert_num_queries(10):
        client.get(URL, RANGE)
    for _ in range(3):
        seed_leads()

    with django_assert_num_queries(10):
        page = client.get(URL, RANGE).content.decode()

    assert table_rows(page, "new_conversations")[-1] == (
        '<tr><th scope="row">All days</th><td>24</td><td>16</td></tr>'
    )
