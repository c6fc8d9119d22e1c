"""Legacy import speed and memory, against a raw COPY of the same rows measured in the same run.

Builds a legacy bot database (the contract's full layout, ../shared/legacy/schema.sql) of N
messages over N/20 phone numbers (leads write in sessions: ~200 conversations interleave at
any moment, in time order, as in a bot's real history), with the contract's quirks sprinkled
in: phones with '+', spaces and dashes, every timestamp shape (text, isoformat with offsets,
INTEGER and REAL epochs, NULL, '', garbage), booleans spelled 'true'/'False', invalid
emails, 'assistant' and 'agent' senders and a few unknown ones, whatsapp_ids stored twice,
Arabic, emoji, NULs and texts over 4096 characters, profiles without messages and messages
without profile.

Then, on a fresh PostgreSQL database (created and migrated here):

1. raw COPY: stream every legacy table's rows (the rows the import reads) from the SQLite
   file and COPY them, untouched, into bare tables (no index, no constraint, one
   transaction each): the speed of light;
2. import: `manage.py import_legacy_db` in a child process, as an operator runs it (DEBUG
   off), whose peak RSS is its own high-water mark (VmHWM) plus that of the process it
   starts to read the file, read while they run;
3. floor: the imported message rows COPYed, in binary and with no Python in the loop, into a
   clone of conversations_message (same indexes, constraints and foreign key): what writing
   into the live table costs per row, the floor of `--online`; a first import's bulk load
   builds those indexes and the foreign key once at the end instead.

Prints rows/s for both (rows of every table per second of wall time; the import's time
also covers the index builds and the final pass over conversations), the ratio, the
messages' floor against their own raw COPY, the import's peak RSS and its summary, then
checks that no message was doubled or left for the bot to answer.

    .venv/bin/python bench/import_legacy.py [--messages 1000000] [--batch-size 10000] [--online]

(`--online` measures the import's `--online` path: batch by batch into the live indexes.)

Goal (issue #6): import >= 25 % of the raw COPY's rows/s, peak RSS < 300 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT.parent / "shared" / "legacy" / "schema.sql"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/botproject_legacy_bench"
IMPORT_TIMEOUT_SECONDS = 3600
ACTIVE_LEADS = 200
BASE_EPOCH = 1_704_067_200  # 2024-01-01 00:00:00 UTC
NAMES = ["Ana", "José", "Zoë", "Łukasz", "Aisha", "عائشة", "محمد", "Renée", "Chloé", "Mei 美"]
TEXTS = [
    "Hola, ¿cuánto cuesta el plan anual?",
    "Hi! I'd like to know more about your product",
    "مرحبا، أريد معرفة الأسعار من فضلك",
    "Ça marche, merci beaucoup 🙏",
    "ok 👍",
    "Mi correo es ana@example.com y trabajo en Acme",
    "Can someone call me back tomorrow morning?",
    "Perfecto, quedo atento 🚀🇲🇽",
]


def timestamp_shape(epoch: float, rng: random.Random):
    """One legacy timestamp, in the shape mix real copies show."""
    roll = rng.random()
    if roll < 0.70:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))
    if roll < 0.80:
        return (
            time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{rng.randrange(10**6):06d}"
        )
    if roll < 0.88:
        return time.strftime("%Y-%m-%dT%H:%M:%S+02:00", time.gmtime(epoch + 7200))
    if roll < 0.94:
        return int(epoch)
    if roll < 0.98:
        return epoch + 0.25
    if roll < 0.99:
        return None
    if roll < 0.995:
        return ""
    return "yesterday-ish"


def spelled(wa_id: str, rng: random.Random) -> str:
    """Hand-edited rows: the same number with '+', spaces or dashes."""
    roll = rng.random()
    if roll < 0.97:
        return wa_id
    if roll < 0.98:
        return f"+{wa_id}"
    if roll < 0.99:
        return f"+{wa_id[:2]} {wa_id[2:3]} {wa_id[3:5]} {wa_id[5:9]} {wa_id[9:]}"
    return f"{wa_id[:2]}-{wa_id[2:5]}-{wa_id[5:]}"


def build_legacy_database(path: Path, messages: int, seed: int = 6) -> dict[str, int]:
    rng = random.Random(seed)
    connection = sqlite3.connect(path)
    connection.executescript(CONTRACT.read_text())
    phones = [str(5215500000000 + i) for i in range(max(1, messages // 20))]
    counts = {"messages": messages}

    conversations = []
    for i, wa_id in enumerate(phones):
        if i % 50 == 7:
            continue  # known only from messages
        created = BASE_EPOCH + i * 30
        conversations.append(
            (spelled(wa_id, rng), f"thread_{i:08x}", timestamp_shape(created, rng))
        )
        if i % 200 == 3:  # a second row for the same number, spelled differently
            spelling = f"{wa_id[:2]} {wa_id[2:]}"  # never one of spelled()'s forms
            conversations.append((spelling, "", timestamp_shape(created - 3600, rng)))
    connection.executemany(
        "INSERT INTO conversations (phone_number, conversation_id, created_at) VALUES (?, ?, ?)",
        conversations,
    )
    counts["conversations"] = len(conversations)

    profiles = []
    for i, wa_id in enumerate(phones):
        if i % 5 == 4:
            continue  # no profile
        name = NAMES[i % len(NAMES)]
        email = (f"lead{i}@example.com", "not-an-email", None, f"Lead{i}@Example.COM ")[i % 4]
        profiles.append(
            (
                wa_id,
                name,
                ("López", "", "Núñez", None)[i % 4],
                ("Acme", "Hilos SA", "", "Ωmega")[i % 4],
                email,
                (0, 1, "true", "False", None)[i % 5],
                rng.choice((0, 1, "True")),  # completion_status: ignored, recomputed
                timestamp_shape(BASE_EPOCH + i * 30, rng),
            )
        )
    # A profile with no messages and no conversation row.
    profiles.append(("+34 600 111 222", "Carla", "", "", "carla@example.com", 0, 1, None))
    connection.executemany(
        "INSERT INTO client_profiles (phone_number, name, last_name, company, email, "
        "manual_mode, completion_status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        profiles,
    )
    counts["client_profiles"] = len(profiles)

    batch, processed, last_wamid = [], [], None
    for n in range(messages):
        # Leads write in sessions: at any moment ~ACTIVE_LEADS conversations interleave, and
        # each lead's ~20 messages fall within a window of the history, not all over it.
        around = n * len(phones) // messages + rng.randrange(-ACTIVE_LEADS // 2, ACTIVE_LEADS // 2)
        wa_id = phones[min(max(around, 0), len(phones) - 1)]
        epoch = BASE_EPOCH + 86_400 + n * 3
        roll = rng.random()
        if n % 2 == 0:
            sender = "user"
        elif roll < 0.90:
            sender = "bot"
        elif roll < 0.97:
            sender = "assistant"
        elif roll < 0.9995:
            sender = "agent"
        else:
            sender = "system"  # unknown: reported, not imported
        text = TEXTS[n % len(TEXTS)]
        if n % 1000 == 17:
            text = "long " + "x" * 5000
        elif n % 5000 == 11:
            text = "NUL\x00inside"
        wamid = None
        if sender == "user":
            if last_wamid and rng.random() < 0.005:
                wamid = last_wamid  # the old bot stored a webhook retry twice
            else:
                wamid = f"wamid.HBgN{wa_id}FQIAEhgU{n:012d}{rng.getrandbits(40):010X}"
                processed.append((wamid, timestamp_shape(epoch + 1, rng)))
            last_wamid = wamid
        batch.append(
            (spelled(wa_id, rng), text, sender, timestamp_shape(epoch, rng), "text", wamid)
        )
        if len(batch) == 50_000:
            connection.executemany(
                "INSERT INTO messages (phone_number, message_text, sender, timestamp, "
                "message_type, whatsapp_id) VALUES (?, ?, ?, ?, ?, ?)",
                batch,
            )
            batch.clear()
    if batch:
        connection.executemany(
            "INSERT INTO messages (phone_number, message_text, sender, timestamp, "
            "message_type, whatsapp_id) VALUES (?, ?, ?, ?, ?, ?)",
            batch,
        )
    connection.executemany(
        "INSERT INTO processed_messages (whatsapp_id, processed_at) VALUES (?, ?)", processed
    )
    counts["processed_messages"] = len(processed)
    connection.commit()
    connection.close()
    return counts


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def checkpoint(url: str) -> None:
    """Flush what the previous step wrote, so that no step pays for another's checkpoint."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CHECKPOINT")


def child_env(url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DEBUG", "DATABASE", "LOG_LEVEL", "DB_POOL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="botproject.settings",
        DEBUG="false",
        SECRET_KEY="bench-" + "x" * 50,
        DATABASE_URL=url,
        PYTHONPATH=str(ROOT),
    )
    return env


LEGACY_TABLES = ("conversations", "client_profiles", "messages", "processed_messages")


def raw_copy(legacy: Path, url: str) -> dict[str, tuple[int, float]]:
    """Per legacy table, (rows, seconds) to stream its rows from SQLite and COPY them, as
    they are, into a bare table (no index, no constraint): the speed of light for moving
    the rows the import reads."""
    import psycopg

    source = sqlite3.connect(f"file:{legacy}?mode=ro", uri=True)
    timings = {}
    with psycopg.connect(url) as connection:
        for table in LEGACY_TABLES:
            columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
            bare = f"bench_raw_{table}"
            connection.execute(f"CREATE TABLE {bare} ({', '.join(f'{c} text' for c in columns)})")
            connection.commit()
            started = time.perf_counter()
            rows = source.execute(
                f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid"  # noqa: S608 - ours
            )
            count = 0
            with connection.cursor() as cursor, cursor.copy(f"COPY {bare} FROM STDIN") as copy:
                while batch := rows.fetchmany(10_000):
                    count += len(batch)
                    for row in batch:
                        # COPY's text format takes the values as they are; NULs cannot travel.
                        copy.write_row(
                            [v.replace("\x00", "") if isinstance(v, str) else v for v in row]
                        )
            connection.commit()
            timings[table] = (count, time.perf_counter() - started)
            connection.execute(f"DROP TABLE {bare}")
            connection.commit()
    source.close()
    return timings


def floor_copy(url: str) -> float:
    """Seconds PostgreSQL alone needs to insert the imported message rows into a clone of
    conversations_message: same columns, indexes, constraints and foreign key, one binary
    COPY, no Python in the loop: what the schema costs a row written into the live table
    (the --online path), whatever the importer does in Python."""
    import psycopg

    with psycopg.connect(url) as connection, tempfile.TemporaryFile() as dump:
        connection.execute("CREATE TABLE bench_floor (LIKE conversations_message INCLUDING ALL)")
        connection.execute(
            "ALTER TABLE bench_floor ADD FOREIGN KEY (conversation_id) "
            "REFERENCES conversations_conversation (id) DEFERRABLE INITIALLY DEFERRED"
        )
        connection.commit()
        with (
            connection.cursor() as cursor,
            cursor.copy(
                "COPY (SELECT * FROM conversations_message ORDER BY id) TO STDOUT (FORMAT binary)"
            ) as copy,
        ):
            for data in copy:
                dump.write(data)
        connection.commit()
        dump.seek(0)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            with cursor.copy("COPY bench_floor FROM STDIN (FORMAT binary)") as copy:
                while chunk := dump.read(1 << 20):
                    copy.write(chunk)
        connection.commit()  # the deferred foreign-key checks run here, and are counted
        elapsed = time.perf_counter() - started
        connection.execute("DROP TABLE bench_floor")
        connection.commit()
    return elapsed


def high_water_rss(pid: int) -> int:
    """A running process's peak resident memory so far, in bytes (0 once it is gone).

    Not wait4's ru_maxrss: Linux carries the parent's high-water mark over a fork and exec
    into it, so a child of this script (which holds the legacy rows it just generated)
    would be reported at least as large as the script itself.
    """
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """A process's children, theirs, and so on (the import's line reader)."""
    found = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            pids = [int(child) for child in children.read_text().split()]
        except OSError:
            continue
        for child in pids:
            found += [child, *descendants(child)]
    return found


def run_import(
    legacy: Path, url: str, batch_size: int, *, online: bool = False
) -> tuple[float, int, str, str, int]:
    """(seconds, peak RSS in bytes, stdout, stderr, exit status) of the import command; the
    peak RSS adds up the peaks of the command and of the processes it starts."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "import_legacy_db",
                str(legacy),
                "--batch-size",
                str(batch_size),
                *(["--online"] if online else []),
            ],
            cwd=ROOT,
            env=child_env(url),
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        deadline = started + IMPORT_TIMEOUT_SECONDS
        peaks: dict[int, int] = {}  # each process's own high-water mark
        try:
            while True:
                for pid in [child.pid, *descendants(child.pid)]:
                    peaks[pid] = max(peaks.get(pid, 0), high_water_rss(pid))
                pid, status, usage = os.wait4(child.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    os.killpg(child.pid, signal.SIGKILL)
                    raise SystemExit("the import did not finish in time")
                time.sleep(0.05)
        except BaseException:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
            raise
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (
            elapsed,
            # the processes' peaks added up: at least their peak together
            sum(peaks.values()) or usage.ru_maxrss * 1024,  # kilobytes on Linux
            out.read().decode(),
            err.read().decode(),
            child.returncode,
        )


def check_database(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as connection:
        one = lambda sql: connection.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "messages": one("SELECT count(*) FROM conversations_message"),
            "doubled wamids": one(
                "SELECT count(*) FROM (SELECT wamid FROM conversations_message "
                "WHERE wamid IS NOT NULL GROUP BY wamid HAVING count(*) > 1) AS d"
            ),
            "conversations": one("SELECT count(*) FROM conversations_conversation"),
            "profiles": one("SELECT count(*) FROM profiles_clientprofile"),
            "processed": one("SELECT count(*) FROM webhooks_processedmessage"),
            "answerable": one("SELECT count(*) FROM conversations_message WHERE reply_state <> ''"),
            "legacy messages without digest": one(
                "SELECT count(*) FROM conversations_message "
                "WHERE legacy_id IS NOT NULL AND legacy_digest IS NULL"
            ),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument(
        "--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    )
    parser.add_argument(
        "--online",
        action="store_true",
        help="import with --online (batch by batch into the live tables, no bulk load)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()
    if urlsplit(args.database).hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit("the benchmark only runs against a local PostgreSQL (127.0.0.1)")

    with tempfile.TemporaryDirectory(prefix="legacy-bench-") as workdir:
        legacy = Path(workdir) / "whatsapp_bot.db"
        started = time.perf_counter()
        counts = build_legacy_database(legacy, args.messages)
        size = legacy.stat().st_size / 2**20
        print(
            f"legacy database: {counts['messages']:,} messages over {args.messages // 20:,} "
            f"phones, {counts['conversations']:,} conversations, "
            f"{counts['client_profiles']:,} profiles, {counts['processed_messages']:,} processed "
            f"({size:,.0f} MB, built in {time.perf_counter() - started:.0f} s)"
        )
        recreate_database(args.database)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v", "0"],
            cwd=ROOT,
            env=child_env(args.database),
            check=True,
            timeout=600,
        )
        try:
            checkpoint(args.database)
            raw = raw_copy(legacy, args.database)
            checkpoint(args.database)
            seconds, peak_rss, stdout, stderr, status = run_import(
                legacy, args.database, args.batch_size, online=args.online
            )
            if status != 0:
                print(stderr[-3000:])
                raise SystemExit(f"the import failed with status {status}")
            found = check_database(args.database)
            checkpoint(args.database)
            floor = floor_copy(args.database)
        finally:
            if not args.keep:
                drop_database(args.database)

    rows = sum(count for count, _ in raw.values())
    baseline = sum(seconds for _, seconds in raw.values())
    raw_rate = rows / baseline
    import_rate = rows / seconds
    print(f"rows read from the legacy file: {rows:,} (every table)")
    print(f"raw COPY (SQLite -> bare tables): {baseline:7.1f} s  {raw_rate:>9,.0f} rows/s")
    print(f"import_legacy_db (every table):   {seconds:7.1f} s  {import_rate:>9,.0f} rows/s")
    print(f"ratio: {import_rate / raw_rate:.1%} of raw COPY (goal >= 25 %)")
    messages, raw_messages = raw["messages"]
    floor_rate = found["messages"] / floor
    raw_messages_rate = messages / raw_messages
    print(
        f"floor (messages only: their raw COPY {raw_messages:.1f} s, {raw_messages_rate:,.0f} "
        f"rows/s; into a clone of the message table with its indexes and foreign key, no "
        f"Python: {floor:.1f} s, {floor_rate:,.0f} rows/s = {floor_rate / raw_messages_rate:.1%})"
    )
    print(f"import peak RSS: {peak_rss / 2**20:.0f} MB with its reader process (goal < 300 MB)")
    phases = [line for line in stderr.splitlines() if ": done," in line]
    print("phases: " + "; ".join(re.sub(r": done, ", ": ", line) for line in phases))
    print()
    print(stdout)
    print()
    print("in PostgreSQL: " + ", ".join(f"{k} {v:,}" for k, v in found.items()))
    if found["doubled wamids"] or found["answerable"] or found["legacy messages without digest"]:
        raise SystemExit(
            "FAILED: a message was doubled, left for the bot to answer or imported without "
            "its identity"
        )


if __name__ == "__main__":
    main()
