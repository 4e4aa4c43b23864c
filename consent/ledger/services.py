"""Writing to the consent ledger: `consent_record` (one event) and `consent_record_many` (the same
choices for up to 1,000 people) are the only ways an event is made."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.accounts.identity import InvalidIdentifier
from consent.accounts.models import Subject
from consent.accounts.selectors import subject_resolve
from consent.accounts.services import subject_get_or_create
from consent.db import prepared_cursor
from consent.ledger.chain import Evidence, event_hash_sql_middle
from consent.ledger.checkpoints import anchor_problems, chain_discrepancies, checkpoint_lock, checkpoint_write
from consent.ledger.models import ConsentEvent, ConsentState, LedgerCheckpoint, Purpose
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


class IdempotencyConflict(Exception):
    """An idempotency key already used for a different request."""


# Longest Idempotency-Key a caller may send; the stored key adds the actor's scope.
IDEMPOTENCY_KEY_MAX_LENGTH = 100


# Choices' `values` builds a new list on every read; these are read on every event.
_DECISIONS = frozenset(ConsentEvent.Decision.values)
_SOURCES = frozenset(ConsentEvent.Source.values)


def _validate(*, purpose: Purpose, channel: str | None, decision: str, source: str, policy_version) -> None:
    if decision not in _DECISIONS:
        raise ValidationError({"decision": _("Must be one of: %s.") % ", ".join(ConsentEvent.Decision.values)})
    if source not in _SOURCES:
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
    if policy_version is None:
        return
    # An event cites the text the person was shown: a draft was shown to no one, and a
    # retired version is no longer shown to anyone.
    if policy_version.status == PolicyVersion.Status.DRAFT:
        raise ValidationError({"policy_version": _("No published policy version with this id.")})
    if policy_version.status == PolicyVersion.Status.RETIRED:
        raise ValidationError(
            {
                "policy_version": _("Version %(label)s has been replaced; cite the version in force.")
                % {"label": policy_version.label}
            }
        )


def _scoped_idempotency_key(key: str | None, actor: Actor) -> str | None:
    """Keys are the caller's own: the same key from two callers names two requests."""
    key = (key or "").strip()
    if not key:
        return None
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValidationError(
            {"Idempotency-Key": _("At most %(limit)d characters.") % {"limit": IDEMPOTENCY_KEY_MAX_LENGTH}}
        )
    return f"{actor.type}:{actor.id}:{key}"


_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended(%s::text, 0))"


def subject_lock(subject_id) -> None:
    """Serialise every writer of one person's ledger (events, erasure) until the transaction ends.

    An advisory lock, not SELECT ... FOR UPDATE on the subject row: appending must not
    wait on, or block, a form that is saving the person's other fields."""
    with prepared_cursor() as cursor:
        cursor.execute(_LOCK_SQL, [str(subject_id)])


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

    With an `idempotency_key` (the caller's own; scoped here to the actor), a retry
    returns the first event (its `created` is False) instead of recording a second one;
    the same key with any other request raises IdempotencyConflict."""
    if isinstance(purpose, str):
        purpose = purpose_get(purpose)
    channel = channel or None
    _validate(purpose=purpose, channel=channel, decision=decision, source=source, policy_version=policy_version)
    evidence = evidence or Evidence()
    evidence_digest = evidence.digest()
    request = {
        "subject_id": subject.pk,
        "purpose_id": purpose.pk,
        "channel": channel,
        "decision": decision,
        "source": source,
        "policy_version_id": policy_version.pk if policy_version else None,
        "evidence_digest": evidence_digest,
    }
    key = _scoped_idempotency_key(idempotency_key, actor)
    if key:
        existing = _replayed(key, request)
        if existing is not None:
            return existing
    event = _append(
        subject=subject,
        purpose=purpose,
        channel=channel,
        decision=decision,
        source=source,
        actor=actor,
        evidence=evidence,
        evidence_digest=evidence_digest,
        policy_version=policy_version,
        idempotency_key=key,
    )
    if event is None:
        # A concurrent retry with the same key won the race: answer with its event.
        return _replayed(key, request)
    event.created = True
    return event


@transaction.atomic
def consent_record_for_person(
    *, email: str | None = None, external_id: str | None = None, subject_id: str | None = None, **record
) -> ConsentEvent:
    """Find (or create) the person named by email, external id or subject id, then record
    the event: one transaction, so a refused event leaves no new subject behind."""
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


def _replayed(key: str, request: dict) -> ConsentEvent | None:
    event = ConsentEvent.objects.filter(idempotency_key=key).first()
    if event is None:
        return None
    if any(getattr(event, field) != value for field, value in request.items()):
        raise IdempotencyConflict(_("This Idempotency-Key was already used for a different request."))
    event.created = False
    return event


_APPEND_SQL = "SELECT * FROM ledger_append(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::inet, %s, %s, %s)"


def consent_state_rebuild() -> tuple[int, int]:
    """Rewrite ConsentState from the events, then CurrentChoices from ConsentState, where
    they differ: for data loaded around consent_record (a restore of the ledger tables, the
    bench's generator). Returns (states written, people's copies rewritten).

    It rebuilds from the events that are there. Run it only when `verify_ledger` reports
    every chain intact against a checkpoint and nothing but the state's drift: over a ledger
    with events missing (a chain cut short, a person's withdrawal deleted) it would make the
    current state agree with the tampered events and erase the last trace of what was lost.
    Restore the missing events from a backup first."""
    with connection.cursor() as cursor:
        cursor.execute(STATES_REBUILD_SQL)
        states = cursor.rowcount
        cursor.execute(CHOICES_REBUILD_SQL)
        return states, cursor.rowcount


def _append(
    *, subject, purpose, channel, decision, source, actor, evidence, evidence_digest, policy_version, idempotency_key
) -> ConsentEvent | None:
    """Write the event with ledger_append() (migration 0013): one statement, which is its own
    transaction when the caller has none open. None when the idempotency key was just used
    by a concurrent request."""
    occurred_at = timezone.now()
    policy_version_id = policy_version.pk if policy_version else None
    middle = event_hash_sql_middle(
        purpose_id=purpose.pk, channel=channel, decision=decision, source=source, actor_type=actor.type,
        actor_id=actor.id, policy_version_id=policy_version_id, occurred_at=occurred_at,
        evidence_digest=evidence_digest,
    )  # fmt: skip
    with prepared_cursor() as cursor:
        cursor.execute(
            _APPEND_SQL,
            [
                subject.pk, purpose.pk, channel, decision, source, actor.type, actor.id, policy_version_id,
                occurred_at, evidence_digest, idempotency_key, middle,
                evidence.ip_address, evidence.user_agent, evidence.language, evidence.text_hash,
            ],
        )  # fmt: skip
        event_id, prev_hash, hash_, erased = cursor.fetchone()
    if erased and source != ConsentEvent.Source.ERASURE:
        raise ValidationError({"subject": _("This person's data has been erased; no new consent can be recorded.")})
    if event_id is None:
        return None
    event = ConsentEvent(
        pk=event_id,
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
        hash=hash_,
        idempotency_key=idempotency_key,
    )
    # The row was written by SQL, not save(): tell Django the instance is a saved one.
    event._state.adding = False
    event._state.db = connection.alias
    return event


# SQLSTATE of ledger_evidence_erase() refusing a person who has not been erased.
_NOT_ERASED = "55000"


@transaction.atomic
def consent_evidence_erase(*, subject: Subject) -> int:
    """Delete the evidence (IP address, user agent, language, hash of the text shown) of every
    consent event of a person already erased (`Subject.erased_at` set), and return how many
    rows went. The events and their hashes stay: the chains still verify, the proof that a
    choice was made survives, and the event's evidence digest no longer leads to anyone.

    The deletion happens in `ledger_evidence_erase()`, a SECURITY DEFINER function that runs
    as the tables' owner, takes this person's ledger lock, refuses a person not erased, and
    records what it removed in EvidenceErasure (its own audit row, in this transaction). It
    is the only way evidence is ever deleted: the application's role has no DELETE on it."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT ledger_evidence_erase(%s)", [subject.pk])
            return cursor.fetchone()[0]
    except DatabaseError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == _NOT_ERASED:
            raise ValidationError(
                {"subject": _("This person has not been erased; their consent evidence is kept.")}
            ) from None
        raise


class LedgerInconsistent(Exception):
    """The ledger no longer extends its latest checkpoint: no new checkpoint may vouch for it."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@transaction.atomic
def ledger_checkpoint_take() -> LedgerCheckpoint:
    """Record every chain's length and head, hash them into a root and sign it (see
    consent.ledger.checkpoints). One at a time (an advisory lock), in one transaction.

    Like a Certificate Transparency log that must prove each new tree head extends the last,
    it first checks the latest checkpoint (signature, stored heads) and that every chain
    still starts with what it recorded; if not it raises LedgerInconsistent and writes
    nothing, so a tampered ledger never gets a fresh checkpoint that would hide the damage."""
    checkpoint_lock()
    previous = LedgerCheckpoint.objects.order_by("-pk").first()
    if previous is not None:
        problems = anchor_problems(previous) or chain_discrepancies(previous, limit=20).messages
        if problems:
            raise LedgerInconsistent(problems)
    return checkpoint_write(taken_at=timezone.now())


# --- many people at once: the bulk twin of consent_record ----------------------------------

# The most people one consent_record_many call locks. Advisory locks live in PostgreSQL's
# shared lock table (max_locks_per_transaction x max_connections slots, 6,400 by default),
# so a transaction must not hold tens of thousands of them.
BULK_LOCK_LIMIT = 1000

# Lock in one order (subject id) so two bulk writers never wait on each other in a circle.
_LOCK_MANY_SQL = """
SELECT count(pg_advisory_xact_lock(hashtextextended(id::text, 0)))
  FROM (SELECT id FROM unnest(%(subjects)s::uuid[]) AS i(id) ORDER BY id) ordered
"""
# One statement appends every chosen event of every person in the batch: read after the
# locks, each head is the person's last event; the recursive part walks each person's new
# events in the choices' order, each hashed over its predecessor's hash (event_hash's bytes,
# computed here: chain.event_hash_sql_middle), and the insert gives them ids in that order,
# so ids follow chain order. The events' (empty) evidence, their ConsentState rows and one
# CurrentChoices update per person (all their choices at once) are written in the same
# statement, as ledger_append() does for one event. No row travels to Python and back.
_APPEND_MANY_SQL = """
WITH RECURSIVE people AS MATERIALIZED (  -- the head subquery once a person, not once a use
    SELECT s.id AS subject_id, cc.choices,
           COALESCE((SELECT e.hash FROM ledger_consentevent e WHERE e.subject_id = s.id ORDER BY e.id DESC LIMIT 1),
                    %(genesis)s) AS head
      FROM accounts_subject s
      LEFT JOIN ledger_currentchoices cc ON cc.subject_id = s.id
     WHERE s.id = ANY(%(subjects)s::uuid[]) AND s.erased_at IS NULL
), wanted AS MATERIALIZED (  -- each person's new events, numbered in chain order
    SELECT p.subject_id, p.head, c.purpose, c.channel, c.middle,
           row_number() OVER (PARTITION BY p.subject_id ORDER BY c.position) AS n
      FROM people p
     CROSS JOIN unnest(%(purposes)s::text[], %(channels)s::text[], %(choice_keys)s::text[], %(middles)s::text[])
           WITH ORDINALITY AS c(purpose, channel, choice_key, middle, position)
     WHERE NOT (%(only_changes)s AND COALESCE(p.choices -> c.choice_key ->> 0 = %(decision)s, false))
), chained AS (
    SELECT subject_id, n, purpose, channel, head AS prev_hash,
           encode(sha256(convert_to('["' || subject_id::text || middle || head || '"]', 'UTF8')), 'hex') AS hash
      FROM wanted WHERE n = 1
    UNION ALL
    SELECT w.subject_id, w.n, w.purpose, w.channel, c.hash,
           encode(sha256(convert_to('["' || w.subject_id::text || w.middle || c.hash || '"]', 'UTF8')), 'hex')
      FROM chained c JOIN wanted w ON w.subject_id = c.subject_id AND w.n = c.n + 1
), event AS (
    INSERT INTO ledger_consentevent
        (subject_id, purpose_id, channel, decision, source, actor_type, actor_id, policy_version_id,
         occurred_at, evidence_digest, prev_hash, hash, idempotency_key)
    SELECT subject_id, purpose, channel, %(decision)s, %(source)s, %(actor_type)s, %(actor_id)s, NULL,
           %(occurred_at)s, %(evidence_digest)s, prev_hash, hash, NULL
      FROM chained ORDER BY subject_id, n
    RETURNING id, subject_id, purpose_id, channel
), evidence AS (
    INSERT INTO ledger_consentevidence (event_id, ip_address, user_agent, language, text_hash)
    SELECT id, NULL, '', '', '' FROM event
), state AS (
    INSERT INTO ledger_consentstate (subject_id, purpose_id, channel, decision, event_id, updated_at)
    SELECT subject_id, purpose_id, channel, %(decision)s, id, %(occurred_at)s FROM event
    ON CONFLICT ON CONSTRAINT ledger_consentstate_unique
    DO UPDATE SET decision = EXCLUDED.decision, event_id = EXCLUDED.event_id, updated_at = EXCLUDED.updated_at
), choices AS (  -- keys as ConsentState.choice_key (projection.CHOICES_FROM_STATES)
    INSERT INTO ledger_currentchoices (subject_id, choices)
    SELECT subject_id,
           jsonb_object_agg(purpose_id || COALESCE('/' || channel, ''), jsonb_build_array(%(decision)s::text, id))
      FROM event GROUP BY subject_id
    ON CONFLICT (subject_id) DO UPDATE SET choices = ledger_currentchoices.choices || EXCLUDED.choices
)
SELECT count(*) FROM event
"""


def consent_record_many(
    *,
    subject_ids: list,
    choices: list[tuple[str, str | None]],
    decision: str,
    source: str,
    actor: Actor,
    only_changes: bool = False,
) -> int:
    """Append the same choices (purpose, channel) to each person's chain: what consent_record
    does for one event, for up to BULK_LOCK_LIMIT people in one transaction: one statement
    takes the locks, one more writes every event. Erased people and unknown ids are skipped.
    Returns the events written.

    Same guarantees as consent_record: every writer of a person's chain holds that person's
    advisory lock (taken here in subject-id order), the heads are read under the locks, and
    each event's hash covers its predecessor's. With `only_changes`, a choice the person's
    current state already holds (a withdrawal of what they withdrew) is not repeated."""
    if len(subject_ids) > BULK_LOCK_LIMIT:
        raise ValueError(f"At most {BULK_LOCK_LIMIT} people per call, got {len(subject_ids)}.")
    purposes = [purpose_get(code) for code, _channel in choices]
    for purpose, (_code, channel) in zip(purposes, choices, strict=True):
        _validate(purpose=purpose, channel=channel, decision=decision, source=source, policy_version=None)
    if not subject_ids or not choices:
        return 0
    evidence_digest = Evidence().digest()
    ids = sorted({str(subject_id) for subject_id in subject_ids})
    with transaction.atomic(), prepared_cursor() as cursor:
        cursor.execute(_LOCK_MANY_SQL, {"subjects": ids})
        occurred_at = timezone.now()
        shared = {
            "decision": decision, "source": source, "actor_type": actor.type, "actor_id": actor.id,
            "occurred_at": occurred_at, "evidence_digest": evidence_digest,
        }  # fmt: skip
        cursor.execute(
            _APPEND_MANY_SQL,
            {
                **shared,
                "subjects": ids,
                "purposes": [purpose_id for purpose_id, _channel in choices],
                "channels": [channel for _purpose_id, channel in choices],
                "choice_keys": [ConsentState.choice_key(purpose_id, channel) for purpose_id, channel in choices],
                "middles": [
                    event_hash_sql_middle(purpose_id=purpose_id, channel=channel, policy_version_id=None, **shared)
                    for purpose_id, channel in choices
                ],
                "only_changes": only_changes,
                "genesis": ConsentEvent.GENESIS_HASH,
            },
        )
        return cursor.fetchone()[0]
