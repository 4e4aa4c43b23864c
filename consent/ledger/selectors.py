"""Reading the consent ledger: current state, state on a past date, history,
decisions for many people at once, receipts."""

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from consent.accounts.identity import InvalidIdentifier, digest_from_sha256, email_digest, is_sha256_hex
from consent.accounts.models import Subject
from consent.db import prepared_cursor
from consent.ledger.models import ConsentEvent, ConsentState, Purpose
from consent.ledger.projection import CHOICES_DRIFT_SQL, STATES_DRIFT_SQL
from consent.ledger.rules import channel_validate, decide
from consent.suppression.models import SuppressionEntry

CHECK_LIMIT = 10_000
_PURPOSE_CACHE_SECONDS = 60
_purpose_cache: tuple[float, dict[str, Purpose]] = (0.0, {})


def purposes_by_code() -> dict[str, Purpose]:
    """All purposes, cached briefly per process: the hot path must not query nine static rows."""
    global _purpose_cache
    loaded_at, purposes = _purpose_cache
    if time.monotonic() - loaded_at > _PURPOSE_CACHE_SECONDS or not purposes:
        purposes = {purpose.code: purpose for purpose in Purpose.objects.all()}
        _purpose_cache = (time.monotonic(), purposes)
    return purposes


def purpose_get(code: str) -> Purpose:
    purpose = purposes_by_code().get(code)
    if purpose is None:
        raise ValidationError(
            {
                "purpose": _("Unknown purpose '%(code)s'. Known: %(known)s.")
                % {"code": code, "known": ", ".join(Purpose.Code.values)}
            }
        )
    return purpose


# --- one subject ---------------------------------------------------------------------------


@dataclass
class ChoiceState:
    channel: str | None
    decision: str | None  # the explicit choice, None if never made
    allowed: bool
    reason: str
    event_id: int | None
    updated_at: datetime | None


@dataclass
class PurposeState:
    purpose: Purpose
    overall: ChoiceState  # the choice made for the purpose as a whole
    channels: list[ChoiceState] = field(default_factory=list)


def consent_state(*, subject: Subject, at: datetime | None = None) -> list[PurposeState]:
    """The state of every purpose for one person, now (from ConsentState) or as it
    stood at `at` (recomputed from the events)."""
    if at is None:
        rows = ConsentState.objects.filter(subject=subject).values_list(
            "purpose_id", "channel", "decision", "event_id", "updated_at"
        )
    else:
        rows = (
            ConsentEvent.objects.filter(subject=subject, occurred_at__lte=at)
            .order_by("purpose_id", "channel", "-id")
            .distinct("purpose_id", "channel")
            .values_list("purpose_id", "channel", "decision", "id", "occurred_at")
        )
    explicit = {
        (purpose_id, channel): (decision, event_id, when) for purpose_id, channel, decision, event_id, when in rows
    }
    suppressions = SuppressionEntry.objects.none()
    if subject.email_digest:
        suppressions = SuppressionEntry.objects.filter(identifier_digest=subject.email_digest)
        if at is not None:
            suppressions = suppressions.filter(created_at__lte=at)
    suppressed_scopes = set(suppressions.values_list("purpose", "channel"))
    accepted = explicit.get((Purpose.Code.PRIMARY_USE, None), (None,))[0] == ConsentEvent.Decision.GRANTED
    erased = subject.erased_at is not None and (at is None or subject.erased_at <= at)

    def choice(purpose: Purpose, channel: str | None) -> ChoiceState:
        candidates = [explicit.get((purpose.code, None))]
        if channel is not None:
            candidates.append(explicit.get((purpose.code, channel)))
        latest = max((c for c in candidates if c), key=lambda c: c[1], default=(None, None, None))
        suppressed = any(
            (p is None or p == purpose.code) and (c is None or channel is None or c == channel)
            for p, c in suppressed_scopes
        )
        if channel is None:
            # For the purpose as a whole, only an all-channel entry suppresses.
            suppressed = any((p is None or p == purpose.code) and c is None for p, c in suppressed_scopes)
        allowed, reason = decide(
            purpose=purpose, explicit=latest[0], suppressed=suppressed, erased=erased, policy_accepted=accepted
        )
        return ChoiceState(channel, latest[0], allowed, reason, latest[1], latest[2])

    return [
        PurposeState(purpose, choice(purpose, None), [choice(purpose, channel) for channel in purpose.channels])
        for purpose in purposes_by_code().values()
    ]


def consent_history(*, subject: Subject) -> QuerySet[ConsentEvent]:
    return (
        ConsentEvent.objects.filter(subject=subject)
        .select_related("evidence", "policy_version__document")
        .order_by("id")
    )


def subject_resolve(
    *, subject_id: str | None = None, email: str | None = None, external_id: str | None = None
) -> Subject | None:
    """The Subject named by one of its identifiers, or None. Raises InvalidIdentifier for a malformed one."""
    if subject_id:
        try:
            return Subject.objects.filter(pk=uuid.UUID(str(subject_id))).first()
        except ValueError:
            raise InvalidIdentifier(_("Not a valid subject id (a UUID).")) from None
    if email:
        return Subject.objects.filter(email_digest=email_digest(email)).first()
    if external_id:
        return Subject.objects.filter(external_id=external_id).first()
    return None


# --- many people at once -------------------------------------------------------------------


@dataclass
class Decision:
    identifier: str
    subject_id: uuid.UUID | None
    allowed: bool
    reason: str


# Two probes per identifier: the subject (by id, or by digest through the hash index)
# and its suppression entries. The subject row carries a copy of its ConsentState rows
# (consent_choices), so the explicit choice comes from the row already read. Of the choice
# for the whole purpose and the one for this channel, the later (higher event id) counts.
_DECISIONS_SQL = """
SELECT i.ord, s.id, s.erased_at IS NOT NULL, sup.hit IS NOT NULL,
       CASE WHEN c.channel_choice IS NULL THEN c.whole_choice ->> 0
            WHEN c.whole_choice IS NULL
              OR (c.channel_choice ->> 1)::bigint > (c.whole_choice ->> 1)::bigint THEN c.channel_choice ->> 0
            ELSE c.whole_choice ->> 0 END,
       COALESCE(c.accepted_choice ->> 0 = 'granted', false)
  FROM unnest(%(digests)b::bytea[], %(subject_ids)b::uuid[]) WITH ORDINALITY AS i(digest, subject_id, ord)
  LEFT JOIN LATERAL (
        SELECT by_id.id, by_id.email_digest, by_id.erased_at, by_id.consent_choices FROM accounts_subject by_id
         WHERE by_id.id = i.subject_id
        UNION ALL
        SELECT by_digest.id, by_digest.email_digest, by_digest.erased_at, by_digest.consent_choices
          FROM accounts_subject by_digest
         WHERE i.subject_id IS NULL AND by_digest.email_digest = i.digest
        LIMIT 1
  ) s ON true
  LEFT JOIN LATERAL (
        SELECT true AS hit FROM suppression_suppressionentry se
         WHERE %(contact)s AND se.identifier_digest = COALESCE(i.digest, s.email_digest)
           AND (se.purpose IS NULL OR se.purpose = %(purpose)s)
           AND (se.channel IS NULL OR se.channel = %(channel)s)
         LIMIT 1
  ) sup ON true
  CROSS JOIN LATERAL (
        SELECT s.consent_choices -> %(whole_key)s AS whole_choice,
               s.consent_choices -> %(channel_key)s AS channel_choice,
               s.consent_choices -> %(accepted_key)s AS accepted_choice
  ) c
"""


def _parse_identifier(raw) -> tuple[bytes | None, uuid.UUID | None]:
    """An email address, a SHA-256 of a canonical address (64 hex), or a subject UUID."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidIdentifier(_("Expected an email address, a SHA-256 hash or a subject id."))
    value = raw.strip()
    if "@" in value:
        return email_digest(value), None
    if is_sha256_hex(value):
        return digest_from_sha256(value), None
    try:
        return None, uuid.UUID(value)
    except ValueError:
        raise InvalidIdentifier(_("Expected an email address, a SHA-256 hash or a subject id.")) from None


def decisions_query_params(purpose: Purpose, channel: str | None, digests: list, subject_ids: list) -> dict:
    return {
        "contact": purpose.contacts_people,
        "purpose": purpose.code,
        "channel": channel,
        "whole_key": ConsentState.choice_key(purpose.code, None),
        "channel_key": ConsentState.choice_key(purpose.code, channel) if channel else None,
        "accepted_key": ConsentState.choice_key(Purpose.Code.PRIMARY_USE, None),
        # An array of only NULLs is sent as NULL: unnest pads it out, and psycopg skips a
        # scan of the list for its element type.
        "digests": digests if any(digests) else None,
        "subject_ids": subject_ids if any(subject_ids) else None,
    }


def consent_decisions(*, purpose: str, channel: str | None, identifiers: list[str]) -> list[Decision]:
    """May `purpose` use `channel` for each person, and why? One query for up to 10,000."""
    purpose_obj = purpose_get(purpose)
    channel = channel or None
    channel_validate(purpose=purpose_obj, channel=channel, required=True)
    if len(identifiers) > CHECK_LIMIT:
        raise ValidationError({"identifiers": _("At most %(limit)d identifiers per call.") % {"limit": CHECK_LIMIT}})

    digests, subject_ids, errors = [], [], []
    for index, raw in enumerate(identifiers):
        try:
            digest, subject_id = _parse_identifier(raw)
        except InvalidIdentifier as exc:
            errors.append(_("Item %(index)d (%(value)r): %(reason)s") % {"index": index, "value": raw, "reason": exc})
            digest, subject_id = None, None
        digests.append(digest)
        subject_ids.append(subject_id)
    if errors:
        # The first few are enough to fix a generator's bug; all of them could be 10,000 lines.
        raise ValidationError({"identifiers": errors[:20]})

    # 10,000 digests travel as one binary array parameter, not a megabyte of SQL text.
    with prepared_cursor() as cursor:
        cursor.execute(_DECISIONS_SQL, decisions_query_params(purpose_obj, channel, digests, subject_ids))
        rows = cursor.fetchall()

    decisions: list[Decision | None] = [None] * len(identifiers)
    outcomes = {}  # a handful of distinct facts across 10,000 people: decide each once
    for ordinal, subject_id, erased, suppressed, explicit, accepted in rows:
        facts = (explicit, suppressed, erased, accepted)
        outcome = outcomes.get(facts)
        if outcome is None:
            outcome = outcomes[facts] = decide(
                purpose=purpose_obj, explicit=explicit, suppressed=suppressed, erased=erased, policy_accepted=accepted
            )
        decisions[ordinal - 1] = Decision(identifiers[ordinal - 1], subject_id, *outcome)
    return decisions


# --- receipts ------------------------------------------------------------------------------


def consent_receipt(*, event: ConsentEvent) -> dict:
    """A receipt for one event, with the field names of the Kantara Consent Receipt v1.1
    and ISO/IEC TS 27560 (consent record information structure)."""
    purpose = purposes_by_code()[event.purpose_id]
    version = event.policy_version
    evidence = getattr(event, "evidence", None)
    notice_url = (
        f"{settings.PUBLIC_BASE_URL}{version.get_absolute_url()}" if version else f"{settings.PUBLIC_BASE_URL}/privacy/"
    )
    return {
        "version": "KI-CR-v1.1.0",
        "jurisdiction": "EU",
        "consentReceiptID": f"{event.subject_id}-{event.pk}",
        "recordId": event.pk,
        "consentTimestamp": int(event.occurred_at.timestamp()),
        "eventTime": event.occurred_at.isoformat(),
        "eventType": event.decision,
        "collectionMethod": event.source,
        "piiPrincipalId": str(event.subject_id),
        "language": evidence.language if evidence else "",
        "piiControllers": [
            {
                "piiController": settings.CONTROLLER_NAME,
                "contact": settings.CONTROLLER_CONTACT,
                "email": settings.CONTROLLER_CONTACT,
            }
        ],
        "policyUrl": notice_url,
        "notice": {
            "document": version.document.slug if version else None,
            "version": version.label if version else None,
            "url": notice_url,
            "textHash": evidence.text_hash if evidence else "",
        },
        "services": [
            {
                "service": settings.CONTROLLER_NAME,
                "purposes": [
                    {
                        "purpose": purpose.name,
                        "purposeCode": purpose.code,
                        "consentType": "EXPLICIT" if purpose.kind == Purpose.Kind.OPT_IN else "IMPLICIT",
                        "lawfulBasis": purpose.lawful_basis,
                        "purposeCategory": [purpose.code],
                        "channel": event.channel,
                        "primaryPurpose": purpose.code == Purpose.Code.PRIMARY_USE,
                        "termination": _("Withdraw at any time in the privacy centre.")
                        if purpose.withdrawable
                        else _("Ends when the account is closed."),
                        "thirdPartyDisclosure": purpose.code == Purpose.Code.MARKETING_THIRD_PARTY,
                    }
                ],
            }
        ],
        "sensitive": False,
        "spiCat": [],
        "integrity": {
            "hash": event.hash,
            "prevHash": event.prev_hash,
            "evidenceDigest": event.evidence_digest,
            "algorithm": "SHA-256",
        },
    }


# --- verification --------------------------------------------------------------------------


@dataclass
class BrokenLink:
    event_id: int
    subject_id: uuid.UUID
    problem: str


@dataclass
class LedgerVerification:
    events_checked: int = 0
    subjects_checked: int = 0
    broken: BrokenLink | None = None
    # The first subject whose current state (ConsentState or its copy on the subject)
    # disagrees with its events, and how.
    drift: str | None = None


def ledger_verify(*, subject: Subject | None = None, chunk_size: int = 5000) -> LedgerVerification:
    """Recompute every chain (or one subject's) and stop at the first broken link.

    Streams events in chain order, so memory stays flat however large the ledger is."""
    from consent.ledger.services import Evidence, event_hash

    events = ConsentEvent.objects.order_by("subject_id", "id")
    if subject is not None:
        events = events.filter(subject=subject)
    rows = events.values_list(
        "id", "subject_id", "purpose_id", "channel", "decision", "source", "actor_type", "actor_id",
        "policy_version_id", "occurred_at", "evidence_digest", "prev_hash", "hash",
        "evidence__ip_address", "evidence__user_agent", "evidence__language", "evidence__text_hash", "evidence__event_id",
    ).iterator(chunk_size=chunk_size)  # fmt: skip

    result = LedgerVerification()
    current_subject, expected_prev = None, ConsentEvent.GENESIS_HASH
    for (
        event_id, subject_id, purpose_id, channel, decision, source, actor_type, actor_id,
        policy_version_id, occurred_at, evidence_digest, prev_hash, stored_hash,
        ip_address, user_agent, language, text_hash, evidence_id,
    ) in rows:  # fmt: skip
        if subject_id != current_subject:
            current_subject, expected_prev = subject_id, ConsentEvent.GENESIS_HASH
            result.subjects_checked += 1
        result.events_checked += 1
        if prev_hash != expected_prev:
            result.broken = BrokenLink(event_id, subject_id, "prev_hash does not match the hash of the event before it")
            return result
        computed = event_hash(
            subject_id=subject_id, purpose_id=purpose_id, channel=channel, decision=decision, source=source,
            actor_type=actor_type, actor_id=actor_id, policy_version_id=policy_version_id, occurred_at=occurred_at,
            evidence_digest=evidence_digest, prev_hash=prev_hash,
        )  # fmt: skip
        if computed != stored_hash:
            result.broken = BrokenLink(event_id, subject_id, "the event's content does not match its hash")
            return result
        # Evidence may be erased (then it is absent), never altered.
        if (
            evidence_id is not None
            and Evidence(ip_address, user_agent, language, text_hash).digest() != evidence_digest
        ):
            result.broken = BrokenLink(event_id, subject_id, "the evidence does not match the event's evidence digest")
            return result
        expected_prev = stored_hash
    result.drift = _state_drift(subject)
    return result


def _state_drift(subject: Subject | None) -> str | None:
    """Compare both copies of the current state with what the events say, set-based."""
    params = {"subject": subject.pk if subject else None}
    with connection.cursor() as cursor:
        cursor.execute(STATES_DRIFT_SQL, params)
        row = cursor.fetchone()
        if row:
            subject_id, purpose_id, channel, last_event, state_event = row
            key = ConsentState.choice_key(purpose_id, channel)
            return (
                f"subject {subject_id}: the current state of {key} is event {state_event}, "
                f"but its last event is {last_event}"
            )
        cursor.execute(CHOICES_DRIFT_SQL, params)
        row = cursor.fetchone()
    if row:
        return f"subject {row[0]}: the copy of its current state on the subject row differs from ConsentState"
    return None
