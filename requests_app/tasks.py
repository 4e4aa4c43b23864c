"""Thin Celery tasks: each calls one service and is safe to run twice."""

from celery import shared_task

from requests_app import delivery, housekeeping
from requests_app.erasure import ErasureNoticePending


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def build_access_export_task(request_id: int) -> None:
    delivery.access_export_create(request_id=request_id)


@shared_task(bind=True, acks_late=True, max_retries=None)
def erase_subject_task(self, request_id: int) -> None:
    try:
        delivery.request_erasure_perform(request_id=request_id)
    except ErasureNoticePending as pending:
        # Nothing was erased: the notice must reach the person first. Try again when due.
        raise self.retry(eta=pending.retry_at, countdown=None if pending.retry_at else 600) from pending


@shared_task(acks_late=True)
def expire_unverified_requests_task() -> int:
    return housekeeping.requests_expire_unverified()


@shared_task(acks_late=True)
def remind_request_deadlines_task() -> int:
    return housekeeping.request_deadlines_remind()
