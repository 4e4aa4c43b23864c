"""Writing to the consent ledger. `consent_record` is the only way an event is made."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.accounts.identity import InvalidIdentifier
from consent.accounts.models import Subject
from consent.db import prepared_cursor
from consent.ledger.models import ConsentEvent, ConsentState, Purpose
from consent.ledger.projection import CHOICES_REBUILD_SQL, STATES_REBUILD_SQL
from consent.ledger.rules import channel_validate
from consent.ledger.selectors import purpose_get
from consent.policies.models import PolicyVersion


@dataclass(frozen=True)
class Actor:
    """Who made a change: the person, a staff member, an API key or the platform."""

    type: str
    id: str = ""

    @classmethod
    def subject(cls) -> "Actor":
        return cls(ConsentEvent.ActorType.SUBJECT)

    @classmethod
    def staff(cls, user) -> "Actor":
        return cls(ConsentEvent.ActorType.STAFF, str(user.pk))

    @classmethod
    def api_key(cls, api_key) -> "Actor":
        return cls(ConsentEvent.ActorType.API_KEY, api_key.prefix)

    @classmethod
    def system(cls, name: str = "") -> "Actor":
        return cls(ConsentEvent.ActorType.SYSTEM, name)


@dataclass(frozen=True)
class Evidence:
    """What the person saw and where from. Its digest goes into the event's hash."""

    ip_address: str | None = None
    user_agent: str = ""
    language: str = ""
    text_hash: str = ""

    @classmethod
    def from_request(cls, request, *, text_hash: str = "", language: str = "") -> "Evidence":
        return cls(
            ip_address=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:512],
            language=language or getattr(request, "LANGUAGE_CODE", ""),
            text_hash=text_hash,
        )

    def digest(self) -> str:
        return hashlib.sha256(
            _canonical_json([self.ip_address, self.user_agent, self.language, self.text_hash])
        ).hexdigest()


class IdempotencyConflict(Exception):
    """An idempotency key already used for a different request."""


def _canonical_json(value) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()


def event_hash(
    *,
    subject_id,
    purpose_id: str,
    channel: str | None,
    decision: str,
    source: str,
    actor_type: str,
    actor_id: str,
    policy_version_id: int | None,
    occurred_at: datetime,
    evidence_digest: str,
    prev_hash: str,
) -> str:
    """SHA-256 over a canonical serialisation of everything the event asserts."""
    payload = [
        str(subject_id),
        purpose_id,
        channel,
        decision,
        source,
        actor_type,
        actor_id,
        policy_version_id,
        occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        evidence_digest,
        prev_hash,
    ]
    return hashlib.sha256(_canonical_json(payload)).hexdigest()


def _validate(
    *, subject: Subject, purpose: Purpose, channel: str | None, decision: str, source: str, policy_version
) -> None:
    if decision not in ConsentEvent.Decision.values:
        raise ValidationError({"decision": _("Must be one of: %s.") % ", ".join(ConsentEvent.Decision.values)})
    if source not in ConsentEvent.Source.values:
        raise ValidationError({"source": _("Must be one of: %s.") % ", ".join(ConsentEvent.Source.values)})
    channel_validate(purpose=purpose, channel=channel)
    erasing = source == ConsentEvent.Source.ERASURE
    if decision == ConsentEvent.Decision.WITHDRAWN and not purpose.withdrawable and not erasing:
        raise ValidationError(
            {
                "decision": _("%(purpose)s cannot be withdrawn; it ends when the account is closed.")
                % {"purpose": purpose.code}
            }
        )
    if policy_version is not None and policy_version.status == PolicyVersion.Status.DRAFT:
        # An event cites the text the person was shown; a draft was shown to no one.
        raise ValidationError({"policy_version": _("No published policy version with this id.")})
    if subject.erased_at is not None and not erasing:
        raise ValidationError({"subject": _("This person's data has been erased; no new consent can be recorded.")})


def _lock_subject(subject_id) -> str:
    """Serialise writers of one subject's chain; returns the chain's head hash."""
    with prepared_cursor() as cursor:
        # An advisory lock, not SELECT ... FOR UPDATE: it writes nothing to the subject row.
        # Two statements, not one: the head must be read with a snapshot taken after the lock.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s::text, 0))", [str(subject_id)])
        cursor.execute(
            "SELECT hash FROM ledger_consentevent WHERE subject_id = %s ORDER BY id DESC LIMIT 1", [subject_id]
        )
        row = cursor.fetchone()
    return row[0] if row else ConsentEvent.GENESIS_HASH


def consent_record(
    *,
    subject: Subject,
    purpose: Purpose | str,
    decision: str,
    source: str,
    actor: Actor,
    evidence: Evidence | None = None,
    channel: str | None = None,
    policy_version: PolicyVersion | None = None,
    idempotency_key: str | None = None,
) -> ConsentEvent:
    """Append one event to the subject's chain and update the current state, in one transaction.

    With an `idempotency_key`, a retry returns the first event (its `created` is False)
    instead of recording a second one; the same key with a different request raises
    IdempotencyConflict."""
    if isinstance(purpose, str):
        purpose = purpose_get(purpose)
    channel = channel or None
    _validate(
        subject=subject,
        purpose=purpose,
        channel=channel,
        decision=decision,
        source=source,
        policy_version=policy_version,
    )
    evidence = evidence or Evidence()

    if idempotency_key:
        existing = _replayed(idempotency_key, subject=subject, purpose=purpose, channel=channel, decision=decision)
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            event = _append(
                subject=subject,
                purpose=purpose,
                channel=channel,
                decision=decision,
                source=source,
                actor=actor,
                evidence=evidence,
                policy_version=policy_version,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        # A concurrent retry with the same key won the race.
        if idempotency_key:
            existing = _replayed(idempotency_key, subject=subject, purpose=purpose, channel=channel, decision=decision)
            if existing is not None:
                return existing
        raise
    event.created = True
    return event


@transaction.atomic
def consent_record_for_person(
    *, email: str | None = None, external_id: str | None = None, subject_id: str | None = None, **record
) -> ConsentEvent:
    """Find (or create) the person named by email, external id or subject id, then record
    the event: one transaction, so a refused event leaves no new subject behind."""
    from consent.accounts.services import subject_get_or_create
    from consent.ledger.selectors import subject_resolve

    try:
        if subject_id:
            subject = subject_resolve(subject_id=subject_id)
            if subject is None:
                raise ValidationError({"subject": _("No subject with this id.")})
        else:
            subject = subject_get_or_create(email=email, external_id=external_id)
    except InvalidIdentifier as exc:
        raise ValidationError({"subject": str(exc)}) from None
    return consent_record(subject=subject, **record)


def _replayed(key: str, *, subject, purpose, channel, decision) -> ConsentEvent | None:
    event = ConsentEvent.objects.filter(idempotency_key=key).first()
    if event is None:
        return None
    if (event.subject_id, event.purpose_id, event.channel, event.decision) != (
        subject.pk,
        purpose.pk,
        channel,
        decision,
    ):
        raise IdempotencyConflict(_("This Idempotency-Key was already used for a different request."))
    event.created = False
    return event


_APPEND_SQL = """
WITH event AS (
    INSERT INTO ledger_consentevent
        (subject_id, purpose_id, channel, decision, source, actor_type, actor_id, policy_version_id,
         occurred_at, evidence_digest, prev_hash, hash, idempotency_key)
    VALUES (%(subject)s, %(purpose)s, %(channel)s, %(decision)s, %(source)s, %(actor_type)s, %(actor_id)s,
            %(policy_version)s, %(occurred_at)s, %(evidence_digest)s, %(prev_hash)s, %(hash)s, %(idempotency_key)s)
    RETURNING id
), evidence AS (
    INSERT INTO ledger_consentevidence (event_id, ip_address, user_agent, language, text_hash)
    SELECT id, %(ip_address)s::inet, %(user_agent)s, %(language)s, %(text_hash)s FROM event
), state AS (
    INSERT INTO ledger_consentstate (subject_id, purpose_id, channel, decision, event_id, updated_at)
    SELECT %(subject)s, %(purpose)s, %(channel)s, %(decision)s, id, %(occurred_at)s FROM event
    ON CONFLICT ON CONSTRAINT ledger_consentstate_unique
    DO UPDATE SET decision = EXCLUDED.decision, event_id = EXCLUDED.event_id, updated_at = EXCLUDED.updated_at
), choices AS (
    UPDATE accounts_subject s
       SET consent_choices = s.consent_choices
                             || jsonb_build_object(%(choice_key)s::text, jsonb_build_array(%(decision)s::text, event.id))
      FROM event
     WHERE s.id = %(subject)s
)
SELECT id FROM event
"""


def consent_state_rebuild() -> tuple[int, int]:
    """Rewrite ConsentState from the events, then Subject.consent_choices from ConsentState,
    where they differ: for data loaded around consent_record (a restore of the ledger
    tables, the bench's generator). Returns (states written, subjects' copies rewritten)."""
    with connection.cursor() as cursor:
        cursor.execute(STATES_REBUILD_SQL)
        states = cursor.rowcount
        cursor.execute(CHOICES_REBUILD_SQL)
        return states, cursor.rowcount


def _append(
    *, subject, purpose, channel, decision, source, actor, evidence, policy_version, idempotency_key
) -> ConsentEvent:
    prev_hash = _lock_subject(subject.pk)
    occurred_at = timezone.now()
    evidence_digest = evidence.digest()
    event = ConsentEvent(
        subject=subject,
        purpose=purpose,
        channel=channel,
        decision=decision,
        source=source,
        actor_type=actor.type,
        actor_id=actor.id,
        policy_version=policy_version,
        occurred_at=occurred_at,
        evidence_digest=evidence_digest,
        prev_hash=prev_hash,
        idempotency_key=idempotency_key,
    )
    event.hash = event_hash(
        subject_id=subject.pk,
        purpose_id=purpose.pk,
        channel=channel,
        decision=decision,
        source=source,
        actor_type=actor.type,
        actor_id=actor.id,
        policy_version_id=policy_version.pk if policy_version else None,
        occurred_at=occurred_at,
        evidence_digest=evidence_digest,
        prev_hash=prev_hash,
    )
    # One statement writes the event, its evidence and both copies of the state: one round trip.
    with prepared_cursor() as cursor:
        cursor.execute(
            _APPEND_SQL,
            {
                "subject": subject.pk,
                "purpose": purpose.pk,
                "channel": channel,
                "decision": decision,
                "source": source,
                "actor_type": actor.type,
                "actor_id": actor.id,
                "policy_version": policy_version.pk if policy_version else None,
                "occurred_at": occurred_at,
                "evidence_digest": evidence_digest,
                "prev_hash": prev_hash,
                "hash": event.hash,
                "idempotency_key": idempotency_key,
                "ip_address": evidence.ip_address,
                "user_agent": evidence.user_agent,
                "language": evidence.language,
                "text_hash": evidence.text_hash,
                "choice_key": ConsentState.choice_key(purpose.pk, channel),
            },
        )
        event.pk = cursor.fetchone()[0]
    event._state.adding = False
    event._state.db = connection.alias
    return event
