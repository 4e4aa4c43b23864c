"""Writes: a person's answer to a policy update, and the notice emails of a material version.

The notice run: `notice_run_start` cuts the users who exist now into batches of
NOTICE_BATCH_SIZE consecutive ids (keyset pagination: no OFFSET) and queues one task per
batch after the commit; `notice_batch_queue` writes a batch's emails to the outbox in one
transaction, each with the key `policy-notice:<version>:<user>`, and marks the batch done
in that same transaction. A batch interrupted by a crash leaves nothing behind and is
queued again in full by `notice_run_resume`; one that committed is never queued again,
and the outbox refuses a second email with the same key in any case."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.accounts.models import User
from consent.ledger.models import ConsentEvent, Purpose
from consent.ledger.services import Actor, IdempotencyConflict, consent_record
from consent.notices import selectors
from consent.notices.models import NoticeBatch, NoticeRun
from consent.notices.runs import notice_run_refresh
from consent.notices.tasks import queue_notice_batch_task
from consent.policies.models import PolicyVersion
from consent.policies.services import policy_version_hold
from consent.portal.services import RequestContext, subject_for_user

# Users per batch: one task and one transaction each.
NOTICE_BATCH_SIZE = 1000


class PolicyUpdateChanged(Exception):
    """The version the page showed is no longer the one waiting for the person's answer."""


# --- the person's answer ------------------------------------------------------------------------


def _acceptance_record(*, user: User, shown, context: RequestContext, key: str) -> ConsentEvent:
    try:
        return consent_record(
            subject=subject_for_user(user),
            purpose=Purpose.Code.PRIMARY_USE,
            decision=ConsentEvent.Decision.GRANTED,
            source=ConsentEvent.Source.POLICY_UPDATE,
            actor=Actor.subject(),
            evidence=context.evidence(shown),
            policy_version=shown.version,
            idempotency_key=f"{key}:{shown.version.pk}:{user.pk}",
        )
    except IdempotencyConflict:
        # Answered already from another tab or device: that answer stands.
        return selectors.policy_update_answer(user=user, version_id=shown.version.pk)


@transaction.atomic
def policy_update_accept(
    *, user: User, version_id: int, text_hash: str, language: str, context: RequestContext
) -> ConsentEvent:
    """The person accepts the version the page showed them: a primary-use grant citing it,
    with the evidence (address, browser, language, hash of the exact text shown).

    Raises PolicyUpdateChanged if that version is no longer the one waiting for them, or
    the text shown is not the one in force (the page is shown again with the new one)."""
    pending = selectors.policy_update_pending(user=user, language=language)
    if pending is None:
        answered = selectors.policy_update_answer(user=user, version_id=version_id)
        if answered is not None:
            return answered
        raise PolicyUpdateChanged()
    if pending.shown.version.pk != version_id or pending.shown.text["content_hash"] != text_hash:
        raise PolicyUpdateChanged()
    held = policy_version_hold(version=pending.shown.version)
    if held.status != PolicyVersion.Status.PUBLISHED:
        raise PolicyUpdateChanged()
    return _acceptance_record(user=user, shown=pending.shown, context=context, key="policy-accept")


@transaction.atomic
def policy_continued_use_record(*, user: User, language: str, context: RequestContext) -> ConsentEvent | None:
    """A non-material version the person has not accepted is accepted by their continued
    use: recorded at their next login, with the evidence of that login and the text in
    force, under the idempotency key `policy-continued-use:<version>:<user>` that names
    how it was given. Does nothing when nothing is pending or the change is material."""
    pending = selectors.policy_update_pending(user=user, language=language)
    if pending is None or pending.material:
        return None
    held = policy_version_hold(version=pending.shown.version)
    if held.status != PolicyVersion.Status.PUBLISHED:
        return None
    return _acceptance_record(user=user, shown=pending.shown, context=context, key="policy-continued-use")


# --- the notice emails --------------------------------------------------------------------------


def _batch_bounds(*, batch_size: int) -> list[tuple[int, int]]:
    """(first id, last id) of consecutive runs of `batch_size` recipients, by keyset pagination."""
    recipients = selectors.notice_recipients().order_by("pk").values_list("pk", flat=True)
    bounds, after = [], 0
    while True:
        ids = list(recipients.filter(pk__gt=after)[:batch_size])
        if not ids:
            return bounds
        bounds.append((ids[0], ids[-1]))
        after = ids[-1]


def _enqueue_batches(batch_ids: list[int]) -> None:
    for batch_id in batch_ids:
        queue_notice_batch_task.delay_on_commit(batch_id)


@transaction.atomic
def notice_run_start(
    *, version: PolicyVersion, batch_size: int = NOTICE_BATCH_SIZE, enqueue: bool = True
) -> tuple[NoticeRun, bool]:
    """Start announcing a published material version to every registered user, or resume
    the run already started for it. Returns (run, created); the tasks of the batches not
    done are queued after the commit, unless `enqueue` is False (the caller queues them
    itself, with runs.notice_batch_queue)."""
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != PolicyVersion.Status.PUBLISHED or not version.is_material:
        raise ValidationError(
            _("Only the version in force of a material change is announced; %(version)s is not.") % {"version": version}
        )
    existing = selectors.notice_run_get(version=version)
    if existing is not None:
        return notice_run_resume(run=existing, enqueue=enqueue), False
    bounds = _batch_bounds(batch_size=batch_size)
    run = NoticeRun.objects.create(version=version, batch_count=len(bounds))
    batches = NoticeBatch.objects.bulk_create(
        NoticeBatch(run=run, first_user_id=first, last_user_id=last) for first, last in bounds
    )
    run.total_users = selectors.notice_recipients().filter(pk__lte=bounds[-1][1]).count() if bounds else 0
    if not bounds:
        run.status, run.queued_at = NoticeRun.Status.QUEUED, timezone.now()
    run.save(update_fields=["total_users", "status", "queued_at"])
    if enqueue:
        _enqueue_batches([batch.pk for batch in batches])
    return run, True


@transaction.atomic
def notice_run_resume(*, run: NoticeRun, enqueue: bool = True) -> NoticeRun:
    """Queue again the tasks of every batch not done (a worker lost, a broker emptied)."""
    if enqueue:
        pending = run.batches.filter(done_at__isnull=True).order_by("first_user_id").values_list("pk", flat=True)
        _enqueue_batches(list(pending))
    return notice_run_refresh(run=run)
