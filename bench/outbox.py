"""The outbox in `make bench`: how fast it delivers, and how soon a confirmation arrives.

- Delivery rate: N emails queued in one transaction (as a policy notice queues them); from
  the commit, a Celery worker with 1, then 2, processes sends them to a local SMTP server.
  Emails per second from the commit to the last one received.
- Ceiling: the same N messages, built beforehand, sent over one smtplib connection to the
  same server as the worker sends them (pipelined), from a process of their own: what the
  SMTP server and the wire allow at all, without the database, Celery or building messages.
- Registration to inbox: registrations through `registration_create`, one after another,
  each timed from its commit to the SMTP server receiving its confirmation (worker running).

Needs Redis (CELERY_BROKER_URL, or REDIS_URL's server on the next database number). The SMTP
server and the worker are the test suite's own (tests/notifications/smtp.py, worker.py).
Self-contained: `run()` returns the figures, `rows()` the report lines."""

import os
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

GOAL_EMAILS_PER_SECOND = 500
GOAL_CONFIRMATION_P95_SECONDS = 2.0
WAIT_SECONDS = 120


@dataclass
class OutboxResult:
    messages: int = 0
    rates: dict[int, float] = field(default_factory=dict)  # worker processes -> emails/s
    ceiling: float | None = None  # emails/s, pre-built messages over one smtplib connection
    latencies: list[float] = field(default_factory=list)  # seconds, registration commit -> received
    skipped: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def p95(self) -> float | None:
        return _percentile(self.latencies, 0.95) if self.latencies else None


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def broker() -> str | None:
    if os.environ.get("CELERY_BROKER_URL"):
        return os.environ["CELERY_BROKER_URL"]
    if not os.environ.get("REDIS_URL"):
        return None
    parts = urlsplit(os.environ["REDIS_URL"])
    return urlunsplit(parts._replace(path=f"/{int(parts.path.strip('/') or 0) + 1}"))


def run(*, messages: int = 2000, registrations: int = 20, processes: tuple[int, ...] = (1, 2)) -> OutboxResult:
    url = broker()
    if url is None:
        return OutboxResult(skipped="needs Redis: set REDIS_URL or CELERY_BROKER_URL")
    from tests.notifications.smtp import SmtpSink

    result = OutboxResult(messages=messages)
    with SmtpSink(parse=False) as sink:
        for count in processes:
            rows = _delivery(sink, url, count, messages, result)
            if count == processes[0]:
                result.ceiling = _ceiling(sink, rows)
            _forget(rows)
        result.latencies = _registrations(sink, url, registrations, result)
    return result


def _worker(sink, url: str, processes: int):
    from tests.notifications.worker import Worker, unique_queue

    queue = unique_queue()
    worker = Worker(
        email_port=sink.port,
        queue=queue,
        concurrency=processes,
        env={"DJANGO_DEBUG": "false", "CELERY_BROKER_URL": url, "DJANGO_LOG_LEVEL": "WARNING"},
    )
    worker.wait_ready()
    return worker


def _queue(count: int, tag: str) -> tuple[list[int], float]:
    """Queue `count` emails in one transaction; returns their ids and the moment of the commit."""
    from django.db import transaction

    from consent.notifications.services import email_queue

    with transaction.atomic():
        ids = [
            email_queue(
                to=f"bench-{tag}-{i}@example.com",
                template="email_verify",
                context={
                    "user": {"first_name": "Bench"},
                    "email": f"bench-{tag}-{i}@example.com",
                    "verification_url": "https://example.com/verify/x/",
                },  # fmt: skip
                language=("en", "sv", "fr")[i % 3],
            ).pk
            for i in range(count)
        ]
        committed = time.monotonic()
    return ids, committed


def _wait(sink, count: int) -> list[tuple[object, float]]:
    deadline = time.monotonic() + WAIT_SECONDS
    while sink.count() < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return sink.received()


def _delivery(sink, url: str, processes: int, messages: int, result: OutboxResult) -> list[int]:
    from tests.notifications.worker import publishing_to

    worker = _worker(sink, url, processes)
    try:
        sink.clear()
        with publishing_to(url, worker.queue):
            ids, committed = _queue(messages, uuid.uuid4().hex[:8])
            received = _wait(sink, messages)
    finally:
        worker.stop()
    if len(received) < messages:
        result.notes.append(f"{processes} worker process(es): only {len(received)} of {messages} arrived")
    last = max(at for _message, at in received) if received else committed
    result.rates[processes] = len(received) / max(last - committed, 1e-9)
    duplicates = len(received) - len({message for message, _at in received})
    if duplicates:
        result.notes.append(f"{processes} worker process(es): {duplicates} duplicate Message-IDs")
    return ids


def _send_all(port: int, messages: list) -> None:
    import smtplib

    from consent.notifications.wire import smtp_send_many

    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.ehlo()
        smtp_send_many(smtp, messages)


def _ceiling(sink, ids: list[int]) -> float:
    """The same messages, built beforehand, sent over one smtplib connection the way the
    worker sends them, from a process of their own as the worker's are: the SMTP server and
    the wire alone. Timed at the server, first arrival to last (not the process's start)."""
    import multiprocessing

    from consent.notifications.models import OutboundEmail
    from consent.notifications.sending import email_wire_message

    messages = [email_wire_message(email) for email in OutboundEmail.objects.filter(pk__in=ids).order_by("pk")]
    sink.clear()
    sender = multiprocessing.get_context("spawn").Process(target=_send_all, args=(sink.port, messages))
    sender.start()
    received = _wait(sink, len(messages))
    sender.join(WAIT_SECONDS)
    arrivals = sorted(at for _message, at in received)
    return (len(arrivals) - 1) / max(arrivals[-1] - arrivals[0], 1e-9)


def _forget(ids: list[int]) -> None:
    from consent.notifications.models import OutboundEmail

    OutboundEmail.objects.filter(pk__in=ids).delete()


def _registrations(sink, url: str, count: int, result: OutboxResult) -> list[float]:
    from django.db import transaction

    from consent.demo.services import policies_demo_seed
    from consent.notifications.models import OutboundEmail
    from consent.portal.selectors import privacy_policy_shown
    from consent.portal.services import RequestContext, registration_create
    from tests.notifications.worker import publishing_to

    policies_demo_seed()
    shown = privacy_policy_shown(country="SE", language="sv")
    run_tag = uuid.uuid4().hex[:8]
    latencies = []
    worker = _worker(sink, url, 1)
    try:
        with publishing_to(url, worker.queue):
            sink.clear()
            for i in range(count):
                with transaction.atomic():
                    user = registration_create(
                        email=f"bench-reg-{run_tag}-{i}@example.com", password=None,
                        profile={"first_name": "Bench", "last_name": str(i), "country": "SE", "language": "sv"},
                        age=30, marketing_own={"email"}, marketing_third_party=set(),
                        policy_version_id=shown.version.pk, policy_language=shown.text["language"],
                        policy_text_hash=shown.text["content_hash"], context=RequestContext("192.0.2.1", "bench"),
                    ).user  # fmt: skip
                    committed = time.monotonic()
                message_id = OutboundEmail.objects.get(dedupe_key=f"registration-confirmation:{user.pk}").message_id
                deadline = time.monotonic() + 30
                arrived = None
                while arrived is None and time.monotonic() < deadline:
                    arrived = next((at for message, at in sink.received() if message == message_id), None)
                    time.sleep(0.002)
                if arrived is None:
                    result.notes.append(f"registration {i}: no confirmation within 30 s")
                else:
                    latencies.append(arrived - committed)
    finally:
        worker.stop()
    OutboundEmail.objects.filter(
        dedupe_key__startswith="registration-confirmation:", to_address__startswith="bench-reg-"
    ).delete()
    return latencies


def figures(result: OutboxResult) -> list:
    """The report's lines; delivery is judged by its goal, and shown beside the same
    messages sent over one bare connection (the ceiling)."""
    from bench.report import Figure, verdict

    if result.skipped:
        return [Figure("Outbox", "-", verdict=f"skipped: {result.skipped}")]
    lines = []
    ceiling = f"{result.ceiling:,.0f} /s" if result.ceiling else ""
    for processes, rate in sorted(result.rates.items()):
        lines.append(
            Figure(
                f"Outbox delivery, {processes} worker process{'es' if processes > 1 else ''} ({result.messages:,} emails)",
                f"{rate:,.0f} /s",
                ceiling,
                f"{rate / result.ceiling:.2f}x" if result.ceiling else "",
                f">= {GOAL_EMAILS_PER_SECOND} /s",
                verdict(rate >= GOAL_EMAILS_PER_SECOND),
            )
        )
    if result.latencies:
        p50 = _percentile(result.latencies, 0.5)
        lines.append(
            Figure(
                f"Registration commit -> confirmation received, p95 ({len(result.latencies)} registrations)",
                f"{result.p95:.2f} s",
                goal=f"<= {GOAL_CONFIRMATION_P95_SECONDS:.0f} s",
                verdict=verdict(result.p95 <= GOAL_CONFIRMATION_P95_SECONDS),
                note=f"p50 {p50 * 1000:.0f} ms, max {max(result.latencies) * 1000:.0f} ms",
            )
        )
    return lines
