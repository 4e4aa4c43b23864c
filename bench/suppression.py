"""Suppression figures: a list import end to end (beside a bare COPY of the same file, the
ceiling, and django-import-export, the library a Django team would reach for), and a scrub
of a campaign list against millions of entries.

`run(...)` is self-contained: it makes its own files and data in the bench database and
returns `Figure`s with their goals and ceilings, for whatever report prints them. The
import runs in a child process (`python -m bench.suppression import FILE`), as a worker
would, so its peak RSS is the worker's own."""

import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid

from bench.report import Figure, verdict

GOAL_IMPORT_LINES_PER_SECOND = 100_000
GOAL_IMPORT_CEILING_RATIO = 0.5
GOAL_WORKER_RSS_MB = 250
GOAL_SCRUB_SECONDS = 15.0
IMPORT_EXPORT_LINES = 20_000
KNOWN_SHARE = 0.2  # of the import's lines: addresses of existing subjects


# --------------------------------------------------------------------------- data
def _fresh_subjects(count: int, run: str) -> list[str]:
    """`count` new subjects (addresses bench-imp-<run>-<n>@example.com), with a registration
    event each, made set-based: the import's known fifth must be people no list has touched."""
    from django.db import connection, transaction

    from consent.accounts.identity import email_digest

    addresses = [f"bench-imp-{run}-{n}@example.com" for n in range(count)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_new (digest bytea) ON COMMIT DROP")
        with cursor.connection.cursor() as pg, pg.copy("COPY bench_new (digest) FROM STDIN") as copy:
            for address in addresses:
                copy.write_row((email_digest(address),))
        cursor.execute(
            "INSERT INTO accounts_subject (id, email_digest, created_at) "
            "SELECT gen_random_uuid(), digest, now() FROM bench_new"
        )
    return addresses


def write_import_file(path: str, *, lines: int, known: list[str], run: str) -> None:
    """A CSV in a mail platform's shape: quoted header, address, name, a date; every fifth
    line an existing subject's address."""
    step = max(1, round(1 / KNOWN_SHARE))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Email Address", "First Name", "UNSUB_TIME"])
        k = 0
        for n in range(lines):
            if n % step == 0 and k < len(known):
                address, k = known[k], k + 1
            else:
                address = f"list-{run}-{n}@example.net"
            writer.writerow([address, "Alex", "2026-01-02 10:00:00"])


def ensure_entries(total: int) -> int:
    """At least `total` suppression entries (random digests, reused between runs)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM suppression_suppressionentry")
        have = cursor.fetchone()[0]
        if have < total:
            cursor.execute(
                """
                INSERT INTO suppression_suppressionentry
                       (identifier_digest, purpose, channel, reason, source, created_at, created_by, note)
                SELECT sha256(convert_to(gen_random_uuid()::text, 'UTF8')), NULL, NULL, 'import', 'bench scrub',
                       now(), 'bench', ''
                  FROM generate_series(1, %s) ON CONFLICT DO NOTHING
                """,
                [total - have],
            )
            cursor.execute("ANALYZE suppression_suppressionentry")
        cursor.execute("SELECT count(*) FROM suppression_suppressionentry")
        return cursor.fetchone()[0]


def write_scrub_file(path: str, *, lines: int, subjects: int) -> None:
    """Half the bench's subjects (their addresses bench<n>@example.com), half strangers."""
    from bench.data import email

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "segment"])
        for n in range(lines):
            address = email((n * 7919) % subjects) if n % 2 == 0 else f"prospect{n}@example.org"
            writer.writerow([address, "spring"])


# --------------------------------------------------------------------------- measurements
def ceiling_copy_seconds(path: str) -> float:
    """A bare COPY of the file into an unindexed table: the most PostgreSQL takes in."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy_ceiling")
        cursor.execute('CREATE TABLE bench_copy_ceiling ("Email Address" text, first_name text, unsub_time text)')
        before = time.perf_counter()
        with cursor.connection.cursor() as pg, open(path, "rb") as handle:
            with pg.copy("COPY bench_copy_ceiling FROM STDIN (FORMAT csv, HEADER true)") as copy:
                while block := handle.read(1 << 20):
                    copy.write(block)
        seconds = time.perf_counter() - before
        cursor.execute("DROP TABLE bench_copy_ceiling")
    return seconds


def entries_insert_seconds(lines: int) -> float:
    """`lines` new entries (digests made up in the database) INSERTed into a copy of the entry
    table with the same rows and indexes: what writing the rows alone costs the database. A
    copy, so that the entry table's indexes are not grown by rows that are then removed."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_floor_entries")
        cursor.execute("CREATE TABLE bench_floor_entries AS SELECT * FROM suppression_suppressionentry")
        cursor.execute(
            "ALTER TABLE bench_floor_entries ALTER COLUMN id SET NOT NULL, "
            "ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY"
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('bench_floor_entries', 'id'), max(id)) FROM bench_floor_entries"
        )
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'suppression_suppressionentry'")
        for (definition,) in cursor.fetchall():
            cursor.execute(
                re.sub(r"INDEX (\S+) ON (\S+)", r"INDEX \1_floor ON bench_floor_entries", definition, count=1)
            )
        cursor.execute(
            "CREATE TABLE bench_floor_digests AS SELECT sha256(convert_to('bench-floor-' || n, 'UTF8')) AS digest "
            "FROM generate_series(1, %s) n ORDER BY 1",
            [lines],
        )
        cursor.execute("VACUUM ANALYZE bench_floor_entries")
        cursor.execute("CHECKPOINT")
        before = time.perf_counter()
        cursor.execute(
            "INSERT INTO bench_floor_entries "
            "(identifier_digest, purpose, channel, reason, source, created_at, created_by, note) "
            "SELECT digest, NULL, NULL, 'import', 'bench floor', now(), 'bench', '' FROM bench_floor_digests"
        )
        seconds = time.perf_counter() - before
        cursor.execute("DROP TABLE bench_floor_entries, bench_floor_digests")
    return seconds


def import_in_worker(path: str) -> dict:
    """The import, upload to done, in a child process as a Celery worker runs it."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.suppression", "import", path],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"import child failed: {completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _child_import(path: str) -> None:
    import logging
    import resource

    import django

    django.setup()
    from django.core.files import File

    from consent.ledger.services import Actor
    from consent.suppression.import_run import suppression_import_run
    from consent.suppression.imports import suppression_import_create

    class Timings(logging.Handler):
        """The import's log line carries how long each step took."""

        steps: dict = {}

        def emit(self, log_record: logging.LogRecord) -> None:
            self.steps.update(getattr(log_record, "timings", {}))

    timings = Timings()
    run_logger = logging.getLogger("consent.suppression.import_run")
    run_logger.addHandler(timings)
    run_logger.setLevel(logging.INFO)
    before = time.perf_counter()
    with open(path, "rb") as handle:
        record, _created = suppression_import_create(
            upload=File(handle, name=os.path.basename(path)),
            file_name=os.path.basename(path),
            actor=Actor.system("bench"),
            schedule=False,
        )
    record = suppression_import_run(import_id=record.pk)
    seconds = time.perf_counter() - before
    print(
        json.dumps(
            {
                "seconds": seconds,
                "status": record.status,
                "message": record.message,
                "rows": record.rows_read,
                "added": record.added,
                "already_present": record.already_present,
                "rejected": record.rejected,
                "withdrawals": record.withdrawals,
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "timings": timings.steps,
            }
        )
    )


def import_export_seconds(path: str, lines: int) -> float:
    """django-import-export (defaults: a row at a time, a lookup per row) on the first `lines`
    lines of the same file, into the same table. It writes no ledger events."""
    import tablib
    from import_export import fields, resources, widgets

    from consent.accounts.identity import email_digest
    from consent.suppression.models import SuppressionEntry

    class HexWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return bytes.fromhex(value)

        def render(self, value, obj=None, **kwargs):
            return bytes(value).hex() if value else ""

    class EntryResource(resources.ModelResource):
        identifier_digest = fields.Field(attribute="identifier_digest", column_name="identifier_digest",
                                         widget=HexWidget())  # fmt: skip

        class Meta:
            model = SuppressionEntry
            fields = ("identifier_digest", "reason", "source")
            import_id_fields = ("identifier_digest",)

        def before_import_row(self, row, **kwargs):
            row["identifier_digest"] = email_digest(row["Email Address"]).hex()
            row["reason"] = "import"
            row["source"] = "django-import-export"

    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [row for _n, row in zip(range(lines), reader, strict=False)]
    # Addresses no entry has yet, so every row is an insert, as in our import.
    rows = [[f"iex-{uuid.uuid4().hex[:12]}-{row[0]}", *row[1:], "", "", ""] for row in rows]
    dataset = tablib.Dataset(*rows, headers=[*header, "identifier_digest", "reason", "source"])
    before = time.perf_counter()
    result = EntryResource().import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - before
    if result.has_errors():
        raise RuntimeError("django-import-export reported errors")
    return seconds


def scrub_seconds(path: str) -> tuple[float, object]:
    from consent.decisions.scrub import scrub_file

    with open(path, "rb") as source, tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as output:
        before = time.perf_counter()
        result = scrub_file(purpose="marketing_own", channel="email", source=source, output=output)
        return time.perf_counter() - before, result


def scrub_ceiling_seconds(path: str) -> float:
    """The database's share of a scrub at its barest: the file COPYed into an unindexed
    table, anti-joined once against the entries on an unkeyed SHA-256 of each address,
    and the rows left COPYed back out. No key, no consent facts, no decision."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_scrub_ceiling")
        cursor.execute("CREATE TABLE bench_scrub_ceiling (email text, segment text)")
        before = time.perf_counter()
        with cursor.connection.cursor() as pg:
            with (
                open(path, "rb") as handle,
                pg.copy("COPY bench_scrub_ceiling FROM STDIN (FORMAT csv, HEADER true)") as copy,
            ):
                while block := handle.read(1 << 20):
                    copy.write(block)
            with pg.copy(
                "COPY (SELECT c.* FROM bench_scrub_ceiling c WHERE NOT EXISTS (SELECT FROM suppression_suppressionentry e"
                " WHERE e.identifier_digest = sha256(convert_to(c.email, 'UTF8')))) TO STDOUT (FORMAT csv)"
            ) as copy:
                for _block in copy:
                    pass
        seconds = time.perf_counter() - before
        cursor.execute("DROP TABLE bench_scrub_ceiling")
    return seconds


# --------------------------------------------------------------------------- the run
def import_figures(directory: str, *, import_lines: int, run_id: str, import_export_lines: int) -> list[Figure]:
    path = os.path.join(directory, f"suppressions-{run_id}.csv")
    known = _fresh_subjects(int(import_lines * KNOWN_SHARE), run_id)
    write_import_file(path, lines=import_lines, known=known, run=run_id)
    size_mb = os.path.getsize(path) / 1e6

    ceiling = ceiling_copy_seconds(path)
    outcome = import_in_worker(path)
    if outcome["status"] != "done":
        raise RuntimeError(f"import {outcome['status']}: {outcome['message']}")
    # After the import: the floor's gigabyte of WAL would still be checkpointing during it.
    floor = entries_insert_seconds(import_lines)
    rate, ceiling_rate = outcome["rows"] / outcome["seconds"], import_lines / ceiling
    ratio = rate / ceiling_rate
    iex_lines = min(import_export_lines, import_lines)
    figures = [
        Figure(
            f"Suppression import, {import_lines:,} lines ({size_mb:.0f} MB), end to end",
            f"{rate:,.0f} lines/s",
            f"{ceiling_rate:,.0f} lines/s",
            f"{ratio:.2f}x",
            f">= {GOAL_IMPORT_CEILING_RATIO}x and >= {GOAL_IMPORT_LINES_PER_SECOND:,} /s",
            verdict(ratio >= GOAL_IMPORT_CEILING_RATIO and rate >= GOAL_IMPORT_LINES_PER_SECOND),
            f"{outcome['seconds']:.1f} s; {outcome['added']:,} added, {outcome['withdrawals']:,} withdrawal events "
            f"for {len(known):,} known people; ceiling: a bare COPY of the file into an unindexed table, "
            f"{ceiling:.2f} s",
        ),
        Figure(
            "  floor: as many new entries INSERTed alone",
            f"{import_lines / floor:,.0f} lines/s",
            note=f"{floor:.1f} s: rows the import must add, written by one bare INSERT … SELECT into a copy of "
            "the entry table, its rows and indexes (no conflict check, no ledger)",
        ),
        Figure(
            "  the import's steps",
            f"{sum(outcome['timings'].values()):.1f} s",
            note="; ".join(f"{step} {seconds:.1f} s" for step, seconds in outcome["timings"].items()),
        ),
        Figure(
            "  worker peak RSS",
            f"{outcome['rss_mb']:.0f} MB",
            goal=f"<= {GOAL_WORKER_RSS_MB} MB",
            verdict=verdict(outcome["rss_mb"] <= GOAL_WORKER_RSS_MB),
        ),
    ]
    if iex_lines:
        iex = import_export_seconds(path, iex_lines)
        figures.append(
            Figure(
                f"  django-import-export, {iex_lines:,} lines of the same file",
                f"{iex_lines / iex:,.0f} lines/s",
                note=f"{iex:.1f} s, no ledger events; ours is {rate * iex / iex_lines:,.0f}x faster",
            )
        )
    return figures


def run(
    *,
    import_lines: int,
    scrub_lines: int,
    scrub_entries: int,
    subjects: int,
    import_export_lines: int = IMPORT_EXPORT_LINES,
) -> list[Figure]:
    run_id = uuid.uuid4().hex[:8]
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-suppression-") as directory:
        if import_lines:
            figures += import_figures(
                directory, import_lines=import_lines, run_id=run_id, import_export_lines=import_export_lines
            )
        if not scrub_lines:
            return figures

        scrub_path = os.path.join(directory, "campaign.csv")
        write_scrub_file(scrub_path, lines=scrub_lines, subjects=subjects)
        entries = ensure_entries(scrub_entries)
        ceiling = scrub_ceiling_seconds(scrub_path)
        seconds, result = scrub_seconds(scrub_path)
        figures += [
            Figure(
                f"Scrub of {scrub_lines:,} addresses against {entries:,} entries",
                f"{seconds:.1f} s",
                f"{ceiling:.1f} s",
                f"{seconds / ceiling:.1f}x",
                goal=f"<= {GOAL_SCRUB_SECONDS:.0f} s",
                verdict=verdict(seconds <= GOAL_SCRUB_SECONDS),
                note=f"{result.deliverable:,} deliverable; left out: "
                + ", ".join(f"{reason} {count:,}" for reason, count in result.excluded.items() if count)
                + "; ceiling: the file COPYed in, anti-joined once against the entries on an unkeyed SHA-256, "
                "the rest COPYed out",
            ),
            Figure(
                "  the scrub's steps",
                f"{sum(result.steps.values()):.1f} s",
                note="; ".join(f"{step} {seconds:.1f} s" for step, seconds in result.steps.items()),
            ),
        ]
    return figures


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "import":
        _child_import(sys.argv[2])
