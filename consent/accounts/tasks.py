"""The accounts' periodic work. Thin: each task calls one service."""

from celery import shared_task

from consent.accounts.services import sessions_clear_expired


@shared_task
def clear_expired_sessions_task() -> int:
    """Scheduled daily (CELERY_BEAT_SCHEDULE)."""
    return sessions_clear_expired()
