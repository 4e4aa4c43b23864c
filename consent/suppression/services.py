"""Writing suppression entries: one address, ten thousand, or a file of millions, all through
one set-based merge that also writes the withdrawals in known people's ledgers.

The merge: digests go into a temporary staging table (COPY for files, an array for API
calls); digests of people the platform knows (and has not erased) are split off; the rest
are merged in one `INSERT … ON CONFLICT DO NOTHING`; known people are merged in batches of
BULK_LOCK_LIMIT, each batch one transaction holding their ledger locks, so an entry and its
withdrawal events are written together or not at all, and a retry finishes what a crash left."""
# ruff: noqa: S608 - the SQL is composed of this module's table-name constants only; values are bound.

import hashlib
import queue
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from itertools import islice

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from consent.accounts.identity import InvalidIdentifier, digest_from_sha256, email_digest, phone_digest
from consent.accounts.models import Subject
from consent.db import BULK_WORK_MEM_SQL, prepared_cursor
from consent.ledger.models import ConsentEvent
from consent.ledger.services import BULK_LOCK_LIMIT, Actor, consent_record, consent_record_many
from consent.suppression.models import SuppressionEntry
from consent.suppression.scopes import scope_choices, scope_validate

STAGING_TABLE = "suppression_staging"

# Which ledger source records a suppression of each reason.
_LEDGER_SOURCE = {
    SuppressionEntry.Reason.UNSUBSCRIBE_LINK: ConsentEvent.Source.UNSUBSCRIBE_LINK,
    SuppressionEntry.Reason.REPRESENTATIVE: ConsentEvent.Source.REPRESENTATIVE,
    SuppressionEntry.Reason.IMPORT: ConsentEvent.Source.IMPORT,
    SuppressionEntry.Reason.BOUNCE: ConsentEvent.Source.IMPORT,
    SuppressionEntry.Reason.COMPLAINT: ConsentEvent.Source.IMPORT,
    SuppressionEntry.Reason.LEGAL: ConsentEvent.Source.IMPORT,
    SuppressionEntry.Reason.ERASURE: ConsentEvent.Source.ERASURE,
}


@dataclass
class MergeResult:
    valid: int = 0  # digests staged, duplicates included
    added: int = 0  # new entries
    withdrawals: int = 0  # ledger events written
    # Seconds each step took, for the import's log line and the bench's breakdown.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def already_present(self) -> int:
        return self.valid - self.added


def actor_label(actor: Actor) -> str:
    """How an entry's `created_by` names who added it."""
    return f"{actor.type}:{actor.id}" if actor.id else actor.type


def ledger_source(reason: str, *, api: bool = False) -> str:
    if api and reason not in (SuppressionEntry.Reason.UNSUBSCRIBE_LINK, SuppressionEntry.Reason.REPRESENTATIVE):
        return ConsentEvent.Source.API
    return _LEDGER_SOURCE[reason]


def identifier_digest(raw: str, *, region: str | None = None) -> bytes:
    """The digest of an email address, an E.164 (or, with a region, national) phone number,
    or a SHA-256 of a canonical address. Raises InvalidIdentifier."""
    value = (raw or "").strip()
    if "@" in value:
        return email_digest(value)
    if len(value) == 64:
        try:
            return digest_from_sha256(value)
        except InvalidIdentifier:
            pass
    if value and (value[0] == "+" or region) and any(ch.isdigit() for ch in value):
        return phone_digest(value, region=region)
    raise InvalidIdentifier(_("Expected an email address, a phone number in international format or a SHA-256 hash."))


# --------------------------------------------------------------------------- staging
def staging_create(cursor) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {STAGING_TABLE}")
    # No index, no constraint, no WAL: the fastest place for COPY to write.
    cursor.execute(f"CREATE TEMP TABLE {STAGING_TABLE} (digest bytea NOT NULL)")


def staging_drop(cursor) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {STAGING_TABLE}")
    cursor.execute("DROP TABLE IF EXISTS suppression_known")


_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
_COPY_ROW_PREFIX = b"\x00\x01\x00\x00\x00\x20"  # one field of 32 bytes
_COPY_TRAILER = b"\xff\xff"


class StagingWriter:
    """COPY … FROM STDIN (FORMAT BINARY) of 32-byte digests, written as raw binary rows:
    a few hundred kilobytes per write, no per-row Python call into psycopg.

    `pause()` ends the COPY in progress (the next write starts another): a connection
    that is copying can run nothing else, and the import updates its progress row
    between copies."""

    def __init__(self, cursor):
        self._cursor = cursor
        self._copy = None

    def __enter__(self) -> "StagingWriter":
        return self

    def _open(self) -> None:
        raw = self._cursor.connection  # the psycopg connection under Django's wrapper
        self._pg_cursor = raw.cursor()
        self._copy_cm = self._pg_cursor.copy(f"COPY {STAGING_TABLE} (digest) FROM STDIN (FORMAT BINARY)")
        self._copy = self._copy_cm.__enter__()
        self._copy.write(_COPY_HEADER)

    def write_many(self, digests: list[bytes]) -> None:
        if digests:
            if self._copy is None:
                self._open()
            self._copy.write(_COPY_ROW_PREFIX + _COPY_ROW_PREFIX.join(digests))

    def _close(self, exc_type=None, exc=None, tb=None) -> None:
        if self._copy is None:
            return
        if exc_type is None:
            self._copy.write(_COPY_TRAILER)
        self._copy_cm.__exit__(exc_type, exc, tb)
        self._pg_cursor.close()
        self._copy = None

    def pause(self) -> None:
        self._close()

    def __exit__(self, exc_type, exc, tb) -> None:
        self._close(exc_type, exc, tb)


# --------------------------------------------------------------------------- the merge
_KNOWN_SQL = f"""
CREATE TEMP TABLE suppression_known AS
SELECT DISTINCT s.id AS subject_id, st.digest
  FROM {STAGING_TABLE} st JOIN accounts_subject s ON s.email_digest = st.digest
 WHERE s.erased_at IS NULL
"""
_MERGE_UNKNOWN_SQL = f"""
INSERT INTO suppression_suppressionentry
       (identifier_digest, purpose, channel, reason, source, created_at, created_by, note)
SELECT st.digest, %(purpose)s, %(channel)s, %(reason)s, %(source)s, now(), %(created_by)s, %(note)s
  FROM {STAGING_TABLE} st
 WHERE NOT EXISTS (SELECT 1 FROM suppression_known k WHERE k.digest = st.digest)
 ORDER BY st.digest  -- the unique index leads with the digest: sorted rows fill its pages in order
ON CONFLICT DO NOTHING
"""
_NO_KNOWN_SQL = "CREATE TEMP TABLE suppression_known (subject_id uuid, digest bytea)"
_MERGE_KNOWN_SQL = """
INSERT INTO suppression_suppressionentry
       (identifier_digest, purpose, channel, reason, source, created_at, created_by, note)
SELECT d, %(purpose)s, %(channel)s, %(reason)s, %(source)s, now(), %(created_by)s, %(note)s
  FROM unnest(%(digests)b::bytea[]) AS d
ON CONFLICT DO NOTHING
RETURNING identifier_digest
"""


def staging_merge(
    *,
    purpose: str | None,
    channel: str | None,
    reason: str,
    source: str,
    actor: Actor,
    ledger_source: str,
    note: str = "",
    progress=None,
) -> MergeResult:
    """Merge the staging table into the entries; write withdrawals for known people whose
    entry is new. Runs its own transactions: call it outside one (or inside one for a small
    batch, then all of it commits together)."""
    params = {
        "purpose": purpose,
        "channel": channel,
        "reason": reason,
        "source": source[:200],
        "created_by": actor_label(actor)[:100],
        "note": note,
    }
    choices = scope_choices(purpose=purpose, channel=channel)
    result = MergeResult()
    started = time.perf_counter()
    with connection.cursor() as cursor, tempfile.TemporaryFile() as spool:
        cursor.execute(f"SELECT count(*) FROM {STAGING_TABLE}")
        result.valid = cursor.fetchone()[0]
        cursor.execute("DROP TABLE IF EXISTS suppression_known")
        cursor.execute(_KNOWN_SQL if choices else _NO_KNOWN_SQL)
        known = _known_spool(cursor, spool)
        result.timings["known people found"] = time.perf_counter() - started
        merge_batch = partial(_known_batch_merge, params=params, choices=choices, actor=actor, source=ledger_source)
        # Inside a caller's transaction (a few digests) other connections would not see its
        # rows: one writer, this connection, after the unknown addresses.
        writers = 1 if connection.in_atomic_block else KNOWN_WRITERS
        with KnownWriters(merge_batch, _spooled_batches(spool), writers) as known_writers:
            started = time.perf_counter()
            with transaction.atomic():
                cursor.execute(_ASYNC_COMMIT_SQL)
                cursor.execute(BULK_WORK_MEM_SQL)  # its sort of a million digests
                cursor.execute(_MERGE_UNKNOWN_SQL, params)
                result.added += cursor.rowcount
            result.timings["unknown addresses merged"] = time.perf_counter() - started
            if progress:
                progress(0 if known else 1)
            done = 0
            for added, withdrawals, people in known_writers.results():
                result.added += added
                result.withdrawals += withdrawals
                done += people
                if progress:
                    progress(done / known)
        # The known people's writers started with the unknown merge: this is how long they went on after it.
        result.timings["known people's entries and events, after that"] = (
            time.perf_counter() - started - result.timings["unknown addresses merged"]
        )
    _durable()
    return result


# Connections writing known people's batches at once: each person's chain is their own
# and the batches are disjoint, so the writers never wait on each other's locks, and the
# database's work (the events' indexes, the state upserts) spreads over the cores. They
# start with the unknown addresses' merge, which runs beside them on the import's own
# connection (the entries they add are disjoint: known digests there, the rest here).
KNOWN_WRITERS = 2


def _known_spool(cursor, spool) -> int:
    """Write suppression_known to `spool` (a file: flat memory) in subject-id order, one
    `subject id<TAB>\\x digest hex` line a person, so that other connections can write their
    batches while this one is busy; return how many people it holds."""
    with cursor.connection.cursor() as pg:
        with pg.copy("COPY (SELECT subject_id, digest FROM suppression_known ORDER BY subject_id) TO STDOUT") as copy:
            for block in copy:
                spool.write(block)
    spool.seek(0)
    return sum(1 for _line in spool)


def _spooled_batches(spool) -> Iterator[list[tuple[str, bytes]]]:
    """Batches of BULK_LOCK_LIMIT (subject id, digest) from _known_spool's file."""
    spool.seek(0)
    while batch := list(islice(spool, BULK_LOCK_LIMIT)):
        yield [
            (subject_id.decode(), bytes.fromhex(digest[3:].decode())) for subject_id, digest in map(bytes.split, batch)
        ]


def _known_batch_merge(batch, *, params: dict, choices, actor: Actor, source: str) -> tuple[int, int, int]:
    """One batch of known people: their entries and, for each whose entry is new, the
    withdrawals, in one transaction. Returns (entries added, events written, people)."""
    by_digest = {digest: subject_id for subject_id, digest in batch}
    with transaction.atomic(), prepared_cursor() as cursor:
        cursor.execute(_ASYNC_COMMIT_SQL)
        cursor.execute(_MERGE_KNOWN_SQL, {**params, "digests": sorted(by_digest)})
        new = [by_digest[bytes(row[0])] for row in cursor.fetchall()]
        withdrawals = consent_record_many(
            subject_ids=new,
            choices=choices,
            decision=ConsentEvent.Decision.WITHDRAWN,
            source=source,
            actor=actor,
            only_changes=True,  # someone who already withdrew is not withdrawn again
        )
    return len(new), withdrawals, len(batch)


class KnownWriters:
    """merge_batch of every batch, on `writers` threads (each with its own connection,
    closed at the end), started on entering: `results()` yields each batch's result as it
    is done, and raises the first writer's error. With one writer, nothing runs before
    `results()`, which writes the batches on this thread's connection.

    On leaving early (an error here or in a writer) the writers stop after their batch."""

    def __init__(self, merge_batch, batches: Iterator, writers: int):
        self._merge_batch = merge_batch
        self._batches = batches
        self._writers = writers
        self._lock = threading.Lock()  # the batches' iterator is shared
        self._stop = threading.Event()
        self._done: queue.Queue = queue.Queue()
        self._running: list = []

    def __enter__(self) -> "KnownWriters":
        if self._writers > 1:
            self._pool = ThreadPoolExecutor(max_workers=self._writers, thread_name_prefix="suppression-writer")
            self._running = [self._pool.submit(self._write) for _ in range(self._writers)]
        return self

    def _next(self):
        with self._lock:
            return None if self._stop.is_set() else next(self._batches, None)

    def _write(self) -> None:
        try:
            while (batch := self._next()) is not None:
                self._done.put(self._merge_batch(batch))
        except BaseException:
            self._stop.set()
            raise
        finally:
            connection.close()  # this thread's own connection

    def results(self) -> Iterator[tuple]:
        if not self._running:
            for batch in self._batches:
                yield self._merge_batch(batch)
            return
        while not all(future.done() for future in self._running) or not self._done.empty():
            try:
                yield self._done.get(timeout=0.1)
            except queue.Empty:
                pass
        for future in self._running:
            future.result()  # a writer's error, raised here

    def __exit__(self, exc_type, exc, tb) -> None:
        self._stop.set()
        if self._running:
            self._pool.shutdown(wait=True)


# The merge's transactions commit without waiting for their WAL to reach disk (hundreds of
# commits, a disk flush each, would be most of an import's time). Nothing is reported
# done before _durable(): one synchronous commit flushes the WAL up to itself, which
# holds every commit before it. Inside a caller's transaction (a small API call) the
# setting lasts until that transaction ends, and its own commit is the flush.
_ASYNC_COMMIT_SQL = "SET LOCAL synchronous_commit = off"


def _durable() -> None:
    if connection.in_atomic_block:
        return  # the caller's commit is synchronous and flushes everything before it
    with connection.cursor() as cursor:
        # txid_current() makes this a transaction with an id, whose commit waits for the flush.
        cursor.execute("SELECT txid_current()")


def suppression_add(
    *,
    identifiers: Iterable[str],
    purpose: str | None = None,
    channel: str | None = None,
    reason: str,
    source: str,
    actor: Actor,
    note: str = "",
    region: str | None = None,
    ledger_source_override: str | None = None,
) -> MergeResult:
    """Suppress one or many addresses (email, phone, or SHA-256 of a canonical address) in
    one scope, and withdraw the scope's choices in the ledgers of the people they belong to.

    Every identifier is checked before anything is written: one bad one refuses the call
    with the positions of the first twenty."""
    purpose, channel = scope_validate(purpose=purpose, channel=channel)
    if reason not in SuppressionEntry.Reason.values:
        raise ValidationError({"reason": _("Must be one of: %s.") % ", ".join(SuppressionEntry.Reason.values)})
    digests, errors = [], []
    for index, raw in enumerate(identifiers):
        try:
            digests.append(identifier_digest(raw if isinstance(raw, str) else "", region=region))
        except InvalidIdentifier as exc:
            errors.append(_("Item %(index)d (%(value)r): %(reason)s") % {"index": index, "value": raw, "reason": exc})
    if errors:
        raise ValidationError({"identifiers": errors[:20]})
    return suppression_add_digests(
        digests=digests,
        purpose=purpose,
        channel=channel,
        reason=reason,
        source=source,
        actor=actor,
        note=note,
        ledger_source_override=ledger_source_override,
    )


def suppression_add_digests(
    *,
    digests: list[bytes],
    purpose: str | None,
    channel: str | None,
    reason: str,
    source: str,
    actor: Actor,
    note: str = "",
    ledger_source_override: str | None = None,
) -> MergeResult:
    """suppression_add for digests already made (the unsubscribe link carries one)."""
    if not digests:
        return MergeResult()
    # Not one transaction around it all: known people are merged in batches of
    # BULK_LOCK_LIMIT, each batch its own transaction (see staging_merge). A caller that
    # holds a transaction (a few digests) gets it all in that one.
    with connection.cursor() as cursor:
        staging_create(cursor)
    try:
        with prepared_cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {STAGING_TABLE} (digest) SELECT unnest(%(digests)b::bytea[])",  # noqa: S608
                {"digests": digests},
            )
        return staging_merge(
            purpose=purpose,
            channel=channel,
            reason=reason,
            source=source,
            actor=actor,
            ledger_source=ledger_source_override or ledger_source(reason),
            note=note,
        )
    finally:
        with connection.cursor() as cursor:
            staging_drop(cursor)


# --------------------------------------------------------------------------- representative
def subject_take_off_marketing(*, subject: Subject, channel: str | None, note: str, user) -> MergeResult:
    """A representative takes a person off every marketing list (all channels, or one):
    a do-not-contact entry on the person's address and a withdrawal per contact purpose in
    their ledger, both naming the representative and the note, in one transaction."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why: the note is kept with the entry.")})
    if subject.erased_at is not None:
        raise ValidationError({"subject": _("This person's data has been erased; they are on no list.")})
    _purpose, channel = scope_validate(purpose=None, channel=channel)
    actor = Actor.staff(user)
    with transaction.atomic():
        if subject.email_digest:
            return suppression_add_digests(
                digests=[bytes(subject.email_digest)],
                purpose=None,
                channel=channel,
                reason=SuppressionEntry.Reason.REPRESENTATIVE,
                source=_("Customer representative"),
                actor=actor,
                note=note,
            )
        # No address to put on a list (a person known only by an external id): the ledger
        # withdrawals alone keep them off marketing.
        written = 0
        for purpose, scope_channel in scope_choices(purpose=None, channel=channel):
            consent_record(
                subject=subject,
                purpose=purpose,
                channel=scope_channel,
                decision=ConsentEvent.Decision.WITHDRAWN,
                source=ConsentEvent.Source.REPRESENTATIVE,
                actor=actor,
            )
            written += 1
        return MergeResult(valid=0, added=0, withdrawals=written)


# --------------------------------------------------------------------------- unsubscribe undo
def suppression_unsubscribe_undo(
    *, digest: bytes, subject: Subject | None, purpose: str | None, channel: str | None
) -> int:
    """The person undoes an unsubscribe they made by link: the entry their link made (reason
    unsubscribe_link, this scope) is removed and the scope's choices granted again in their
    ledger, in one transaction. Entries of any other reason (bounce, complaint, a
    representative's, a legal one) stay: an undo reverses only what the link did.
    Returns the number of entries removed."""
    purpose, channel = scope_validate(purpose=purpose, channel=channel)
    with transaction.atomic():
        removed, _by_model = SuppressionEntry.objects.filter(
            identifier_digest=digest,
            purpose=purpose,
            channel=channel,
            reason=SuppressionEntry.Reason.UNSUBSCRIBE_LINK,
        ).delete()
        if subject is not None and subject.erased_at is None:
            for choice_purpose, choice_channel in scope_choices(purpose=purpose, channel=channel):
                consent_record(
                    subject=subject,
                    purpose=choice_purpose,
                    channel=choice_channel,
                    decision=ConsentEvent.Decision.GRANTED,
                    source=ConsentEvent.Source.UNSUBSCRIBE_LINK,
                    actor=Actor.subject(),
                )
    return removed


def file_sha256(fileobj) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: fileobj.read(1 << 20), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


# --------------------------------------------------------------------------- unsubscribe
def suppression_unsubscribe(*, digest: bytes | None, subject: Subject | None, purpose: str, channel: str | None) -> int:
    """The person unsubscribes by link: an entry (reason unsubscribe_link) on their address
    and a withdrawal in their ledger, or only the withdrawal for a person known without an
    address. Repeating it changes nothing. Returns the entries added (0 or 1)."""
    purpose, channel = scope_validate(purpose=purpose, channel=channel)
    actor = Actor.subject()
    with transaction.atomic():
        if digest:
            return suppression_add_digests(
                digests=[digest],
                purpose=purpose,
                channel=channel,
                reason=SuppressionEntry.Reason.UNSUBSCRIBE_LINK,
                source=_("Unsubscribe link"),
                actor=actor,
            ).added
        if subject is not None and subject.erased_at is None:
            for choice_purpose, choice_channel in scope_choices(purpose=purpose, channel=channel):
                consent_record(
                    subject=subject,
                    purpose=choice_purpose,
                    channel=choice_channel,
                    decision=ConsentEvent.Decision.WITHDRAWN,
                    source=ConsentEvent.Source.UNSUBSCRIBE_LINK,
                    actor=actor,
                )
    return 0
