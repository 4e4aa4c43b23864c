"""Sending what the outbox holds, and forgetting it when it is no longer needed.

A row is claimed with `SELECT … FOR UPDATE SKIP LOCKED` and stays locked until its
outcome is committed, so two workers (a task delivered twice, a task and the sweep)
never send the same row: the second skips it while it is locked and finds it sent
afterwards. The one window left is a crash between the SMTP server's acceptance and
the commit (milliseconds); the message is then sent again with the same Message-ID,
by which mail systems recognise a duplicate.

Failures are retried with exponential backoff (OUTBOX_RETRY_BACKOFF_SECONDS, doubling)
until OUTBOX_MAX_ATTEMPTS; a permanent refusal (an SMTP 5xx for the recipient or the
message) fails at once. A failed row stays in the admin, which can re-queue it."""

import logging
import smtplib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from consent.accounts.models import Subject
from consent.notifications.models import OutboundEmail
from consent.notifications.wire import WireMessage, smtp_send_many, wire_message

logger = logging.getLogger(__name__)

# The most rows one transaction of the sweep claims and sends over one connection.
SWEEP_BATCH_SIZE = 100
# A sweep stops starting new batches after this long, well inside the task's time limit.
SWEEP_TIME_BUDGET_SECONDS = 40
# An SMTP connection idle for longer is closed and reopened rather than trusted.
CONNECTION_IDLE_SECONDS = 30
REDACTION_CHUNK = 5000


@dataclass(frozen=True)
class SendResult:
    """What became of one claim: "sent", "skipped" (not due, already done, or another
    worker has it), "retry" (at `retry_at`) or "failed"."""

    outcome: str
    retry_at: datetime | None = None


SENT = SendResult("sent")
SKIPPED = SendResult("skipped")
FAILED = SendResult("failed")


# --- one SMTP connection per process, reused across messages and tasks ---------------------

_connection = None
_connection_key: tuple | None = None
_connection_used_at = 0.0


def _connection_settings() -> tuple:
    return (
        settings.EMAIL_BACKEND,
        getattr(settings, "EMAIL_HOST", None),
        getattr(settings, "EMAIL_PORT", None),
        getattr(settings, "EMAIL_HOST_USER", None),
        getattr(settings, "EMAIL_USE_TLS", None),
        getattr(settings, "EMAIL_USE_SSL", None),
        getattr(settings, "EMAIL_FILE_PATH", None),
    )


def mail_connection():
    """This process's mail connection: opened on first use and kept open, so a worker
    sends message after message over one SMTP session instead of one per message."""
    global _connection, _connection_key, _connection_used_at
    key = _connection_settings()
    stale = time.monotonic() - _connection_used_at > CONNECTION_IDLE_SECONDS
    if _connection is not None and (key != _connection_key or stale):
        mail_connection_close()
    if _connection is None:
        _connection = get_connection(fail_silently=False)
        # Opened here, not by send_messages(), which would close what it opened after each call.
        _connection.open()
        _connection_key = key
    _connection_used_at = time.monotonic()
    return _connection


def mail_connection_close() -> None:
    global _connection
    if _connection is not None:
        try:
            _connection.close()
        except (smtplib.SMTPException, OSError):
            pass
        _connection = None


def email_message(email: OutboundEmail, connection=None) -> EmailMultiAlternatives:
    """The row as Django's message, for a backend that is not SMTP (console, file, locmem)."""
    message = EmailMultiAlternatives(
        subject=email.subject_line,
        body=email.body_text,
        from_email=email.from_address,
        to=[email.to_address],
        headers={**(email.headers or {}), "Message-ID": email.message_id},
        connection=connection,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def email_wire_message(email: OutboundEmail) -> WireMessage:
    return wire_message(
        to=email.to_address,
        from_address=email.from_address,
        subject_line=email.subject_line,
        body_text=email.body_text,
        body_html=email.body_html,
        message_id=email.message_id,
        headers=email.headers or {},
    )


def _send_with(backend, emails: list[OutboundEmail]) -> list[Exception | None]:
    if not isinstance(backend, SmtpBackend):
        outcomes = []
        for email in emails:
            try:
                backend.send_messages([email_message(email)])
                outcomes.append(None)
            except Exception as exc:  # noqa: BLE001 - any failure is an attempt
                outcomes.append(exc)
        return outcomes
    messages, outcomes = {}, [None] * len(emails)
    for index, email in enumerate(emails):
        try:
            messages[index] = email_wire_message(email)
        except ValueError as exc:  # an address Django cannot write
            outcomes[index] = exc
    for index, outcome in zip(messages, smtp_send_many(backend.connection, list(messages.values())), strict=True):
        outcomes[index] = outcome
    return outcomes


def _send_all(emails: list[OutboundEmail]) -> list[Exception | None]:
    """Send over the process's connection, in order; the emails the connection was lost
    under are sent once more over a new one (a server that hung up on a kept connection)."""
    try:
        outcomes = _send_with(mail_connection(), emails)
    except Exception as exc:  # noqa: BLE001 - no connection: an attempt for each, counted and retried
        mail_connection_close()
        return [exc] * len(emails)
    lost = [index for index, outcome in enumerate(outcomes) if isinstance(outcome, smtplib.SMTPServerDisconnected)]
    if lost:
        mail_connection_close()
        try:
            again = _send_with(mail_connection(), [emails[index] for index in lost])
        except Exception as exc:  # noqa: BLE001
            again = [exc] * len(lost)
        for index, outcome in zip(lost, again, strict=True):
            outcomes[index] = outcome
    if any(outcome is not None for outcome in outcomes):
        mail_connection_close()
    return outcomes


def _is_permanent(exc: Exception) -> bool:
    """An SMTP 5xx about this recipient or this message: retrying will not help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPDataError | smtplib.SMTPSenderRefused):
        return 500 <= exc.smtp_code < 600
    return False


def _error_text(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        detail = "; ".join(f"{code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
                           for code, msg in exc.recipients.values())  # fmt: skip
    elif isinstance(exc, smtplib.SMTPResponseException):
        message = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        detail = f"{exc.smtp_code} {message}"
    else:
        detail = str(exc)
    return f"{type(exc).__name__}: {detail}"[:500]


def backoff_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: base, 2 × base, 4 × base …"""
    return timedelta(seconds=settings.OUTBOX_RETRY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0))


def _record_failure(email: OutboundEmail, exc: Exception, now: datetime) -> SendResult:
    email.attempts += 1
    email.last_error = _error_text(exc)
    if _is_permanent(exc) or email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        email.status = OutboundEmail.Status.FAILED
        email.failed_at = now
        result = FAILED
    else:
        email.next_attempt_at = now + backoff_delay(email.attempts)
        result = SendResult("retry", email.next_attempt_at)
    email.save(update_fields=["attempts", "last_error", "status", "failed_at", "next_attempt_at"])
    logger.warning(
        "Outbound email %s (%s) attempt %d failed, %s: %s",
        email.pk, email.template, email.attempts, result.outcome, type(exc).__name__,
    )  # fmt: skip
    return result


def _deliver(emails: list[OutboundEmail]) -> list[SendResult]:
    """Send claimed rows in order and record each outcome (inside the claiming transaction)."""
    results, sent_ids = [], []
    for email, error in zip(emails, _send_all(emails), strict=True):
        if error is not None:
            results.append(_record_failure(email, error, timezone.now()))
            continue
        sent_ids.append(email.pk)
        results.append(SENT)
    if sent_ids:
        OutboundEmail.objects.filter(pk__in=sent_ids).update(
            status=OutboundEmail.Status.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
        )
    return results


def _claimable():
    return OutboundEmail.objects.select_for_update(skip_locked=True).filter(status=OutboundEmail.Status.QUEUED)


def _durability_relaxed() -> None:
    # Marking a row sent need not wait for the disk: if the database lost this commit in a
    # crash, the row would be sent again with the same Message-ID, the same outcome as a
    # worker dying after the SMTP server accepted it. Saves an fsync per transaction.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


def emails_send(*, email_ids: list[int]) -> dict[int, SendResult]:
    """Send the rows of `email_ids` that are queued, due and not held by another worker,
    in one transaction over one connection. Returns {id: result}; the others are "skipped"."""
    results = dict.fromkeys(email_ids, SKIPPED)
    with transaction.atomic():
        emails = list(
            _claimable().filter(pk__in=email_ids, next_attempt_at__lte=timezone.now()).order_by("next_attempt_at", "id")
        )
        if emails:
            _durability_relaxed()
            results.update(zip((email.pk for email in emails), _deliver(emails), strict=True))
    return results


def email_send(*, email_id: int) -> SendResult:
    """Send one queued row if it is due and nobody else holds it; otherwise do nothing."""
    return emails_send(email_ids=[email_id])[email_id]


def emails_send_due(*, grace_seconds: float | None = None, batch_size: int = SWEEP_BATCH_SIZE) -> dict[str, int]:
    """The sweep: send every queued row that has been due for longer than the grace period
    (the time its own task normally takes), in batches over one connection.

    Returns {"sent": n, "retry": n, "failed": n}."""
    grace = settings.OUTBOX_SWEEP_GRACE_SECONDS if grace_seconds is None else grace_seconds
    counts = {"sent": 0, "retry": 0, "failed": 0}
    started = time.monotonic()
    while time.monotonic() - started < SWEEP_TIME_BUDGET_SECONDS:
        with transaction.atomic():
            cutoff = timezone.now() - timedelta(seconds=grace)
            batch = list(
                _claimable().filter(next_attempt_at__lte=cutoff).order_by("next_attempt_at", "id")[:batch_size]
            )
            if not batch:
                break
            for result in _deliver(batch):
                counts[result.outcome] += 1
    if any(counts.values()):
        logger.info("Outbox sweep: %(sent)d sent, %(retry)d to retry, %(failed)d failed", counts)
    return counts


# --- retention -----------------------------------------------------------------------------

_REDACTED = {
    "to_address": "",
    "subject_line": "",
    "body_text": "",
    "body_html": "",
    "headers": {},
    "last_error": "",
}


def emails_redact_expired(*, now: datetime | None = None) -> int:
    """Blank the address and content of every sent or failed row older than
    OUTBOX_RETENTION_DAYS. Kept: template, language, the person's subject id, status,
    attempts, times and Message-ID. Runs in chunks, each its own short transaction."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    expired = OutboundEmail.objects.filter(redacted_at__isnull=True, created_at__lt=cutoff).exclude(
        status=OutboundEmail.Status.QUEUED
    )
    total = 0
    while True:
        ids = list(expired.order_by("created_at").values_list("pk", flat=True)[:REDACTION_CHUNK])
        if not ids:
            return total
        total += OutboundEmail.objects.filter(pk__in=ids).update(**_REDACTED, redacted_at=now)


@transaction.atomic
def emails_redact_for_subject(*, subject: Subject, addresses: list[str] | tuple = ()) -> int:
    """Blank every email to one person, for erasure: those linked to their subject, and
    those sent to one of `addresses` without the link. A queued one is never sent then:
    it is marked failed."""
    now = timezone.now()
    to_them = Q(subject=subject)
    for address in addresses:
        to_them |= Q(to_address__iexact=address)
    emails = OutboundEmail.objects.filter(to_them, redacted_at__isnull=True)
    emails.filter(status=OutboundEmail.Status.QUEUED).update(status=OutboundEmail.Status.FAILED, failed_at=now)
    return emails.update(**_REDACTED, redacted_at=now)
