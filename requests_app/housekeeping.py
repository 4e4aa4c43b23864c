"""Periodic work on requests (Celery beat): expiring unverified ones, deadline reminders."""

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from consent.accounts.models import User
from consent.accounts.roles import PRIVACY_OFFICER
from consent.notifications.services import email_queue
from requests_app.common import RequestActor, absolute_url, event_write, letters_purge
from requests_app.models import RequestEvent, SubjectRequest

Status = SubjectRequest.Status


def requests_expire_unverified(*, now: datetime.datetime | None = None) -> int:
    """Requests nobody verified within REQUEST_VERIFICATION_DAYS expire and lose their contact data."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.REQUEST_VERIFICATION_DAYS)
    expired = 0
    for request_id in SubjectRequest.objects.filter(
        status=Status.AWAITING_VERIFICATION, received_at__lt=cutoff
    ).values_list("pk", flat=True):
        with transaction.atomic():
            request = SubjectRequest.objects.select_for_update().get(pk=request_id)
            if request.status != Status.AWAITING_VERIFICATION:
                continue
            RequestEvent.objects.filter(request=request).exclude(comment="").update(comment="")
            letters_purge(requests=[request])
            SubjectRequest.objects.filter(pk=request.pk).update(
                status=Status.EXPIRED, closed_at=now, contact_purged_at=now, requester_name="", requester_email="",
                requester_phone="", requester_address="", details="",
            )  # fmt: skip
            event_write(
                request,
                kind=RequestEvent.Kind.PURGED,
                actor=RequestActor.system(),
                from_status=Status.AWAITING_VERIFICATION,
                to_status=Status.EXPIRED,
            )
            expired += 1
    return expired


REMINDER_DAYS = (7, 2)


def request_deadlines_remind(*, now: datetime.datetime | None = None) -> int:
    """Remind assignees 7 and 2 days before a request is due, and tell the privacy officers
    of overdue ones. Each reminder is sent once per due date (the outbox's dedupe key)."""
    now = now or timezone.now()
    sent = 0
    running = SubjectRequest.objects.filter(
        status__in=[Status.OPEN, Status.IN_PROGRESS], paused_at__isnull=True
    ).select_related("assignee")
    for request in running.filter(due_at__lte=now + datetime.timedelta(days=max(REMINDER_DAYS))):
        due_key = f"{request.due_at:%Y%m%d}"
        if request.due_at < now:
            officers = User.objects.filter(is_active=True, is_staff=True, groups__name=PRIVACY_OFFICER).distinct()
            for officer in officers:
                sent += _staff_notice(
                    request, to=officer, kind="overdue", key=f"request-overdue:{request.pk}:{due_key}:{officer.pk}"
                )
            continue
        if request.assignee is None:
            continue
        days = next(d for d in sorted(REMINDER_DAYS) if request.due_at <= now + datetime.timedelta(days=d))
        sent += _staff_notice(
            request, to=request.assignee, kind=f"{days}d", key=f"request-reminder:{request.pk}:{due_key}:{days}"
        )
    return sent


def _staff_notice(request: SubjectRequest, *, to: User, kind: str, key: str) -> int:
    with transaction.atomic():
        email = email_queue(
            to=to.email,
            template="subject_request_deadline",
            context={
                "request": request,
                "overdue": kind == "overdue",
                "admin_url": absolute_url(reverse("admin:requests_app_subjectrequest_change", args=[request.pk])),
            },
            language=to.language,
            dedupe_key=key,
        )
    return int(email.created)
