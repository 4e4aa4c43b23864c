"""Erasure: removing one person's personal data from every table, keeping what the law needs.

Kept: the pseudonymous Subject (its id only), its consent events with their hash chain (the
proof of what the person chose, still verifiable), hashed do-not-contact entries on their
address and phone (reason erasure, all marketing: an erased person is never mailed again),
their place in the disclosure register (ids only), the access log (ids only) and the outbox
rows' metadata. Everything else is removed: the account (deleted, not deactivated: an account
with no name and no address serves nobody, and deleting it takes its profile history,
password reports and second-factor devices with it), the consent evidence, the outbox's
addresses and bodies, sessions, failed-login rows, admin log labels and free text naming them.

The order, for the "your data has been deleted" email: it is queued through the outbox and
sent synchronously *before* anything is removed (its own transaction, then the SMTP send);
only once the outbox has an outcome for it is the data erased, and that email's body and
address are blanked with all the others. If the mail server cannot be reached now, nothing is
erased and ErasureNoticePending says when to try again (a task retries; a second call sends
nothing twice). If the server refuses the address for good, the erasure goes ahead and the
record says the notice failed: a dead mailbox must not keep a person's data alive.

Apps above this one (the request workflow) add their own tables with
`erasure_cleaner_register(fn)`: `fn(*, subject) -> int` runs inside the erasure's transaction,
before the account is deleted, and returns the rows it removed or blanked."""

import re
from collections.abc import Callable
from datetime import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consent.accounts.identity import InvalidIdentifier, email_digest, phone_digest
from consent.accounts.models import DataAccess, PasswordCompromiseReport, ProfileChange, Subject, User, UserSession
from consent.ledger.models import ConsentEvent
from consent.ledger.selectors import consent_choices_explicit
from consent.ledger.services import Actor, consent_evidence_erase, consent_record, subject_lock
from consent.notifications.models import OutboundEmail
from consent.notifications.sending import email_send, emails_redact_for_subject
from consent.notifications.services import email_queue
from consent.suppression.models import SuppressionEntry
from consent.suppression.services import suppression_add_digests
from requests_app.models import Disclosure, ErasureRecord

NOTICE_TEMPLATE = "erasure_notice"
ERASED_TEXT = "[erased]"

# Why each kind of row outlives the erasure. The record stores the keys; the admin shows these.
KEPT_REASONS = {
    "subject": gettext_lazy(
        "The pseudonymous id that the consent proof and the suppression belong to; no name, address or digest."
    ),
    "consent_events": gettext_lazy(
        "Proof of consent (GDPR art. 7(1)); hash-chained, so removing them would break the ledger's proof."
    ),
    "suppression": gettext_lazy(
        "Hashed do-not-contact entries (reason erasure, all marketing), so the person is never contacted again."
    ),
    "disclosures": gettext_lazy("The register must show what was disclosed; it keeps the subject id only."),
    "data_access": gettext_lazy("Who looked at the person's data, for accountability; the rows hold ids only."),
    "emails": gettext_lazy("Which emails were sent and when (template, status, Message-ID), without address or text."),
}

ErasureCleaner = Callable[..., int]
_cleaners: dict[str, ErasureCleaner] = {}


def erasure_cleaner_register(fn: ErasureCleaner, *, name: str = "") -> None:
    """Add a cleaner for an app's own tables: `fn(*, subject) -> int`. Idempotent per name
    (default: the function's dotted path), so an AppConfig.ready run twice adds it once."""
    _cleaners[name or f"{fn.__module__}.{fn.__qualname__}"] = fn


def erasure_cleaner_unregister(fn: ErasureCleaner, *, name: str = "") -> None:
    _cleaners.pop(name or f"{fn.__module__}.{fn.__qualname__}", None)


class ErasureNoticePending(Exception):
    """The "your data is being deleted" email could not be sent yet; nothing was erased."""

    def __init__(self, retry_at: datetime | None):
        self.retry_at = retry_at
        super().__init__(f"The erasure notice is not sent yet; retry after {retry_at or 'a while'}.")


def _addresses(user: User | None, address: str) -> list[str]:
    found = [address] if address else []
    if user is not None:
        found += [user.email, user.pending_email]
    return list(dict.fromkeys(a.strip() for a in found if a and a.strip()))


def _notice_outcome(email_id: int) -> OutboundEmail:
    # Without SKIP LOCKED: if a worker holds the row (it picked the email up after the
    # commit), wait for its transaction and read the outcome it recorded.
    with transaction.atomic():
        return OutboundEmail.objects.select_for_update().get(pk=email_id)


def _notice_send(*, subject: Subject, user: User | None, to: str, language: str) -> tuple[str, int | None]:
    """Queue the notice (once per person: a retry finds the first), send it now, and say
    what became of it. Raises ErasureNoticePending while the outbox will still retry it."""
    if not to:
        return ErasureRecord.Notice.NO_ADDRESS, None
    with transaction.atomic(durable=True):
        email = email_queue(
            to=to,
            template=NOTICE_TEMPLATE,
            context={"first_name": user.first_name if user else ""},
            language=language,
            subject=subject,
            dedupe_key=f"erasure-notice:{subject.pk}",
        )
    if email.status == OutboundEmail.Status.QUEUED:
        # Due now (or at its retry time): the outbox's own send, with its locking and backoff.
        email_send(email_id=email.pk)
        email = _notice_outcome(email.pk)
    if email.status == OutboundEmail.Status.SENT:
        return ErasureRecord.Notice.SENT, email.pk
    if email.status == OutboundEmail.Status.FAILED:
        return ErasureRecord.Notice.FAILED, email.pk
    raise ErasureNoticePending(email.next_attempt_at)


def _digests(subject: Subject, user: User | None, addresses: list[str]) -> list[bytes]:
    digests = [bytes(subject.email_digest)] if subject.email_digest else []
    for address in addresses:
        try:
            digests.append(email_digest(address))
        except InvalidIdentifier:
            continue
    if user is not None and user.phone:
        try:
            digests.append(phone_digest(user.phone))
        except InvalidIdentifier:
            pass
    return list(dict.fromkeys(digests))


def _ledger_withdraw(subject: Subject) -> int:
    """Withdraw every choice the person still grants, source erasure: the ledger itself then
    says that nothing may be done with their data any more."""
    written = 0
    for (purpose, channel), choice in sorted(consent_choices_explicit(subject=subject).items(), key=str):
        if choice.decision == ConsentEvent.Decision.GRANTED:
            consent_record(
                subject=subject,
                purpose=purpose,
                channel=channel,
                decision=ConsentEvent.Decision.WITHDRAWN,
                source=ConsentEvent.Source.ERASURE,
                actor=Actor.system("erasure"),
            )
            written += 1
    return written


def _suppress(digests: list[bytes]) -> int:
    """A hashed do-not-contact entry, all marketing, on each of the person's identifiers."""
    result = suppression_add_digests(
        digests=digests,
        purpose=None,
        channel=None,
        reason=SuppressionEntry.Reason.ERASURE,
        source=_("Erasure"),
        actor=Actor.system("erasure"),
    )
    # An entry their unsubscribe link made could later be undone by that link; once they are
    # erased it must stay, so it becomes an erasure entry. Staff notes may name the person.
    entries = SuppressionEntry.objects.filter(identifier_digest__in=digests)
    entries.filter(reason=SuppressionEntry.Reason.UNSUBSCRIBE_LINK, purpose=None, channel=None).update(
        reason=SuppressionEntry.Reason.ERASURE
    )
    entries.exclude(note="").update(note="")
    return result.added


def _identifiers_pattern(user: User | None, addresses: list[str]) -> re.Pattern | None:
    words = list(addresses)
    if user is not None:
        words += [user.get_full_name(), user.first_name, user.last_name, user.phone, user.street_address]
    words = sorted({w.strip() for w in words if w and len(w.strip()) >= 3}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)


def _disclosures_redact(subject: Subject, pattern: re.Pattern | None) -> int:
    """Free text in the register that names the person: their identifiers are replaced, the
    rest of the text (about other people too) stays."""
    if pattern is None:
        return 0
    changed = 0
    for disclosure in Disclosure.objects.filter(subjects=subject).select_for_update().order_by("pk"):
        note, reference = pattern.sub(ERASED_TEXT, disclosure.note), pattern.sub(ERASED_TEXT, disclosure.reference)
        if (note, reference) != (disclosure.note, disclosure.reference):
            disclosure.note, disclosure.reference = note, reference
            disclosure.save(update_fields=["note", "reference"])
            changed += 1
    return changed


def _sessions_end(user: User) -> int:
    return UserSession.objects.filter(user=user).delete()[0]


def _failed_logins_delete(addresses: list[str]) -> int:
    usernames = Q()
    for address in addresses:
        usernames |= Q(username__iexact=address)
    removed = 0
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        removed += model.objects.filter(usernames).delete()[0]
    return removed


def _admin_log_redact(user: User | None, addresses: list[str]) -> int:
    """The admin's history keeps its rows (who did what, when), without the labels that name the person."""
    rows = Q()
    for address in addresses:
        rows |= Q(object_repr__icontains=address)
    if user is not None:
        rows |= Q(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk))
        report_ids = [str(pk) for pk in PasswordCompromiseReport.objects.filter(user=user).values_list("pk", flat=True)]
        rows |= Q(content_type=ContentType.objects.get_for_model(PasswordCompromiseReport), object_id__in=report_ids)
    if not rows:
        return 0
    return LogEntry.objects.filter(rows).exclude(object_repr=ERASED_TEXT).update(object_repr=ERASED_TEXT)


def _user_delete(user: User) -> dict[str, int]:
    counts = {
        "accounts.ProfileChange": ProfileChange.objects.filter(user=user).count(),
        "accounts.PasswordCompromiseReport": PasswordCompromiseReport.objects.filter(user=user).count(),
    }
    user.delete()
    counts["accounts.User"] = 1
    return counts


def subject_erase(*, subject: Subject, actor: str, reason: str, address: str = "", language: str = "") -> ErasureRecord:
    """Erase the person's personal data everywhere (see the module's description) and record
    what was removed and kept. `address` and `language` are where and in which language to send
    the notice when the person has no account (a public-form requester); by default the account's.

    Idempotent: a person already erased gets their existing record back. Raises
    ErasureNoticePending (nothing erased) while the notice cannot be sent yet.

    Call it outside any transaction (a task, a command): the notice is sent and the erasure
    committed in transactions of its own, so that a caller's rollback can never leave the
    person told but not erased. Inside one, Django's durable atomic raises RuntimeError."""
    reason = (reason or "").strip()
    actor = (actor or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the data is erased (e.g. the request's reference).")})
    if not actor:
        raise ValidationError({"actor": _("Say who erases the data.")})
    subject = Subject.objects.select_related("user").get(pk=subject.pk)
    if subject.erased_at is not None:
        return ErasureRecord.objects.get(subject=subject)
    user = subject.user
    notice, notice_email_id = _notice_send(
        subject=subject,
        user=user,
        to=address or (user.email if user else ""),
        language=user.language if user else language,
    )
    return _erase(
        subject=subject, actor=actor, reason=reason, notice=notice, notice_email_id=notice_email_id, address=address
    )


@transaction.atomic(durable=True)
def _erase(*, subject, actor, reason, notice, notice_email_id, address) -> ErasureRecord:
    subject_lock(subject.pk)
    subject = Subject.objects.select_for_update(of=("self",)).select_related("user").get(pk=subject.pk)
    if subject.erased_at is not None:  # a concurrent erasure finished first
        return ErasureRecord.objects.get(subject=subject)
    user = subject.user
    addresses = _addresses(user, address)
    digests = _digests(subject, user, addresses)
    pattern = _identifiers_pattern(user, addresses)
    removed: dict[str, int] = {}

    removed["ledger (choices withdrawn, source erasure)"] = _ledger_withdraw(subject)
    removed["suppression (entries added, reason erasure)"] = _suppress(digests)
    for name, cleaner in _cleaners.items():
        removed[name] = cleaner(subject=subject)
    removed["requests_app.Disclosure (text naming the person)"] = _disclosures_redact(subject, pattern)
    # Every email to them, the notice included (its outcome is known by now).
    removed["notifications.OutboundEmail (address and content)"] = emails_redact_for_subject(
        subject=subject, addresses=addresses
    )
    removed["axes (failed and logged sign-ins)"] = _failed_logins_delete(addresses)
    removed["admin.LogEntry (labels)"] = _admin_log_redact(user, addresses)
    if user is not None:
        removed["accounts.UserSession"] = _sessions_end(user)
        removed.update(_user_delete(user))

    subject.erased_at = timezone.now()
    subject.user = None
    subject.email_digest = None
    subject.external_id = None
    subject.save(update_fields=["erased_at", "user", "email_digest", "external_id"])
    removed["ledger.ConsentEvidence"] = consent_evidence_erase(subject=subject)

    kept = [
        {"what": "accounts.Subject", "count": 1, "why": "subject"},
        {"what": "ledger.ConsentEvent", "count": ConsentEvent.objects.filter(subject=subject).count(),
         "why": "consent_events"},
        {"what": "suppression.SuppressionEntry",
         "count": SuppressionEntry.objects.filter(identifier_digest__in=digests).count(), "why": "suppression"},
        {"what": "requests_app.Disclosure", "count": Disclosure.objects.filter(subjects=subject).count(),
         "why": "disclosures"},
        {"what": "accounts.DataAccess", "count": DataAccess.objects.filter(subject=subject).count(),
         "why": "data_access"},
        {"what": "notifications.OutboundEmail", "count": OutboundEmail.objects.filter(subject=subject).count(),
         "why": "emails"},
    ]  # fmt: skip
    return ErasureRecord.objects.create(
        subject=subject,
        actor=actor[:100],
        reason=reason[:2000],
        notice=notice,
        notice_email_id=notice_email_id,
        removed=removed,
        kept=kept,
    )
