"""The hash chain: what an event's hash covers, and the proof that no event was altered.

Each subject's events form a chain (`prev_hash` -> `hash`); `ledger_verify` checks the
chains against the latest signed checkpoint (consent.ledger.checkpoints), recomputes
every chain, checks that evidence is missing only where it was erased, and then compares
both copies of the current state with the events."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection

from consent.accounts.models import Subject
from consent.ledger import signing
from consent.ledger.checkpoints import (
    Findings,
    anchor_problems,
    chain_discrepancies,
    describe,
    file_only_problems,
    trusted_keys,
)
from consent.ledger.checkpoints import statement as checkpoint_statement
from consent.ledger.models import ConsentEvent, ConsentState, LedgerCheckpoint
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


MAX_PROBLEMS = 50


@dataclass
class LedgerVerification:
    events_checked: int = 0
    subjects_checked: int = 0
    # The checkpoints the chains were compared with (the latest stored one, and the one of a
    # checkpoint file), and the events recorded since, which only their chains vouch for.
    checkpoints: list[LedgerCheckpoint] = field(default_factory=list)
    events_since_checkpoint: int = 0
    # Everything found wrong, first MAX_PROBLEMS messages; each names what is missing or changed.
    problems: list[str] = field(default_factory=list)
    problems_total: int = 0
    # The first subject whose current state (ConsentState or its copy in CurrentChoices)
    # disagrees with its events, and how. Only looked for when nothing else is wrong.
    drift: str | None = None

    @property
    def intact(self) -> bool:
        return self.problems_total == 0

    def add(self, message: str) -> None:
        self.problems_total += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)

    def add_findings(self, findings: Findings) -> None:
        self.problems_total += findings.total
        self.problems.extend(findings.messages[: MAX_PROBLEMS - len(self.problems)])


_EVENTS_SINCE_SQL = "SELECT count(*) FROM ledger_consentevent WHERE id > %(last_event_id)s"
_ANY_EVENT_SQL = "SELECT EXISTS (SELECT 1 FROM ledger_consentevent)"

# Evidence may be absent only for a person who was erased, through ledger_evidence_erase()
# (which records each run in ledger_evidenceerasure).
_MISSING_EVIDENCE_SQL = """
SELECT e.subject_id, count(*), min(e.id), bool_or(s.erased_at IS NOT NULL), count(*) OVER ()
  FROM ledger_consentevent e
  LEFT JOIN ledger_consentevidence ev ON ev.event_id = e.id
  LEFT JOIN accounts_subject s ON s.id = e.subject_id
 WHERE ev.event_id IS NULL AND (%(subject)s::uuid IS NULL OR e.subject_id = %(subject)s::uuid)
   AND NOT (s.erased_at IS NOT NULL
            AND EXISTS (SELECT 1 FROM ledger_evidenceerasure er WHERE er.subject_id = e.subject_id))
 GROUP BY e.subject_id
 ORDER BY e.subject_id
 LIMIT %(limit)s
"""


def ledger_verify(
    *, subject: Subject | None = None, checkpoint_file: dict | None = None, chunk_size: int = 5000
) -> LedgerVerification:
    """Prove the ledger against its anchor, then recompute every chain (or one subject's).

    1. The latest stored checkpoint (and the one of `checkpoint_file`, an exported file,
       when given) must carry a valid signature, and its chain heads must hash to its root.
    2. Every chain must still start with exactly the events the checkpoint recorded:
       a chain deleted, cut short or rewritten and re-hashed is named here.
    3. Every event's hash and link is recomputed, streaming in chain order (flat memory).
    4. Evidence may be missing only for people erased through ledger_evidence_erase().
    5. Only if all of that holds: both copies of the current state must agree with the events.
    """
    result = LedgerVerification()
    subject_id = subject.pk if subject is not None else None
    _verify_anchors(result, subject_id=subject_id, checkpoint_file=checkpoint_file)
    _walk_chains(result, subject=subject, chunk_size=chunk_size)
    with connection.cursor() as cursor:
        cursor.execute(_MISSING_EVIDENCE_SQL, {"subject": subject_id, "limit": MAX_PROBLEMS})
        rows = cursor.fetchall()
    for missing_subject, events, first_event, erased, _total in rows:
        why = (
            "it is marked erased, but no erasure of its evidence was recorded (ledger_evidence_erase)"
            if erased
            else "it was never erased"
        )
        result.add(
            f"the evidence of {events} events of subject {missing_subject} is missing (first: event "
            f"#{first_event}), and {why}"
        )
    if rows:
        # The query stops at MAX_PROBLEMS subjects; its window count says how many there are.
        result.problems_total += rows[0][4] - len(rows)
    if result.intact:
        result.drift = state_drift(subject)
    return result


def _verify_anchors(result: LedgerVerification, *, subject_id, checkpoint_file: dict | None) -> None:
    anchors: list[LedgerCheckpoint] = []
    if checkpoint_file is not None:
        refused = signing.file_problems(checkpoint_file, trusted=trusted_keys())
        for problem in refused:
            result.add(f"the checkpoint file is refused: {problem}")
        if not refused:
            stored = LedgerCheckpoint.objects.filter(pk=checkpoint_file["checkpoint"]).first()
            signed = {name: checkpoint_file[name] for name in signing.SIGNED_FIELDS}
            if stored is None:
                result.add(f"{describe(checkpoint_file)} is not in the database: stored checkpoints were deleted")
            elif checkpoint_statement(stored) != signed:
                result.add(f"the database's {describe(stored)} differs from the file's: the checkpoint row was altered")
            else:
                anchors.append(stored)
            if not anchors:
                for problem in file_only_problems(checkpoint_file):
                    result.add(problem)
    latest = LedgerCheckpoint.objects.order_by("-pk").first()
    if latest is not None and latest not in anchors:
        anchors.append(latest)
    if not anchors and checkpoint_file is None:
        with connection.cursor() as cursor:
            cursor.execute(_ANY_EVENT_SQL)
            if cursor.fetchone()[0]:
                result.add(
                    "no checkpoint has been taken, so nothing outside these tables vouches for the events "
                    "(a chain deleted whole or cut short would look the same): run manage.py ledger_checkpoint"
                )
    for anchor in anchors:
        problems = anchor_problems(anchor)
        for problem in problems:
            result.add(problem)
        result.add_findings(chain_discrepancies(anchor, subject_id=subject_id, limit=MAX_PROBLEMS))
    result.checkpoints = anchors
    if anchors:
        with connection.cursor() as cursor:
            cursor.execute(_EVENTS_SINCE_SQL, {"last_event_id": max(a.last_event_id for a in anchors)})
            result.events_since_checkpoint = cursor.fetchone()[0]


def _walk_chains(result: LedgerVerification, *, subject: Subject | None, chunk_size: int) -> None:
    """Recompute every event's hash and link, in chain order; name each event altered and
    each gap where events are missing, and go on (a gap does not break the links after it)."""
    events = ConsentEvent.objects.order_by("subject_id", "id")
    if subject is not None:
        events = events.filter(subject=subject)
    rows = events.values_list(
        "id", "subject_id", "purpose_id", "channel", "decision", "source", "actor_type", "actor_id",
        "policy_version_id", "occurred_at", "evidence_digest", "prev_hash", "hash",
        "evidence__ip_address", "evidence__user_agent", "evidence__language", "evidence__text_hash", "evidence__event_id",
    ).iterator(chunk_size=chunk_size)  # fmt: skip

    current_subject, expected_prev, previous_id = None, ConsentEvent.GENESIS_HASH, None
    for (
        event_id, subject_id, purpose_id, channel, decision, source, actor_type, actor_id,
        policy_version_id, occurred_at, evidence_digest, prev_hash, stored_hash,
        ip_address, user_agent, language, text_hash, evidence_id,
    ) in rows:  # fmt: skip
        if subject_id != current_subject:
            current_subject, expected_prev, previous_id = subject_id, ConsentEvent.GENESIS_HASH, None
            result.subjects_checked += 1
        result.events_checked += 1
        computed = event_hash(
            subject_id=subject_id, purpose_id=purpose_id, channel=channel, decision=decision, source=source,
            actor_type=actor_type, actor_id=actor_id, policy_version_id=policy_version_id, occurred_at=occurred_at,
            evidence_digest=evidence_digest, prev_hash=prev_hash,
        )  # fmt: skip
        if computed != stored_hash:
            result.add(f"event #{event_id} of subject {subject_id} was altered: its content does not match its hash")
        elif prev_hash != expected_prev:
            result.add(_gap(event_id, subject_id, prev_hash, previous_id))
        # Evidence may be erased (then it is absent; checked set-based), never altered.
        if (
            evidence_id is not None
            and Evidence(ip_address, user_agent, language, text_hash).digest() != evidence_digest
        ):
            result.add(f"the evidence of event #{event_id} (subject {subject_id}) was altered")
        expected_prev, previous_id = stored_hash, event_id


def _gap(event_id: int, subject_id, prev_hash: str, previous_id: int | None) -> str:
    """An intact event (its hash recomputes) whose link names an event that is not there:
    what is missing lies between it and the event before it."""
    if prev_hash == ConsentEvent.GENESIS_HASH:
        return f"event #{event_id} of subject {subject_id} claims to start its chain, but event #{previous_id} comes before it"
    if previous_id is None:
        return f"the first events of subject {subject_id} are missing: its earliest event left, #{event_id}, follows one that is gone"
    return f"an event is missing before event #{event_id} of subject {subject_id} (after event #{previous_id})"


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


def event_hash_sql_middle(
    *, purpose_id: str, channel: str | None, decision: str, source: str, actor_type: str, actor_id: str,
    policy_version_id: int | None, occurred_at: datetime, evidence_digest: str,
) -> str:  # fmt: skip
    """What event_hash serialises between the subject id and the predecessor's hash, for
    events hashed in SQL (consent_record_many): the payload is `["` + subject id + this +
    prev_hash + `"]`. Only the subject's UUID and the predecessor's hex hash come from the
    database, and neither needs JSON escaping, so SQL hashes event_hash's bytes exactly."""
    middle = canonical_json(
        [purpose_id, channel, decision, source, actor_type, actor_id, policy_version_id,
         occurred_at.astimezone(UTC).isoformat(timespec="microseconds"), evidence_digest]
    )[1:-1]  # fmt: skip
    return '",' + middle.decode() + ',"'
