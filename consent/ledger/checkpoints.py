"""Signed checkpoints: the ledger's anchor outside the tables it protects.

The hash chains prove that no event was altered *relative to the events after it*; someone
who can rewrite the tables can still delete a whole chain, cut off its last events, or edit
an event and re-hash every later one. A checkpoint records, for every chain, its length and
its last event's id and hash (ChainHead rows), hashes them into one root, and signs the
root with LEDGER_SIGNING_KEY, which the database never sees. `verify_ledger` then proves
that every chain still starts with exactly what the latest checkpoint (or an exported
checkpoint file) recorded, as Certificate Transparency's auditors do with signed tree heads.

The root, exactly, so that anyone can recompute it from the ChainHead rows as of a checkpoint:
    leaf    = SHA-256(subject id (16 bytes) || length (8 bytes, big-endian)
                      || head event id (8 bytes, big-endian) || head hash (64 ASCII hex characters))
    bucket  = SHA-256(the leaves of the chains whose subject id starts with that byte, in subject id order)
    root    = SHA-256(the non-empty buckets' digests, in byte order); SHA-256 of nothing without chains
Two levels keep every aggregate small (1/256 of the chains) however big the ledger grows.
Everything here is set-based SQL: nothing proportional to the ledger passes through Python.
"""
# ruff: noqa: S608 - the statements are composed of this module's constants only.

import base64
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from consent.ledger import signing
from consent.ledger.models import LedgerCheckpoint

# Per subject, its ChainHead row of the highest checkpoint <= %(checkpoint)s (index
# ledger_chainhead_latest); %(subject)s narrows it to one subject, NULL keeps everyone.
HEADS_AS_OF = """
SELECT DISTINCT ON (subject_id) subject_id, length, head_event_id, head_hash
  FROM ledger_chainhead
 WHERE checkpoint_id <= %(checkpoint)s AND (%(subject)s::uuid IS NULL OR subject_id = %(subject)s::uuid)
 ORDER BY subject_id, checkpoint_id DESC
"""

ROOT_SQL = f"""
WITH buckets AS (
    SELECT get_byte(uuid_send(subject_id), 0) AS bucket,
           sha256(string_agg(sha256(uuid_send(subject_id) || int8send(length) || int8send(head_event_id)
                                    || convert_to(head_hash, 'UTF8')), ''::bytea ORDER BY subject_id)) AS digest,
           count(*) AS chains, sum(length) AS events, max(head_event_id) AS last_event_id
      FROM ({HEADS_AS_OF}) heads
     GROUP BY 1
)
SELECT coalesce(sum(chains), 0)::bigint, coalesce(sum(events), 0)::bigint, coalesce(max(last_event_id), 0)::bigint,
       encode(sha256(coalesce(string_agg(digest, ''::bytea ORDER BY bucket), ''::bytea)), 'hex')
  FROM buckets
"""

# Every chain as the events say now: length, last event and its hash.
CURRENT_HEADS = """
SELECT c.subject_id, c.length, c.head_event_id, e.hash AS head_hash
  FROM (SELECT subject_id, count(*) AS length, max(id) AS head_event_id
          FROM ledger_consentevent GROUP BY subject_id) c
  JOIN ledger_consentevent e ON e.id = c.head_event_id
"""

# The chains that no longer start with what the checkpoint recorded: for each recorded head,
# the events of that subject up to the head's id must be exactly `length` events, the last
# one the head itself, with its hash. A writer holds the subject's lock while it appends, so
# a chain only ever grows past its recorded head; nothing legitimate changes what lies before.
DISCREPANCIES_SQL = f"""
WITH heads AS ({HEADS_AS_OF}),
chains AS (
    SELECT e.subject_id, count(*) AS length,
           bool_or(e.id = h.head_event_id) AS head_present,
           bool_or(e.id = h.head_event_id AND e.hash = h.head_hash) AS head_matches
      FROM ledger_consentevent e
      JOIN heads h ON h.subject_id = e.subject_id AND e.id <= h.head_event_id
     WHERE %(subject)s::uuid IS NULL OR e.subject_id = %(subject)s::uuid
     GROUP BY e.subject_id
)
SELECT h.subject_id, h.length, h.head_event_id, coalesce(c.length, 0), coalesce(c.head_present, false),
       count(*) OVER ()
  FROM heads h
  LEFT JOIN chains c ON c.subject_id = h.subject_id
 WHERE c.subject_id IS NULL OR c.length <> h.length OR NOT c.head_matches
 ORDER BY h.subject_id
 LIMIT %(limit)s
"""

# What can still be checked when only the exported file is left (its checkpoint's rows gone).
EVENTS_UP_TO_SQL = "SELECT count(*), count(DISTINCT subject_id) FROM ledger_consentevent WHERE id <= %(last_event_id)s"

_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended('consent.ledger.checkpoint', 0))"
_NEXT_ID_SQL = "SELECT nextval(pg_get_serial_sequence('ledger_ledgercheckpoint', 'id'))"

WRITE_HEADS_SQL = f"""
INSERT INTO ledger_chainhead (checkpoint_id, subject_id, length, head_event_id, head_hash)
SELECT %(checkpoint)s, now.subject_id, now.length, now.head_event_id, now.head_hash
  FROM ({CURRENT_HEADS}) now
  LEFT JOIN ({HEADS_AS_OF}) before ON before.subject_id = now.subject_id
 WHERE before.subject_id IS NULL OR before.head_event_id <> now.head_event_id
 ORDER BY now.subject_id
"""


@dataclass(frozen=True)
class Root:
    chains: int
    events: int
    last_event_id: int
    root: str


@dataclass
class Findings:
    """What disagrees with a checkpoint: the first few messages, and how many in all."""

    messages: list[str] = field(default_factory=list)
    total: int = 0

    def add(self, message: str, *, limit: int) -> None:
        self.total += 1
        if len(self.messages) < limit:
            self.messages.append(message)


def signing_key():
    return signing.private_key(settings.LEDGER_SIGNING_KEY)


def trusted_keys() -> dict[str, bytes]:
    """{fingerprint: public key} of the signing key and of the former ones still trusted."""
    keys = [signing.public_key_raw(signing_key())]
    keys += [signing.key_bytes(value) for value in settings.LEDGER_PREVIOUS_PUBLIC_KEYS]
    return {signing.key_id(raw): raw for raw in keys}


def root_as_of(checkpoint_id: int) -> Root:
    with connection.cursor() as cursor:
        cursor.execute(ROOT_SQL, {"checkpoint": checkpoint_id, "subject": None})
        return Root(*cursor.fetchone())


def statement(checkpoint: LedgerCheckpoint) -> dict:
    """What the checkpoint's signature covers (signing.SIGNED_FIELDS)."""
    return {
        "format": signing.FORMAT,
        "checkpoint": checkpoint.pk,
        "taken_at": signing.timestamp(checkpoint.taken_at),
        "chains": checkpoint.chains,
        "events": checkpoint.events,
        "last_event_id": checkpoint.last_event_id,
        "root": checkpoint.root,
        "key_id": checkpoint.key_id,
    }


def checkpoint_file(checkpoint: LedgerCheckpoint) -> dict:
    """The exportable form: the statement, its signature and the public key to check it with."""
    public_raw = trusted_keys().get(checkpoint.key_id)
    data = statement(checkpoint)
    data["signature"] = checkpoint.signature
    if public_raw is not None:
        data["public_key"] = base64.b64encode(public_raw).decode()
    return data


def describe(checkpoint: LedgerCheckpoint | dict) -> str:
    taken_at = checkpoint["taken_at"] if isinstance(checkpoint, dict) else signing.timestamp(checkpoint.taken_at)
    number = checkpoint["checkpoint"] if isinstance(checkpoint, dict) else checkpoint.pk
    return f"checkpoint #{number} of {taken_at}"


def anchor_problems(checkpoint: LedgerCheckpoint) -> list[str]:
    """Is this stored checkpoint genuine, and do the ChainHead rows still hash to its root?"""
    name = describe(checkpoint)
    public_raw = trusted_keys().get(checkpoint.key_id)
    if public_raw is None:
        return [
            f"{name} is signed with key {checkpoint.key_id}, which this installation does not trust "
            "(LEDGER_SIGNING_KEY, LEDGER_PREVIOUS_PUBLIC_KEYS)"
        ]
    if not signing.signature_valid(public_raw, statement(checkpoint), checkpoint.signature):
        return [f"{name} does not match its signature: the checkpoint row was altered or forged"]
    recomputed = root_as_of(checkpoint.pk)
    recorded = Root(checkpoint.chains, checkpoint.events, checkpoint.last_event_id, checkpoint.root)
    if recomputed != recorded:
        return [
            f"the chain heads stored for {name} no longer hash to its signed root "
            f"({recomputed.events} events in {recomputed.chains} chains, root {recomputed.root[:16]}…; "
            f"signed: {recorded.events} events in {recorded.chains} chains, root {recorded.root[:16]}…): "
            "the ledger_chainhead table was altered"
        ]
    return []


def chain_discrepancies(checkpoint: LedgerCheckpoint, *, subject_id=None, limit: int = 50) -> Findings:
    """Every chain that no longer starts with what the checkpoint recorded, named by what is
    missing or changed (set-based: one pass over the events, however many there are)."""
    name = describe(checkpoint)
    findings = Findings()
    with connection.cursor() as cursor:
        cursor.execute(DISCREPANCIES_SQL, {"checkpoint": checkpoint.pk, "subject": subject_id, "limit": limit})
        rows = cursor.fetchall()
    for subject, recorded, head_id, found, head_present, total in rows:
        findings.total = total
        if found == 0:
            message = (
                f"the chain of subject {subject} is missing: {name} recorded {recorded} events "
                f"(up to event #{head_id}), none is left"
            )
        elif found > recorded:
            message = (
                f"the chain of subject {subject} has {found} events up to event #{head_id}, {name} "
                f"recorded {recorded}: {found - recorded} were inserted into its past"
            )
        elif found < recorded and head_present:
            message = (
                f"the chain of subject {subject} has {found} events up to event #{head_id}, {name} "
                f"recorded {recorded}: {recorded - found} missing before event #{head_id}"
            )
        elif found < recorded:
            message = (
                f"the chain of subject {subject} has {found} events up to event #{head_id}, {name} "
                f"recorded {recorded}: {recorded - found} missing, among them event #{head_id}, its last event then"
            )
        elif not head_present:
            message = (
                f"the chain of subject {subject}: event #{head_id}, its last event at {name}, is missing "
                f"and others stand in its place"
            )
        else:
            message = (
                f"the chain of subject {subject} was rewritten: event #{head_id} no longer has the hash "
                f"{name} recorded, so it or an event before it was changed and the chain re-hashed"
            )
        findings.messages.append(message)
    return findings


def file_only_problems(data: dict) -> list[str]:
    """When the file's checkpoint is gone from the database, the counts it signed still tell."""
    with connection.cursor() as cursor:
        cursor.execute(EVENTS_UP_TO_SQL, {"last_event_id": data["last_event_id"]})
        events, chains = cursor.fetchone()
    problems = []
    name = describe(data)
    if events < data["events"]:
        problems.append(
            f"the ledger holds {events} events up to event #{data['last_event_id']}, {name} recorded "
            f"{data['events']}: {data['events'] - events} are missing"
        )
    if chains < data["chains"]:
        problems.append(f"{chains} chains have events up to there, {name} recorded {data['chains']}")
    return problems


def checkpoint_write(*, taken_at) -> LedgerCheckpoint:
    """Record the current heads and sign them. The caller holds the checkpoint lock, in a
    transaction, and has checked that the ledger is consistent with the checkpoint before."""
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_ID_SQL)
        checkpoint_id = cursor.fetchone()[0]
        # Only the chains that changed since the last checkpoint get a row; the FK to the
        # checkpoint is checked at commit, after the checkpoint row below exists.
        cursor.execute(WRITE_HEADS_SQL, {"checkpoint": checkpoint_id, "subject": None})
    root = root_as_of(checkpoint_id)
    key = signing_key()
    checkpoint = LedgerCheckpoint(
        pk=checkpoint_id,
        taken_at=taken_at,
        chains=root.chains,
        events=root.events,
        last_event_id=root.last_event_id,
        root=root.root,
        key_id=signing.key_id(signing.public_key_raw(key)),
    )
    checkpoint.signature = signing.sign(key, statement(checkpoint))
    checkpoint.save(force_insert=True)
    return checkpoint


def checkpoint_lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_SQL)
