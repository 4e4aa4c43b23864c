"""Queuing one batch of a notice run, and keeping the run's progress up to date.

Apart from services.py so the batch task can call it while services.py queues that task."""

from collections.abc import Callable

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from consent.notices import selectors
from consent.notices.models import NoticeBatch, NoticeRun
from consent.notifications.services import EmailToQueue, email_queue_many
from consent.policies.models import PolicyVersion
from consent.policies.selectors import policy_text
from consent.portal.services import absolute_url


def _notice_context(*, version: PolicyVersion) -> Callable[[str], dict]:
    """What the notice says in each language: the same for every reader of it."""
    shared = {
        "version": version,
        "effective_at": version.effective_at,
        "changes_url": absolute_url(selectors.policy_version_changes_url(version=version)),
        "policy_url": absolute_url(version.get_absolute_url()),
        "portal_url": absolute_url(reverse("portal:overview")),
    }

    def context(language: str) -> dict:
        text = policy_text(version=version, language=language)
        return {**shared, "policy_title": text["title"], "summary_of_changes": text["summary_of_changes"]}

    return context


def notice_batch_queue(*, batch_id: int) -> int:
    """Queue the notice of every user in the batch, in their language, and mark it done, in
    one transaction. A batch done already, or being queued by another worker, is left
    alone. Returns the emails queued by this call."""
    with transaction.atomic():
        batch = (
            # OF self: the run, version and document rows joined here are shared by every
            # batch; locking them too would make the other batches skip themselves.
            NoticeBatch.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("run__version__document")
            .filter(pk=batch_id, done_at__isnull=True)
            .first()
        )
        if batch is None:
            return 0
        version = batch.run.version
        users = (
            selectors.notice_recipients()
            .filter(pk__gte=batch.first_user_id, pk__lte=batch.last_user_id)
            .select_related("subject")
            .order_by("pk")
        )
        created = email_queue_many(
            template=selectors.NOTICE_TEMPLATE,
            context=_notice_context(version=version),
            emails=[
                EmailToQueue(
                    to=user.email,
                    language=user.language,
                    subject=getattr(user, "subject", None),
                    dedupe_key=selectors.notice_dedupe_key(version_id=version.pk, user_id=user.pk),
                )
                for user in users
            ],
        )
        queued = len(created)
        batch.queued_count = queued
        batch.done_at = timezone.now()
        batch.save(update_fields=["queued_count", "done_at"])
        NoticeRun.objects.filter(pk=batch.run_id).update(queued_count=F("queued_count") + queued)
        run_id = batch.run_id
    notice_run_refresh(run=NoticeRun.objects.get(pk=run_id), count_sent=False)
    return queued


def notice_run_refresh(*, run: NoticeRun, count_sent: bool = True) -> NoticeRun:
    """Bring the run's status up to date with its batches and, with `count_sent`, its sent
    count with the outbox (a count over the run's emails: for the admin and the command,
    not for every batch)."""
    now = timezone.now()
    updates: dict = {"sent_count": selectors.notice_run_sent_count(run=run) if count_sent else run.sent_count}
    if run.status == NoticeRun.Status.RUNNING and not run.batches.filter(done_at__isnull=True).exists():
        updates.update(status=NoticeRun.Status.QUEUED, queued_at=now)
    run.refresh_from_db(fields=["queued_count"])
    if run.finished_at is None and run.queued_count and updates["sent_count"] >= run.queued_count:
        if updates.get("status", run.status) == NoticeRun.Status.QUEUED:
            updates["finished_at"] = now
    NoticeRun.objects.filter(pk=run.pk).update(**updates)
    for name, value in updates.items():
        setattr(run, name, value)
    return run
