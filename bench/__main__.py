"""`python -m bench` (`make bench`): see bench/README.md.

Run from the Makefile it starts in the developer's environment, makes sure the bench
database exists, and runs itself again against that database with production settings."""

import argparse
import base64
import os
import secrets
import sys

CHILD_ENV = "BENCH_CHILD"
# The bench database's digests are made with this key, whatever the developer's is: the
# data is reusable across runs, and a non-development key lets the bench run with DEBUG off.
BENCH_IDENTITY_HASH_KEY = "bench-identity-hash-key-for-generated-data-only"
WRITE_PROCESSES = 4

# Goals are ratios to a ceiling measured in the same run, on the same machine: absolute
# figures do not travel between machines, ratios do. Absolute figures are printed too.
GOAL_WRITE_RATIO = 0.5  # consent_record events/s ÷ bare INSERT + COMMIT /s, same 4 connections
GOAL_BATCH_RATIO = 1.5  # batch check time ÷ one bare query's 10,000 hash probes (at most)
GOAL_HTTP_RATIO = 0.8  # single check req/s ÷ one-SELECT endpoint req/s
GOAL_HTTP_P99_RATIO = 2.0  # single check p99 ÷ the one-SELECT endpoint's p99 (at most)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Performance figures on a generated database.")
    parser.add_argument("--subjects", type=int, default=1_000_000, help="subjects in the data set (default 1,000,000)")
    parser.add_argument("--events", type=int, default=5_000_000, help="events in the data set (default 5,000,000)")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the data set even if it is big enough")
    parser.add_argument("--skip-http", action="store_true", help="skip the gunicorn/wrk measurements")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument(
        "--record-events", type=int, default=8000, help="events written in the write test (default 8,000)"
    )
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the 10,000-identifier check")
    parser.add_argument(
        "--import-lines",
        type=int,
        default=1_000_000,
        help="lines of the suppression import (default 1,000,000; 0 skips)",
    )
    parser.add_argument(
        "--scrub-lines", type=int, default=1_000_000, help="addresses in the scrubbed list (default 1,000,000)"
    )
    parser.add_argument(
        "--scrub-entries", type=int, default=5_000_000, help="suppression entries scrubbed against (default 5,000,000)"
    )
    parser.add_argument(
        "--import-export-lines",
        type=int,
        default=20_000,
        help="lines django-import-export imports beside ours (default 20,000; 0 skips)",
    )
    parser.add_argument(
        "--only-check", action="store_true", help="only the batch check's and the single HTTP check's figures"
    )
    parser.add_argument(
        "--only-writes", action="store_true", help="only the write test's figures (events/s and their ceiling)"
    )
    parser.add_argument("--only-suppression", action="store_true", help="only the suppression figures")
    parser.add_argument("--only-banner", action="store_true", help="only the cookie banner's HTTP figures")
    parser.add_argument("--only-admin", action="store_true", help="only the back office's page times")
    parser.add_argument(
        "--only-outbox", action="store_true", help="only the outbox's and the policy notice run's figures"
    )
    parser.add_argument(
        "--outbox-messages", type=int, default=2000, help="emails per outbox delivery run (default 2,000; 0 skips)"
    )
    parser.add_argument(
        "--registrations", type=int, default=20, help="registrations timed to their confirmation (default 20)"
    )
    parser.add_argument(
        "--notice-users", type=int, default=5000, help="users of the policy notice run (default 5,000; 0 skips)"
    )
    args = parser.parse_args(argv)
    if args.subjects < 1000:
        parser.error("--subjects must be at least 1,000")
    if args.events < args.subjects:
        parser.error("--events must be at least --subjects (every subject has a registration event)")
    if args.duration < 1 or args.record_events < WRITE_PROCESSES:
        parser.error("--duration and --record-events must be positive")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if os.environ.get(CHILD_ENV) == "1":
        return run(args)
    return launch(argv)


def launch(argv: list[str]) -> int:
    """Create `<name>_bench` beside the developer's database and run the bench against it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    from bench import database

    default = settings.DATABASES["default"]
    name = database.bench_name(default["NAME"])
    created = database.create_if_missing(default, name)
    where = f"{default.get('HOST') or 'local socket'}:{default.get('PORT') or 5432}"
    print(f"Bench database {name} on {where}{' (created)' if created else ''}", flush=True)
    env = dict(os.environ)
    env.update(
        {
            CHILD_ENV: "1",
            "DATABASE_URL": database.bench_url(os.environ["DATABASE_URL"], name),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            # Measure what production runs: DEBUG off (no query log), production middleware.
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "IDENTITY_HASH_KEY": BENCH_IDENTITY_HASH_KEY,
            "LEDGER_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "EMAIL_URL": "consolemail://",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_LOG_LEVEL": "WARNING",
        }
    )
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", "bench", *argv], env)
    return 0  # not reached


def run(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import banner, check, data, notices, outbox, suppression, web, write
    from bench.report import print_figures

    call_command("migrate", interactive=False, verbosity=0)
    counts, generated_in = data.ensure(subjects=args.subjects, events=args.events, regenerate=args.regenerate)
    load_before = os.getloadavg()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    print(
        f"Data: {counts.subjects:,} subjects, {counts.events:,} events, {counts.states:,} current states, "
        f"{counts.suppressions:,} suppression entries (PostgreSQL {server_version}, database "
        f"{connection.settings_dict['NAME']})"
    )
    print(
        f"Data generation: {f'{generated_in:.1f} s' if generated_in is not None else 'reused (--regenerate to rebuild)'}"
    )

    if args.only_suppression:
        return run_suppression(args, suppression)
    if args.only_banner:
        print("Cookie banner over HTTP: config, a returning visitor's choices, a first visit's choices…", flush=True)
        print_figures(banner.figures(banner.run(duration=args.duration)))
        return 0
    if args.only_admin:
        return run_admin(args)
    if args.only_outbox:
        from bench.report import print_figures

        outbox_result, notice_result = run_outbox(args, outbox, notices)
        print_figures(
            (outbox.figures(outbox_result) if outbox_result else [])
            + (notices.figures(notice_result) if notice_result else [])
        )
        print(f"- machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} after the measurements")
        return 0

    if args.only_writes:
        written, inserted = run_writes(args, write)
        print_figures(write_figures(written, inserted))
        for label, result in (("write test", written), ("write ceiling", inserted)):
            if result.errors:
                print(f"- {label}: {result.errors:,} failed, first: {result.first_error}")
        print(
            f"- machine: {os.cpu_count()} CPUs, load average {load_before[0]:.2f} before the measurements, "
            f"{os.getloadavg()[0]:.2f} after"
        )
        return 0

    written = inserted = None
    if not args.only_check:
        written, inserted = run_writes(args, write)

    print("Batch check: 10,000 identifiers, warm-up + 5 runs…", flush=True)
    batch = check.run(subjects=args.subjects)
    explain = check.explain(subjects=args.subjects) if args.explain else ""

    http = None
    if not args.skip_http:
        print(
            f"HTTP: gunicorn ({web.WORKERS} workers) + wrk ({web.CONNECTIONS} connections, {args.duration} s runs)…",
            flush=True,
        )
        try:
            http = web.run(subjects=args.subjects, duration=args.duration)
        except Exception as exc:  # noqa: BLE001 - report the other figures all the same
            http = web.HttpResult(None, None, skipped=f"failed: {type(exc).__name__}: {exc}")

    if args.only_check:
        report(written, inserted, batch, http)
        print(
            f"- machine: {os.cpu_count()} CPUs, load average {load_before[0]:.2f} before the measurements, "
            f"{os.getloadavg()[0]:.2f} after"
        )
        if explain:
            print("\nEXPLAIN (ANALYZE, BUFFERS) of the decisions query, 10,000 identifiers:\n" + explain)
        return 0

    banner_result = None
    if not args.skip_http:
        print("Cookie banner over HTTP: config, a returning visitor's choices, a first visit's choices…", flush=True)
        try:
            banner_result = banner.run(duration=args.duration)
        except Exception as exc:  # noqa: BLE001 - report the other figures all the same
            banner_result = banner.BannerResult(skipped=f"failed: {type(exc).__name__}: {exc}")

    outbox_result, notice_result = run_outbox(args, outbox, notices)
    report(written, inserted, batch, http, outbox_result, banner_result, notice_result)
    run_suppression(args, suppression)
    run_admin(args)
    load_after = os.getloadavg()
    print(
        f"- machine: {os.cpu_count()} CPUs, load average {load_before[0]:.2f} before the measurements, {load_after[0]:.2f} after"
        " (anything else running on the machine shows up in these figures)"
    )
    if explain:
        print("\nEXPLAIN (ANALYZE, BUFFERS) of the decisions query, 10,000 identifiers:\n" + explain)
    return 0


def run_writes(args: argparse.Namespace, write) -> tuple:
    print(
        f"\nWrite test: {args.record_events:,} events through consent_record from {WRITE_PROCESSES} processes…",
        flush=True,
    )
    written = write.run(total=args.record_events, processes=WRITE_PROCESSES, subjects=args.subjects)
    print("Write ceiling: the same count of bare single-row INSERT + COMMIT from the same processes…", flush=True)
    inserted = write.run(total=args.record_events, processes=WRITE_PROCESSES, subjects=args.subjects, ceiling=True)
    return written, inserted


def run_outbox(args: argparse.Namespace, outbox, notices) -> tuple:
    outbox_result = None
    if args.outbox_messages > 0:
        print(
            f"Outbox: {args.outbox_messages:,} emails to a local SMTP server with 1 and 2 worker processes, "
            f"{args.registrations} registrations to their confirmation…",
            flush=True,
        )
        try:
            outbox_result = outbox.run(messages=args.outbox_messages, registrations=args.registrations)
        except Exception as exc:  # noqa: BLE001 - report the other figures all the same
            outbox_result = outbox.OutboxResult(skipped=f"failed: {type(exc).__name__}: {exc}")
    notice_result = None
    if args.notice_users > 0:
        print(f"Policy notice run: {args.notice_users:,} users, 2 worker processes…", flush=True)
        try:
            notice_result = notices.run(users=args.notice_users)
        except Exception as exc:  # noqa: BLE001 - report the other figures all the same
            notice_result = notices.NoticeResult(skipped=f"failed: {type(exc).__name__}: {exc}")
    return outbox_result, notice_result


def run_suppression(args: argparse.Namespace, suppression) -> int:
    from bench.report import print_figures

    print(
        f"\nSuppression: import of {args.import_lines:,} lines, scrub of {args.scrub_lines:,} against "
        f"{args.scrub_entries:,} entries…",
        flush=True,
    )
    print_figures(
        suppression.run(
            import_lines=args.import_lines,
            scrub_lines=args.scrub_lines,
            scrub_entries=args.scrub_entries,
            subjects=args.subjects,
            import_export_lines=args.import_export_lines,
        )
    )
    if args.only_suppression:
        print(f"- machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} after the measurements")
    return 0


def run_admin(args: argparse.Namespace) -> int:
    from bench import admin
    from bench.report import print_figures

    print(
        f"\nBack office: each admin list, the subject page and the dashboard, median of 5 GETs, with at least "
        f"{args.scrub_entries:,} suppression entries…",
        flush=True,
    )
    print_figures(admin.run(suppression_entries=args.scrub_entries))
    return 0


def write_figures(written, inserted) -> list:
    from bench.report import Figure, verdict
    from bench.write import percentile

    figures = []
    write_ratio = written.per_second / inserted.per_second if inserted.per_second else 0.0
    figures.append(
        Figure(
            f"Events/s through consent_record ({WRITE_PROCESSES} connections)",
            f"{written.per_second:,.0f} /s",
            f"{inserted.per_second:,.0f} /s",
            f"{write_ratio:.2f}x",
            f">= {GOAL_WRITE_RATIO}x",
            verdict(write_ratio >= GOAL_WRITE_RATIO and not written.errors and not inserted.errors),
        )
    )
    figures.append(
        Figure(
            "  per event p50 / p99 (ceiling: per INSERT)",
            f"{percentile(written.latencies_ms, 0.50):.1f} / {percentile(written.latencies_ms, 0.99):.1f} ms",
            f"{percentile(inserted.latencies_ms, 0.50):.1f} / {percentile(inserted.latencies_ms, 0.99):.1f} ms",
        )
    )
    return figures


def report(written, inserted, batch, http, outbox_result=None, banner_result=None, notice_result=None) -> None:
    from bench import banner, notices, outbox
    from bench.report import Figure, print_figures, verdict

    figures: list[Figure] = []
    if written is not None:
        figures.extend(write_figures(written, inserted))
    figures.append(
        Figure(
            "Batch check of 10,000 identifiers (median of 5)",
            f"{batch.median_ms:,.0f} ms",
            f"{batch.ceiling_ms:,.0f} ms",
            f"{batch.ratio:.2f}x",
            f"<= {GOAL_BATCH_RATIO}x",
            verdict(batch.ratio <= GOAL_BATCH_RATIO),
        )
    )
    figures.append(Figure("  of which hashing 10,000 emails in Python", f"{batch.hashing_ms:,.0f} ms"))
    floor_ms = batch.hashing_ms + batch.ceiling_ms
    figures.append(
        Figure(
            "  floor: that hashing plus the ceiling's one probe each",
            f"{floor_ms:,.0f} ms",
            ratio=f"{floor_ms / batch.ceiling_ms:.2f}x",
            note="what any check that hashes in Python and reads one fact per identifier would take",
        )
    )
    if http is not None and (http.check or http.ceiling):
        check, ceiling = http.check, http.ceiling
        clean = check is not None and not check.bad_responses and not check.timeouts
        ratio = http.ratio
        figures.append(
            Figure(
                "Single check over HTTP: throughput",
                f"{check.requests_per_second:,.0f} req/s" if check else "-",
                f"{ceiling.requests_per_second:,.0f} req/s" if ceiling else "-",
                f"{ratio:.2f}x" if ratio is not None else "-",
                f">= {GOAL_HTTP_RATIO}x",
                verdict(clean and ratio >= GOAL_HTTP_RATIO) if ratio is not None else "-",
            )
        )
        p99_ratio = check.p99_ms / ceiling.p99_ms if check and ceiling and ceiling.p99_ms else None
        figures.append(
            Figure(
                "Single check over HTTP: p99 latency",
                f"{check.p99_ms:.1f} ms" if check else "-",
                f"{ceiling.p99_ms:.1f} ms" if ceiling else "-",
                f"{p99_ratio:.2f}x" if p99_ratio is not None else "-",
                f"<= {GOAL_HTTP_P99_RATIO}x",
                verdict(clean and p99_ratio <= GOAL_HTTP_P99_RATIO) if p99_ratio is not None else "-",
            )
        )
    if banner_result is not None:
        figures.extend(banner.figures(banner_result))
    if outbox_result is not None:
        figures.extend(outbox.figures(outbox_result))
    if notice_result is not None:
        figures.extend(notices.figures(notice_result))
    print_figures(figures)

    notes = []
    for label, result in (("write test", written), ("write ceiling", inserted)):
        if result is not None and result.errors:
            notes.append(f"{label}: {result.errors:,} failed, first: {result.first_error}")
    notes.append(
        f"batch check runs (ms): {', '.join(f'{ms:.0f}' for ms in batch.runs_ms)}; ceiling runs: "
        f"{', '.join(f'{ms:.0f}' for ms in batch.ceiling_runs_ms)}; {batch.known:,} known subjects, "
        f"{batch.allowed:,} allowed"
    )
    if http is not None:
        if http.skipped:
            notes.append(f"HTTP: {http.skipped}")
        for label, result in (("check", http.check), ("ceiling (one primary-key SELECT)", http.ceiling)):
            if result is None:
                continue
            notes.append(
                f"HTTP {label}: {result.requests:,} requests, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms"
                + (f", {result.bad_responses:,} non-2xx" if result.bad_responses else "")
                + (f", socket errors: {result.socket_errors}" if result.socket_errors else "")
            )
    else:
        notes.append("HTTP: skipped (--skip-http)")
    for note in notes:
        print(f"- {note}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
