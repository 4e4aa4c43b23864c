"""The policy notice run in `make bench`: how fast a material change reaches every user.

- Queued: N users, a material version published; from the commit, two Celery worker
  processes queue the run's batches (NOTICE_BATCH_SIZE users a task) to the outbox.
  Users per second from the commit to the last batch done.
- Sent: the same run, from the commit to the last email received by a local SMTP server
  (the workers send what the batches queued as they go).
- Ceiling: the same messages, built beforehand, over one bare SMTP connection from this
  process (bench/outbox.py's ceiling): what the SMTP server and the wire allow at all.

Needs Redis, as bench/outbox.py. The users, their emails and the version's document are
the bench's own and are removed afterwards (the published version and its run stay: a
published version is never deleted)."""

import time
import uuid
from dataclasses import dataclass, field

GOAL_USERS_PER_SECOND = 500
WAIT_SECONDS = 300
DOCUMENT_SLUG = "bench-notice"


@dataclass
class NoticeResult:
    users: int = 0
    queued_rate: float | None = None  # users/s, commit -> every batch done
    sent_rate: float | None = None  # users/s, commit -> last email received
    ceiling: float | None = None  # emails/s, pre-built messages over one smtplib connection
    skipped: str = ""
    notes: list[str] = field(default_factory=list)


def _users(count: int, tag: str) -> None:
    from django.contrib.auth.hashers import make_password

    from consent.accounts.models import User

    password = make_password(None)
    User.objects.bulk_create(
        (
            User(email=f"bench-notice-{tag}-{i}@example.com", password=password, language=("en", "sv", "fr")[i % 3])
            for i in range(count)
        ),
        batch_size=5000,
    )


def _publish(tag: str):
    """A material version of the bench's own document, published now (its run starts after the commit)."""
    from django.utils import timezone

    from consent.policies.models import PolicyDocument
    from consent.policies.services import policy_version_create, policy_version_publish

    document, _created = PolicyDocument.objects.get_or_create(
        slug=DOCUMENT_SLUG, defaults={"kind": PolicyDocument.Kind.COOKIE_NOTICE, "title_en": "Bench notice"}
    )
    version = policy_version_create(
        document=document,
        label=tag,
        effective_at=timezone.now(),
        is_material=True,
        title={"en": "Bench notice", "sv": "Bänkmeddelande", "fr": "Avis de banc"},
        body={"en": f"Text {tag}.", "sv": f"Text {tag}.", "fr": f"Texte {tag}."},
        summary_of_changes={"en": "Everything.", "sv": "Allt.", "fr": "Tout."},
    )
    return policy_version_publish(version=version)


def run(*, users: int = 5000, processes: int = 2) -> NoticeResult:
    from bench import outbox

    url = outbox.broker()
    if url is None:
        return NoticeResult(skipped="needs Redis: set REDIS_URL or CELERY_BROKER_URL")
    from consent.accounts.models import User
    from consent.notices.models import NoticeRun
    from consent.notifications.models import OutboundEmail
    from tests.notifications.smtp import SmtpSink
    from tests.notifications.worker import publishing_to

    tag = uuid.uuid4().hex[:8]
    result = NoticeResult(users=users)
    _users(users, tag)
    try:
        with SmtpSink(parse=False) as sink:
            worker = outbox._worker(sink, url, processes)
            try:
                sink.clear()
                with publishing_to(url, worker.queue):
                    version = _publish(tag)
                    committed = time.monotonic()
                    run = NoticeRun.objects.get(version=version)
                    total = result.users = run.total_users  # every active user, the bench's and any others
                    deadline = committed + WAIT_SECONDS
                    queued_at = None
                    while time.monotonic() < deadline:
                        if queued_at is None and NoticeRun.objects.filter(pk=run.pk, status="queued").exists():
                            queued_at = time.monotonic()
                        if queued_at is not None and sink.count() >= total:
                            break
                        time.sleep(0.05)
                    received = sink.received()
            finally:
                worker.stop()
            if queued_at is None:
                result.notes.append(f"the run was not fully queued within {WAIT_SECONDS} s")
            else:
                result.queued_rate = total / max(queued_at - committed, 1e-9)
            if len(received) < total:
                result.notes.append(f"only {len(received)} of {total} emails arrived")
            if received:
                last = max(at for _message, at in received)
                result.sent_rate = len(received) / max(last - committed, 1e-9)
            duplicates = len(received) - len({message for message, _at in received})
            if duplicates:
                result.notes.append(f"{duplicates} duplicate Message-IDs")
            ids = list(
                OutboundEmail.objects.filter(dedupe_key__startswith=f"policy-notice:{version.pk}:").values_list(
                    "pk", flat=True
                )
            )
            result.ceiling = outbox._ceiling(sink, ids) if ids else None
            outbox._forget(ids)
    finally:
        User.objects.filter(email__startswith=f"bench-notice-{tag}-").delete()
    return result


def figures(result: NoticeResult) -> list:
    from bench.report import Figure, verdict

    if result.skipped:
        return [Figure("Policy notice run", "-", verdict=f"skipped: {result.skipped}")]
    ceiling = f"{result.ceiling:,.0f} /s" if result.ceiling else ""
    lines = []
    for what, rate in (("queued", result.queued_rate), ("sent", result.sent_rate)):
        lines.append(
            Figure(
                f"Policy notice run, 2 worker processes ({result.users:,} users): {what}",
                f"{rate:,.0f} users/s" if rate else "-",
                ceiling,
                f"{rate / result.ceiling:.2f}x" if rate and result.ceiling else "",
                f">= {GOAL_USERS_PER_SECOND} /s",
                verdict(bool(rate) and rate >= GOAL_USERS_PER_SECOND),
                note="; ".join(result.notes) if what == "sent" else "",
            )
        )
    return lines
