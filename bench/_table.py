"""The one table bench/webhook_ingest.py prints: every server's bare view and webhook side by side.

Ratios are to the fastest bare view of the run, the ceiling any server reached here; the goals
column checks issue 15's point 3 for each server, so the winner can be read off one line.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_SHARE_OF_FASTEST_BARE = 0.50
GOAL_P99_MS = 100
GOAL_P50_MS = 25
GOAL_TIMES_DAPHNE = 5

HEAD = (
    f"{'server':<17}{'endpoint':<9}{'req/s':>7}{'p50 ms':>8}{'p99 ms':>8}"
    f"{'server':>8}{'pg':>6}{'client':>7}{'/best':>7}{'wh/bare':>8}{'lost':>6}{'dbl':>5}"
    "  goals missed / other statuses"
)


def goals_missed(run, fastest_bare: float, daphne_bare: float | None) -> list[str]:
    """The issue's point 3 goals this server misses (none: it could be the chosen one)."""
    missed = []
    if run.webhook.rps < GOAL_SHARE_OF_FASTEST_BARE * fastest_bare:
        missed.append(f"webhook<{GOAL_SHARE_OF_FASTEST_BARE:.0%} best")
    if run.webhook.ms(0.99) >= GOAL_P99_MS:
        missed.append(f"p99>={GOAL_P99_MS}")
    if run.webhook.ms(0.5) >= GOAL_P50_MS:
        missed.append(f"p50>={GOAL_P50_MS}")
    if run.lost or run.doubled:
        missed.append("lost/doubled")
    if daphne_bare is None:
        missed.append("x5 daphne: not run")
    elif run.bare.rps < GOAL_TIMES_DAPHNE * daphne_bare:
        missed.append(f"bare<{GOAL_TIMES_DAPHNE}x daphne")
    return missed


def row(label: str, endpoint: str, figures, fastest_bare: float) -> str:
    return (
        f"{label:<17}{endpoint:<9}{figures.rps:>7.0f}{figures.ms(0.5):>8.1f}{figures.ms(0.99):>8.1f}"
        f"{figures.cpu_ms('server'):>8.2f}{figures.cpu_ms('postgres'):>6.2f}"
        f"{figures.cpu_ms('client'):>7.2f}{figures.rps / fastest_bare:>7.2f}"
    )


def other_statuses(figures) -> str:
    others = {code: n for code, n in figures.statuses.items() if code != 200}
    return f"  non-200: {others}" if others else ""


def print_report(runs: list, proxied_client: str) -> None:
    measured = [run for run in runs if not run.error]
    fastest_bare = max((run.bare.rps for run in measured), default=0.0) or float("nan")
    daphne = next((run for run in measured if run.name == "daphne"), None)
    daphne_bare = daphne.bare.rps if daphne else None
    print(f"{'':<41}{'CPU ms/request':^21}{'ratio':^15}")
    print(HEAD)
    for run in runs:
        label = f"{run.name} x{run.processes}"
        if run.error:
            print(f"{label:<17}failed: {run.error}")
            continue
        print(row(label, "bare", run.bare, fastest_bare) + other_statuses(run.bare))
        missed = goals_missed(run, fastest_bare, daphne_bare)
        print(
            row("", "webhook", run.webhook, fastest_bare)
            + f"{run.webhook.rps / run.bare.rps:>8.2f}{run.lost:>6}{run.doubled:>5}  "
            + (", ".join(missed) or "all met")
            + other_statuses(run.webhook)
        )
    print(
        "server/pg/client: CPU of the server's whole process tree, of the Postgres backends, of "
        "the load generator; /best: req/s over the fastest bare view; wh/bare: webhook over the "
        f"same server's bare view. Goals: webhook >= {GOAL_SHARE_OF_FASTEST_BARE:.0%} of the "
        f"fastest bare, p99 < {GOAL_P99_MS} ms, p50 < {GOAL_P50_MS} ms, 0 lost or doubled, "
        f"bare >= {GOAL_TIMES_DAPHNE}x daphne's."
    )
    for run in runs:
        seen = run.client_seen
        trusted = "trusted" if seen == proxied_client else f"NOT trusted (Django saw {seen!r})"
        print(f"  {run.name}: X-Forwarded-* {trusted if seen else 'not checked'}")
        print(f"    {' '.join(run.command).replace(str(ROOT) + '/', '')}")
