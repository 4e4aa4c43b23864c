"""The outbox's Celery tasks: thin, idempotent, ids only. Schedules: config/celery.py."""

import logging

from celery import shared_task

from consent.notifications import sending

logger = logging.getLogger(__name__)


def _send(email_ids: list[int]) -> dict[int, sending.SendResult]:
    results = sending.emails_send(email_ids=email_ids)
    for email_id, result in results.items():
        if result.retry_at is not None:
            try:
                send_email_task.apply_async((email_id,), eta=result.retry_at, retry=False)
            except Exception:  # noqa: BLE001 - the sweep sends it instead
                logger.warning("Could not schedule the retry of outbound email %s; the sweep will.", email_id)
    return results


@shared_task(acks_late=True)
def send_email_task(email_id: int) -> str:
    """Send one outbox row. Delivered twice, it sends once (the row is claimed and its
    status checked). A failure is retried at its backoff time; if that retry is lost,
    the sweep picks the row up."""
    return _send([email_id])[email_id].outcome


@shared_task(acks_late=True)
def send_emails_task(email_ids: list[int]) -> dict[str, int]:
    """Send the rows one transaction queued (up to PUBLISH_CHUNK of them) over one
    connection: a burst of thousands costs a task per chunk, not per email."""
    outcomes: dict[str, int] = {}
    for result in _send(email_ids).values():
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    return outcomes


@shared_task(acks_late=True)
def send_due_emails_task() -> dict[str, int]:
    """Every minute (beat): send what is still queued after the grace period."""
    return sending.emails_send_due()


@shared_task(acks_late=True)
def redact_old_emails_task() -> int:
    """Daily (beat): blank the content and address of emails older than OUTBOX_RETENTION_DAYS."""
    return sending.emails_redact_expired()
