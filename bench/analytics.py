"""How long the admin's analytics page takes at production volume, and how many queries it runs.

On a PostgreSQL database of its own (recreated and migrated for each run), generates with
SQL alone (`INSERT ... SELECT generate_series`, no ORM in the loop) N leads over the last 90
days, in time order as production stores them: a conversation and a profile each (45 %
complete, the rest missing one to three fields), 10 messages each on average (in and out,
2 % of sends failed), a handoff or manual mode on for some, and bot drafts approved as
written, edited or discarded. Then `VACUUM ANALYZE`, as autovacuum would leave tables after
such a load: planner statistics and the visibility map that index-only scans need.

Then renders `/admin/analytics/` through Django in this process (the test client, logged in
as a Viewer, production settings: DEBUG off, psycopg's pool; `botproject.settings`, not
`bench.settings`, whose middleware would move each request to another thread) `--renders`
times for the default range (the last 30 days) and for the last 90 days, after two warm-up
renders each, and prints p50/p95 in ms and the page's query count; then each of its queries
alone, p50 in ms, to show where the time goes. Static files are served unhashed here
(no `collectstatic`): their URLs cost nothing either way. The site's time zone is UTC unless
`--time-zone` names another.

Goal (issue 16): p95 < 300 ms at 100,000 profiles and 1,000,000 messages, printed with this
run's figure and never failing it.

    .venv/bin/python bench/analytics.py [--leads 100000] [--messages-per-lead 10] [--renders 30]
                                        [--time-zone America/Mexico_City]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    OWN_PREFIXES,
    add_database_option,
    percentile,
    production_env,
    recreate_database,
    require_local,
)

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/botproject_analytics_bench"
GOAL_P95_MS = 300
DAYS = 90

# Every row's times are spread over the last DAYS days; a lead's messages follow its start.
GENERATE = [
    # Conversations, one per lead, started at random over the period.
    """
    INSERT INTO conversations_conversation
        (wa_id, username, display_name, openai_conversation_id, handoff_state,
         handoff_reason, created_at, updated_at)
    SELECT (15550000000 + g)::text, '', 'Lead ' || g, '',
           CASE WHEN g % 9 = 0 THEN 'human' ELSE 'bot' END, '', started, now()
      FROM (SELECT g, now() - random() * interval '{days} days' AS started
              FROM generate_series(1, {leads}) AS g) AS leads
     ORDER BY started
    """,
    # Profiles: 45 % complete within three days of the start, the rest missing something.
    """
    INSERT INTO profiles_clientprofile
        (conversation_id, name, last_name, company, email, manual_mode, ai_draft, notes,
         completion_status, what_is_missing, completed_at, created_at, updated_at)
    SELECT id, 'Ana', CASE WHEN r < 0.65 THEN 'Ruiz' ELSE '' END,
           CASE WHEN r < 0.45 OR r BETWEEN 0.65 AND 0.8 THEN 'Acme' ELSE '' END,
           CASE WHEN r < 0.45 THEN 'ana@example.com' ELSE '' END,
           false, '', '', r < 0.45,
           CASE WHEN r < 0.45 THEN ''
                WHEN r < 0.65 THEN 'company, email'
                WHEN r < 0.8 THEN 'last_name, email'
                ELSE 'last_name, company, email' END,
           CASE WHEN r < 0.45
                THEN least(now(), created_at + random() * interval '72 hours') END,
           created_at, now()
      FROM (SELECT id, created_at, random() AS r FROM conversations_conversation) AS leads
     ORDER BY id
    """,
    # Messages: the first at the lead's start, then in and out turns minutes to hours apart.
    """
    INSERT INTO conversations_message
        (conversation_id, direction, sender, type, text, wamid, status, error_title,
         timestamp, raw, content, reaction, reply_to_wamid, reply_attempts, reply_state,
         send_attempts, asked_for, reply_error, created_at)
    SELECT c.id, CASE WHEN n % 2 = 0 THEN 'in' ELSE 'out' END,
           CASE WHEN n % 2 = 0 THEN 'user' ELSE 'bot' END, 'text', 'message ' || n,
           'wamid.bench.' || c.id || '.' || n,
           CASE WHEN n % 2 = 0 THEN '' WHEN random() < 0.02 THEN 'failed' ELSE 'read' END,
           '', at, '{{}}', '{{}}', '', '', 0,
           CASE WHEN n % 2 = 0 THEN 'answered' ELSE '' END, 0, '', '', at
      FROM conversations_conversation AS c
     CROSS JOIN generate_series(0, {per_lead} - 1) AS n
     CROSS JOIN LATERAL (
           SELECT least(now(), c.created_at + n * random() * interval '3 hours') AS at
     ) AS message
     ORDER BY at
    """,
    # The trail: handed to an agent (12 %), manual mode on (3 %), and drafts written (20 %).
    """
    INSERT INTO conversations_conversationlog (conversation_id, action, detail, created_at)
    SELECT id, action, detail, created_at + interval '1 hour'
      FROM (SELECT id, created_at, random() AS r FROM conversations_conversation) AS c
     CROSS JOIN LATERAL (VALUES
           ('handoff', 'Bot replies → Agent handles (agent replied)', r < 0.12),
           ('manual_on', '', r BETWEEN 0.5 AND 0.53),
           ('draft_created', '', r BETWEEN 0.6 AND 0.8)
     ) AS entry(action, detail, wanted)
     WHERE wanted
     ORDER BY created_at
    """,
    # Agents' decisions on drafts: 60 % sent as written, 25 % edited, 15 % discarded.
    """
    INSERT INTO conversations_draftreview
        (conversation_id, outcome, original_draft, sent_text, edited, reviewed_at)
    SELECT id, CASE WHEN r < 0.85 THEN 'approved' ELSE 'discarded' END, 'Hi!', 'Hi!',
           r BETWEEN 0.6 AND 0.85, created_at + interval '2 hours'
      FROM (SELECT id, created_at, random() AS r FROM conversations_conversation
             WHERE id % 5 = 0) AS c
     ORDER BY created_at
    """,
]


def generate(database_url: str, leads: int, per_lead: int) -> dict[str, int]:
    import psycopg

    counts = {}
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT setseed(0.16)")
        for statement in GENERATE:
            conn.execute(statement.format(days=DAYS, leads=leads, per_lead=per_lead))
        conn.execute("VACUUM ANALYZE")
        for table in (
            "conversations_conversation",
            "profiles_clientprofile",
            "conversations_message",
            "conversations_conversationlog",
            "conversations_draftreview",
        ):
            counts[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
    return counts


def use_production_settings(database_url: str, time_zone: str) -> None:
    """This process becomes a production web process (botproject.settings, DEBUG off)."""
    for name in [name for name in os.environ if name.startswith(OWN_PREFIXES)]:
        del os.environ[name]
    env = production_env(database_url, TIME_ZONE=time_zone)
    os.environ.update({**env, "DJANGO_SETTINGS_MODULE": "botproject.settings"})
    # WhiteNoise's note that collectstatic has not run: expected here, see the docstring.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()


def measure_page(client, url: str, renders: int) -> tuple[list[float], int]:
    """Milliseconds per render (after two warm-ups) and the queries of one render."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        client.get(url, secure=True)
    # Counted inside a transaction, where the page runs every query on this one connection
    # (outside one the messages query runs beside the others, on a second connection).
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        response = client.get(url, secure=True)
    # Counted now: the next request clears the connection's log that `queries` reads.
    query_count = len(queries)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    timings = []
    for _ in range(renders):
        started = time.perf_counter()
        client.get(url, secure=True)
        timings.append((time.perf_counter() - started) * 1000)
    return timings, query_count


def measure_widgets(renders: int) -> dict[str, float]:
    """p50 ms of each query alone, for the default range."""
    from conversations.selectors import analytics

    span = analytics.DayRange.last_days(30)
    widgets = {
        "new conversations + completed (the view)": analytics.new_conversations_and_completions,
        "completion, missing fields, handed over": analytics.lead_cohorts,
        "time to complete (median)": analytics.time_to_complete,
        "draft reviews": analytics.draft_reviews,
        "messages in/out/failed": analytics.message_traffic,
    }
    medians = {}
    for name, widget in widgets.items():
        timings = []
        for _ in range(max(5, renders // 3)):
            started = time.perf_counter()
            widget(span)
            timings.append((time.perf_counter() - started) * 1000)
        medians[name] = statistics.median(timings)
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leads", type=int, default=100_000, help="conversations and profiles")
    parser.add_argument("--messages-per-lead", type=int, default=10)
    parser.add_argument("--renders", type=int, default=30, help="timed renders per range")
    parser.add_argument("--time-zone", default="UTC", help="the site's TIME_ZONE")
    add_database_option(parser, DEFAULT_DATABASE)
    args = parser.parse_args()
    require_local(args.database_url)

    started = time.perf_counter()
    recreate_database(args.database_url, production_env(args.database_url))
    counts = generate(args.database_url, args.leads, args.messages_per_lead)
    print(
        f"data: {counts['conversations_conversation']:,} conversations, "
        f"{counts['profiles_clientprofile']:,} profiles, "
        f"{counts['conversations_message']:,} messages, "
        f"{counts['conversations_conversationlog']:,} log rows, "
        f"{counts['conversations_draftreview']:,} draft reviews over {DAYS} days "
        f"(built and analyzed in {time.perf_counter() - started:.0f} s)"
    )

    use_production_settings(args.database_url, args.time_zone)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client, override_settings
    from django.urls import reverse

    from accounts.roles import VIEWER
    from conversations.selectors.analytics import DayRange

    viewer = get_user_model().objects.create_user("bench-viewer", is_staff=True)
    viewer.groups.add(Group.objects.get(name=VIEWER))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(viewer)
    url = reverse("analytics")
    wide = DayRange.last_days(DAYS)
    ranges = {
        "last 30 days (default)": url,
        f"last {DAYS} days": f"{url}?start={wide.first}&end={wide.last}",
    }
    unhashed = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES={**settings.STORAGES, **unhashed}):
        print(f"\n{'range':<24}{'renders':>8}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}  goal")
        for label, target in ranges.items():
            timings, queries = measure_page(client, target, args.renders)
            p95 = percentile(timings, 0.95)
            verdict = "met" if p95 < GOAL_P95_MS else "MISSED"
            print(
                f"{label:<24}{len(timings):>8}{statistics.median(timings):>9.1f}{p95:>9.1f}"
                f"{queries:>9}  p95 < {GOAL_P95_MS} ms: {verdict} ({p95:.0f} ms)"
            )
        print("\neach query alone, last 30 days, p50 ms:")
        for name, median in measure_widgets(args.renders).items():
            print(f"  {name:<40}{median:>8.1f}")
    # Other work on the machine inflates every figure above: say how busy it was.
    one, five, _ = os.getloadavg()
    cpus = os.cpu_count()
    print(f"\nload average while measuring: {one:.2f} (1 min), {five:.2f} (5 min), {cpus} CPUs")


if __name__ == "__main__":
    main()
