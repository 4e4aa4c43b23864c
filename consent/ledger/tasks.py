"""The ledger's periodic work. Thin: each task calls one service."""

import logging

from celery import shared_task
from django.db import OperationalError

from consent.ledger.services import LedgerInconsistent, ledger_checkpoint_take

logger = logging.getLogger(__name__)


@shared_task(
    # Longer than the default limits: at 1 M chains a checkpoint reads every event once.
    soft_time_limit=1800,
    time_limit=1900,
    # A lost database connection is worth another try; an inconsistent ledger is not.
    autoretry_for=(OperationalError,),
    retry_backoff=60,
    max_retries=3,
)
def take_ledger_checkpoint_task() -> int | None:
    """Scheduled hourly (CELERY_BEAT_SCHEDULE). Idempotent in effect: a second checkpoint in
    a row only restates the first."""
    try:
        return ledger_checkpoint_take().pk
    except LedgerInconsistent as exc:
        # Loud, and no retry: the ledger disagrees with its last checkpoint until someone acts.
        logger.critical("Ledger checkpoint refused, the ledger no longer matches the last one: %s", exc)
        raise
