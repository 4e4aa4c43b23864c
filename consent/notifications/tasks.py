"""The outbox's Celery tasks: thin, idempotent, ids only. Schedules: config/celery.py."""

import logging

from celery import shared_task

from consent.notifications import sending

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def send_email_task(email_id: int) -> str:
    """Send one outbox row. Delivered twice, it sends once (the row is claimed and its
    status checked). A failure is retried at its backoff time; if that retry is lost,
    the sweep picks the row up."""
    result = sending.email_send(email_id=email_id)
    if result.retry_at is not None:
        try:
            send_email_task.apply_async((email_id,), eta=result.retry_at, retry=False)
        except Exception:  # noqa: BLE001 - the sweep sends it instead
            logger.warning("Could not schedule the retry of outbound email %s; the sweep will.", email_id)
    return result.outcome


@shared_task(acks_late=True)
def send_due_emails_task() -> dict[str, int]:
    """Every minute (beat): send what is still queued after the grace period."""
    return sending.emails_send_due()


@shared_task(acks_late=True)
def redact_old_emails_task() -> int:
    """Daily (beat): blank the content and address of emails older than OUTBOX_RETENTION_DAYS."""
    return sending.emails_redact_expired()
