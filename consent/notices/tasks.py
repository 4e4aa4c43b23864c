"""The notice run's task: thin, ids only, idempotent (a batch done is skipped)."""

from celery import shared_task

from consent.notices.runs import notice_batch_queue


@shared_task(acks_late=True)
def queue_notice_batch_task(batch_id: int) -> int:
    """Queue the notice emails of one batch of users (NOTICE_BATCH_SIZE) to the outbox."""
    return notice_batch_queue(batch_id=batch_id)
