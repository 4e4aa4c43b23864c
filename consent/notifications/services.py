"""The outbox's entry points. Other apps call `email_queue` inside their own
transaction: the email is written with their change, or not at all, and is sent
once that transaction commits."""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from consent.accounts.models import Subject
from consent.notifications.models import OutboundEmail
from consent.notifications.rendering import email_language, email_render
from consent.notifications.tasks import send_emails_task

logger = logging.getLogger(__name__)

# Headers the outbox sets itself; a caller's `headers` may add others (List-Unsubscribe …).
_RESERVED_HEADERS = {"from", "to", "cc", "bcc", "subject", "message-id", "date", "reply-to-all"}


def _message_id_domain() -> str:
    return (
        settings.OUTBOX_MESSAGE_ID_DOMAIN or parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    )


def _message_id(domain: str | None = None) -> str:
    return f"<{uuid.uuid4().hex}@{domain or _message_id_domain()}>"


def _headers_validate(headers: dict | None) -> dict[str, str]:
    clean = {}
    for name, value in (headers or {}).items():
        name, value = str(name), str(value)
        if name.lower() in _RESERVED_HEADERS or not name.replace("-", "").isalnum():
            raise ValueError(f"Header {name!r} cannot be set by a caller.")
        if "\n" in value or "\r" in value:
            raise ValueError(f"Header {name!r} has a line break.")
        clean[name] = value
    return clean


# The ids one transaction queues are sent by one task per this many.
PUBLISH_CHUNK = 100


class _PendingBatch:
    """The emails queued in one transaction, published together once it commits."""

    def __init__(self):
        self.ids: list[int] = []
        self.published = False


def _send_after_commit(email_id: int) -> None:
    """Schedule the send of `email_id` for when the caller's transaction commits.

    Each email registers its own on_commit callback (Django drops the callbacks of a
    savepoint that rolls back), but consecutive emails of one transaction share a batch:
    the first callback that runs publishes the whole batch, in chunks, and the others find
    it published. An id whose row was rolled back costs a task that finds nothing to send."""
    pending = transaction.get_connection().run_on_commit
    batch = getattr(pending[-1][1], "outbox_batch", None) if pending else None
    if batch is None or batch.published:
        batch = _PendingBatch()
    batch.ids.append(email_id)

    def publish() -> None:
        _publish(batch)

    publish.outbox_batch = batch
    transaction.on_commit(publish)


def _publish(batch: _PendingBatch) -> None:
    # The emails are already safe in the outbox: a broker that cannot be reached now only
    # delays them until the sweep (OUTBOX_SWEEP_GRACE_SECONDS), it never fails the caller.
    if batch.published:
        return
    batch.published = True
    for start in range(0, len(batch.ids), PUBLISH_CHUNK):
        chunk = batch.ids[start : start + PUBLISH_CHUNK]
        try:
            send_emails_task.apply_async((chunk,), retry=False)
        except Exception:  # noqa: BLE001 - whatever the broker's client raises
            logger.warning(
                "Broker unreachable: %d outbound email(s) from id %s will be sent by the sweep.",
                len(batch.ids) - start,
                chunk[0],
            )
            return


def email_queue(
    *,
    to: str,
    template: str,
    context: dict,
    language: str,
    subject: Subject | None = None,
    headers: dict | None = None,
    dedupe_key: str | None = None,
) -> OutboundEmail:
    """Render `template` in `language` and put it in the outbox, in the caller's transaction.

    `subject` is the person (Subject) the email is about, if any: it links the email to
    their history and their erasure. `headers` adds headers (not From, To, Subject,
    Message-ID). With `dedupe_key`, a second call with the same key returns the first
    row (`created` False) and queues nothing, so callers can retry safely."""
    if not to or "@" not in to:
        raise ValidationError({"to": "An email address is required."})
    extra_headers = _headers_validate(headers)
    if dedupe_key:
        existing = OutboundEmail.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            existing.created = False
            return existing
    rendered = email_render(template=template, context=context, language=language)
    now = timezone.now()
    email = OutboundEmail(
        template=template,
        language=rendered.language,
        subject=subject,
        to_address=to,
        from_address=settings.DEFAULT_FROM_EMAIL,
        subject_line=rendered.subject_line,
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        headers=extra_headers,
        message_id=_message_id(),
        dedupe_key=dedupe_key or None,
        created_at=now,
        next_attempt_at=now,
    )
    if dedupe_key:
        try:
            with transaction.atomic():
                email.save()
        except IntegrityError:
            # A concurrent transaction queued the same key and committed first.
            existing = OutboundEmail.objects.filter(dedupe_key=dedupe_key).first()
            if existing is None:
                raise
            existing.created = False
            return existing
    else:
        email.save()
    email.created = True
    _send_after_commit(email.pk)
    return email


@dataclass(frozen=True)
class EmailToQueue:
    """One recipient of `email_queue_many`: as `email_queue`'s arguments of the same names."""

    to: str
    language: str = ""
    subject: Subject | None = None
    dedupe_key: str | None = None


def email_queue_many(*, template: str, context: Callable[[str], dict], emails: list[EmailToQueue]) -> list[int]:
    """One announcement to many people (a policy notice), in the caller's transaction: the
    same for everyone who reads a language, so `context(language)` is asked, and the email
    rendered, once per language (the language as `email_render` settles it); one query for
    the keys already used and one INSERT, not a round trip per email. An email whose
    `dedupe_key` is in the outbox already, or is taken by a concurrent transaction
    meanwhile, is skipped. Returns the ids of the rows written, each sent after the commit
    like `email_queue`'s."""
    for email in emails:
        if not email.to or "@" not in email.to:
            raise ValidationError({"to": "An email address is required."})
    keys = [email.dedupe_key for email in emails if email.dedupe_key]
    taken = (
        set(OutboundEmail.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)) if keys else set()
    )
    now, domain = timezone.now(), _message_id_domain()
    rows, renderings = [], {}
    for email in emails:
        if email.dedupe_key and email.dedupe_key in taken:
            continue
        taken.add(email.dedupe_key)
        language = email_language(email.language)
        rendered = renderings.get(language)
        if rendered is None:
            rendered = renderings[language] = email_render(
                template=template, context=context(language), language=language
            )
        rows.append(
            OutboundEmail(
                template=template,
                language=rendered.language,
                subject=email.subject,
                to_address=email.to,
                from_address=settings.DEFAULT_FROM_EMAIL,
                subject_line=rendered.subject_line,
                body_text=rendered.body_text,
                body_html=rendered.body_html,
                headers={},
                message_id=_message_id(domain),
                dedupe_key=email.dedupe_key or None,
                created_at=now,
                next_attempt_at=now,
            )
        )
    if not rows:
        return []
    # ON CONFLICT DO NOTHING returns no ids: the rows written are found by their Message-IDs.
    OutboundEmail.objects.bulk_create(rows, ignore_conflicts=True)
    created = list(
        OutboundEmail.objects.filter(message_id__in=[row.message_id for row in rows])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for email_id in created:
        _send_after_commit(email_id)
    return created


@transaction.atomic
def emails_requeue(*, email_ids: list[int]) -> list[int]:
    """Put failed emails back in the queue, attempts reset, to be sent after the commit.
    Emails whose content was already removed (retention, erasure) cannot be re-sent and
    are left as they are. Returns the ids re-queued."""
    emails = (
        OutboundEmail.objects.select_for_update()
        .filter(pk__in=email_ids, status=OutboundEmail.Status.FAILED, redacted_at__isnull=True)
        .order_by("pk")
    )
    ids = list(emails.values_list("pk", flat=True))
    OutboundEmail.objects.filter(pk__in=ids).update(
        status=OutboundEmail.Status.QUEUED, attempts=0, next_attempt_at=timezone.now(), failed_at=None
    )
    for email_id in ids:
        _send_after_commit(email_id)
    return ids
