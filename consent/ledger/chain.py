"""The hash chain: what an event's hash covers, and the proof that no event was altered.

Each subject's events form a chain (`prev_hash` -> `hash`); `ledger_verify` recomputes
every chain and compares both copies of the current state with the events."""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection

from consent.accounts.models import Subject
from consent.ledger.models import ConsentEvent, ConsentState
from consent.ledger.projection import CHOICES_DRIFT_SQL, STATES_DRIFT_SQL


def canonical_json(value) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()


@dataclass(frozen=True)
class Evidence:
    """What the person saw and where from. Its digest goes into the event's hash."""

    ip_address: str | None = None
    user_agent: str = ""
    language: str = ""
    text_hash: str = ""

    def digest(self) -> str:
        return hashlib.sha256(
            canonical_json([self.ip_address, self.user_agent, self.language, self.text_hash])
        ).hexdigest()


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
    return hashlib.sha256(canonical_json(payload)).hexdigest()


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
    # The first subject whose current state (ConsentState or its copy in CurrentChoices)
    # disagrees with its events, and how.
    drift: str | None = None


def ledger_verify(*, subject: Subject | None = None, chunk_size: int = 5000) -> LedgerVerification:
    """Recompute every chain (or one subject's) and stop at the first broken link.

    Streams events in chain order, so memory stays flat however large the ledger is."""
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
    result.drift = state_drift(subject)
    return result


def state_drift(subject: Subject | None) -> str | None:
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
        return f"subject {row[0]}: its CurrentChoices row differs from its ConsentState rows"
    return None


def event_hasher(
    *, decision: str, source: str, actor_type: str, actor_id: str, policy_version_id: int | None,
    occurred_at: datetime, evidence_digest: str,
):  # fmt: skip
    """event_hash for many events that share everything but subject, purpose, channel and
    predecessor (a bulk withdrawal): the shared middle of the payload serialised once.
    Gives the same hashes as event_hash (tests/ledger/test_chain_bulk.py)."""
    shared = canonical_json(
        [decision, source, actor_type, actor_id, policy_version_id,
         occurred_at.astimezone(UTC).isoformat(timespec="microseconds"), evidence_digest]
    )[1:-1]  # fmt: skip

    def hash_of(*, subject_id, purpose_id: str, channel: str | None, prev_hash: str) -> str:
        head = canonical_json([str(subject_id), purpose_id, channel])[:-1]
        return hashlib.sha256(head + b"," + shared + b',"' + prev_hash.encode() + b'"]').hexdigest()

    return hash_of
