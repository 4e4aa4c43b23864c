"""Scrubbing a campaign list: which of these addresses may this purpose contact on this
channel? The same rule as the check (`decide`), applied set-based: the list is hashed and
COPYed into a temporary table, its facts read by joins (rules.SCRUB_FACTS_SQL), and the
deliverable rows found by one join against the combinations of facts the rule allows.

A file is read twice, streaming (once to stage it, once to write the deliverable rows in
their original order and columns), so memory stays flat whatever its size."""

import csv
import dataclasses
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from consent.accounts.identity import (
    InvalidIdentifier,
    digest_from_sha256,
    email_digest,
    phone_digest,
    plain_email_digests,
)
from consent.accounts.selectors import IDENTIFIER_BATCH_LIMIT
from consent.decisions.rules import (
    SCRUB_DELIVERABLE_SQL,
    ScrubOutcome,
    scrub_decide,
    scrub_deliverable_params,
)
from consent.ledger.rules import channel_validate
from consent.ledger.selectors import purpose_get
from consent.suppression.files import (
    EMAIL,
    PHONE,
    SAMPLE_BYTES,
    SHA256,
    address_value,
    layout_detect,
    rows_read,
)

INVALID = "invalid"
DUPLICATE = "duplicate"
_FETCH = 10_000
_CHUNK = 10_000  # lines read, hashed and COPYed at a time
# A million addresses' hash tables and sorts in memory, not spilled to temporary files: for
# the scrub's statements only (SET LOCAL), not the connection's other work.
_WORK_MEM = "256MB"


@dataclass
class ScrubResult:
    purpose: str
    channel: str | None
    rows: int = 0  # lines (or list items) read
    deliverable: int = 0
    excluded: dict = field(default_factory=dict)  # reason -> count; "invalid" and "duplicate" too
    addresses: list[str] | None = None  # the deliverable addresses, for a list
    steps: dict = field(default_factory=dict)  # step -> seconds it took, for the log and the bench


_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"


class _ListWriter:
    """COPY scrub_list (ord, digest) FROM STDIN (FORMAT BINARY), a chunk of rows per write."""

    def __init__(self, cursor):
        self._cursor = cursor

    def __enter__(self):
        self._pg_cursor = self._cursor.connection.cursor()
        self._cm = self._pg_cursor.copy("COPY scrub_list (ord, digest) FROM STDIN (FORMAT BINARY)")
        self._copy = self._cm.__enter__()
        self._copy.write(_COPY_HEADER)
        return self

    def write_many(self, ordinals, digests: list[bytes | None]) -> None:
        """Each line's ordinal and digest; None (not an address) is skipped."""
        self._copy.write(
            b"".join(
                b"\x00\x02\x00\x00\x00\x04" + ordinal.to_bytes(4, "big") + b"\x00\x00\x00\x20" + digest
                for ordinal, digest in zip(ordinals, digests, strict=True)
                if digest is not None
            )
        )

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self._copy.write(b"\xff\xff")
        self._cm.__exit__(exc_type, exc, tb)
        self._pg_cursor.close()


def _digest(value: str, kind: str) -> bytes | None:
    try:
        if kind == EMAIL:
            try:
                return email_digest(value)
            except InvalidIdentifier:
                return email_digest(address_value(value))
        if kind == PHONE:
            return phone_digest(address_value(value))
        return digest_from_sha256(address_value(value))
    except InvalidIdentifier:
        return None


def _digests(values: list[str], kind: str | None) -> list[bytes | None]:
    """The digest of each value (None: not an address) of one kind, or with kind None each
    an email unless it is a hash: a chunk's plain addresses hashed in one call, only the
    others one by one."""
    if kind not in (EMAIL, None):
        return [_digest(value, kind) for value in values]
    digests = plain_email_digests(values)
    for index, digest in enumerate(digests):
        if digest is None:
            value = values[index]
            digests[index] = _digest(value, kind or _address_kind(value))
    return digests


def _address_kind(value: str) -> str:
    return SHA256 if len(value.strip()) == 64 and "@" not in value else EMAIL


def _scope(purpose: str, channel: str | None):
    purpose_obj = purpose_get(purpose)
    channel = channel or None
    channel_validate(purpose=purpose_obj, channel=channel, required=True)
    return purpose_obj, channel


def _run(purpose_obj, channel, chunks, result: ScrubResult) -> ScrubOutcome:
    """Stage the list, a chunk of (ordinals, digests) at a time (a digest None: not an
    address), and decide it; scrub_facts stays for the deliverable rows to be read from
    (until _drop)."""
    rows = invalid = 0
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS scrub_list")
        cursor.execute("CREATE TEMP TABLE scrub_list (ord integer NOT NULL, digest bytea NOT NULL)")
        started = time.perf_counter()
        with _ListWriter(cursor) as writer:
            for ordinals, digests in chunks:
                writer.write_many(ordinals, digests)
                rows += len(digests)
                invalid += digests.count(None)
        staged_at = time.perf_counter()
        cursor.execute("ANALYZE scrub_list")
        with _roomy_transaction(cursor):
            outcome = scrub_decide(purpose=purpose_obj, channel=channel, cursor=cursor)
        result.steps = {"read, hashed and COPYed": staged_at - started, "decided": time.perf_counter() - staged_at}
    result.rows = rows
    result.deliverable = outcome.allowed
    result.excluded = {**outcome.excluded, INVALID: invalid, DUPLICATE: rows - invalid - outcome.listed}
    return outcome


@contextmanager
def _roomy_transaction(cursor):
    with transaction.atomic():
        cursor.execute("SELECT set_config('work_mem', %s, true)", [_WORK_MEM])
        yield


def _drop() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS scrub_facts")
        cursor.execute("DROP TABLE IF EXISTS scrub_list")


def _deliverable_ordinals(outcome: ScrubOutcome):
    """The deliverable ordinals in order, from a server-side cursor (a million stay on the server)."""
    if not outcome.allowed:
        return
    with (
        connection.cursor() as django_cursor,
        _roomy_transaction(django_cursor),
        connection.connection.cursor(name="scrub_deliverable") as cursor,
    ):
        cursor.itersize = _FETCH
        cursor.execute(SCRUB_DELIVERABLE_SQL, scrub_deliverable_params(outcome))
        for (ordinal,) in cursor:
            yield ordinal


def scrub_addresses(*, purpose: str, channel: str | None, addresses: list[str]) -> ScrubResult:
    """Up to IDENTIFIER_BATCH_LIMIT addresses (emails or SHA-256 hashes) in, the deliverable
    ones out, in the order given, each once."""
    purpose_obj, channel = _scope(purpose, channel)
    if len(addresses) > IDENTIFIER_BATCH_LIMIT:
        raise ValidationError(
            {"addresses": _("At most %(limit)d addresses per call.") % {"limit": IDENTIFIER_BATCH_LIMIT}}
        )
    result = ScrubResult(purpose=purpose, channel=channel)

    values = [raw if isinstance(raw, str) else "" for raw in addresses]
    try:
        outcome = _run(purpose_obj, channel, [(range(1, len(values) + 1), _digests(values, None))], result)
        result.addresses = [addresses[ordinal - 1] for ordinal in _deliverable_ordinals(outcome)]
    finally:
        _drop()
    return result


def scrub_file(*, purpose: str, channel: str | None, source, output, column_name: str = "") -> ScrubResult:
    """A campaign list file (binary, any layout suppression imports read) in; its deliverable
    rows written to `output` (a text file) as CSV, header first, in the original order.
    Raises RefusedFile for a file that is not a list of addresses."""
    purpose_obj, channel = _scope(purpose, channel)
    layout = layout_detect(source.read(SAMPLE_BYTES), column_name=column_name)
    result = ScrubResult(purpose=purpose, channel=channel)
    column, kind = layout.column, layout.kind

    def chunks():
        source.seek(0)
        rows, read = rows_read(source, layout), 0
        while chunk := list(islice(rows, _CHUNK)):
            values = [row[column] if column < len(row) else "" for _line, row in chunk]
            yield range(read + 1, read + len(chunk) + 1), _digests(values, kind)
            read += len(chunk)

    try:
        outcome = _run(purpose_obj, channel, chunks(), result)
        writer = csv.writer(output, delimiter=layout.delimiter, lineterminator="\r\n")
        if layout.has_header:
            source.seek(0)
            header = next(rows_read(source, dataclasses.replace(layout, has_header=False)), None)
            if header:
                writer.writerow(header[1])
        started = time.perf_counter()
        # The deliverable ordinals come in order: walk the file once beside them.
        ordinals = _deliverable_ordinals(outcome)
        wanted = next(ordinals, None)
        source.seek(0)
        for position, (_line, row) in enumerate(rows_read(source, layout), start=1):
            if wanted is None:
                break
            if position == wanted:
                writer.writerow(row)
                wanted = next(ordinals, None)
        result.steps["deliverable rows written"] = time.perf_counter() - started
    finally:
        _drop()
    return result


def scrub_result_path(name: str) -> str:
    return os.path.join("scrubs", name)
