"""Running a suppression import: stream the stored file into COPY, then merge.

The file is read once: each row's address is canonicalised and hashed in Python and its
digest written straight into COPY; rejected lines go to a CSV report as they are met.
Memory holds one buffer of the file, one COPY chunk and one batch of known people, whatever
the file's size. The merge is services.staging_merge, shared with the API's suppressions."""

import csv
import logging
import tempfile
import time
from itertools import islice

from django.conf import settings
from django.core.files import File
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from consent.accounts.identity import (
    MAX_EMAIL_LENGTH,
    InvalidIdentifier,
    digest_from_sha256,
    email_digest,
    phone_digest,
    plain_email_digests,
)
from consent.ledger.services import Actor
from consent.suppression.files import (
    EMAIL,
    PHONE,
    SAMPLE_BYTES,
    CountingReader,
    Layout,
    RefusedFile,
    address_value,
    layout_detect,
    rows_read,
)
from consent.suppression.models import SuppressionImport
from consent.suppression.services import StagingWriter, ledger_source, staging_create, staging_drop, staging_merge

logger = logging.getLogger(__name__)

# Why a line is rejected, as the report says it (in the uploader's language at report time).
EMPTY = gettext_noop("empty")
TOO_LONG = gettext_noop("too long")
NOT_AN_ADDRESS = gettext_noop("not an address")
BAD_PHONE = gettext_noop("unparseable phone")
NOT_A_HASH = gettext_noop("not a SHA-256 hash")
REJECT_REASONS = (EMPTY, TOO_LONG, NOT_AN_ADDRESS, BAD_PHONE, NOT_A_HASH)

MAX_EMAIL = MAX_EMAIL_LENGTH
MAX_PHONE = 32
PROGRESS_EVERY = 50_000  # rows between progress updates
CHUNK_ROWS = 10_000  # rows read, hashed and written to COPY at a time
READ_SHARE = 80  # percent of the bar for reading the file; the merge has the rest


def _digest_of(value: str, kind: str, region: str | None) -> bytes | str:
    """The digest of one cell, or the reason it is rejected."""
    if kind == EMAIL:
        if len(value) <= MAX_EMAIL:
            try:
                return email_digest(value)
            except InvalidIdentifier:
                pass
        cleaned = address_value(value)
        if not cleaned:
            return EMPTY
        if len(cleaned) > MAX_EMAIL:
            return TOO_LONG
        try:
            return email_digest(cleaned)
        except InvalidIdentifier:
            return NOT_AN_ADDRESS
    cleaned = address_value(value)
    if not cleaned:
        return EMPTY
    if kind == PHONE:
        if len(cleaned) > MAX_PHONE:
            return TOO_LONG
        try:
            return phone_digest(cleaned, region=region)
        except InvalidIdentifier:
            return BAD_PHONE
    try:
        return digest_from_sha256(cleaned)
    except InvalidIdentifier:
        return TOO_LONG if len(cleaned) > 64 else NOT_A_HASH


class _Progress:
    """Writes progress and counts to the import's row now and then (autocommit: visible at once)."""

    def __init__(self, record: SuppressionImport):
        self.record = record
        self.last = 0.0

    def save(self, *, force: bool = False, **fields) -> None:
        now = time.monotonic()
        if not force and now - self.last < 0.5:
            return
        self.last = now
        for name, value in fields.items():
            setattr(self.record, name, value)
        SuppressionImport.objects.filter(pk=self.record.pk).update(**fields)


def suppression_import_run(*, import_id: int) -> SuppressionImport:
    """Import one uploaded file. Idempotent: a finished import is left alone, and a run
    cut short (a worker lost) runs again from the start, adding only what is missing."""
    record = SuppressionImport.objects.get(pk=import_id)
    if record.finished:
        return record
    progress = _Progress(record)
    progress.save(force=True, status=SuppressionImport.Status.RUNNING, started_at=timezone.now(), progress=0)
    try:
        _run(record, progress)
    except RefusedFile as exc:
        progress.save(force=True, status=SuppressionImport.Status.FAILED, message=str(exc), finished_at=timezone.now())
    except Exception:
        logger.exception("Suppression import %s failed", import_id)
        progress.save(
            force=True,
            status=SuppressionImport.Status.FAILED,
            message=_("The import stopped on an internal error; nothing after the last batch was saved."),
            finished_at=timezone.now(),
        )
        raise
    finally:
        if not getattr(settings, "SUPPRESSION_IMPORT_KEEP_FILES", False) and record.file:
            # The file holds the addresses; only their digests are kept.
            record.file.delete(save=False)
            SuppressionImport.objects.filter(pk=record.pk).update(file="")
    record.refresh_from_db()
    return record


def _run(record: SuppressionImport, progress: _Progress) -> None:
    with record.file.open("rb") as stored:
        sample = stored.read(SAMPLE_BYTES)
        layout = layout_detect(sample, column_name=record.column_name)
        stored.seek(0)
        progress.save(
            force=True,
            encoding=layout.encoding,
            delimiter={"\t": "tab"}.get(layout.delimiter, layout.delimiter),
            column_used=layout.column_name[:200],
            column_kind=layout.kind,
        )
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as report, connection.cursor() as cursor:
            staging_create(cursor)
            try:
                started = time.perf_counter()
                counts = _stage(stored, layout, record, report, cursor, progress)
                staged = time.perf_counter() - started
                if counts["read"] >= 10 and counts["rejected"] == counts["read"]:
                    # Not one address in the whole file: the column was the wrong one.
                    raise RefusedFile(
                        _("Not one line of column “%(column)s” holds a valid address.") % {"column": layout.column_name}
                    )
                merge = staging_merge(
                    purpose=record.purpose,
                    channel=record.channel,
                    reason=record.reason,
                    source=_("Import of %(file)s") % {"file": record.file_name},
                    actor=Actor.system(f"import:{record.pk}"),
                    ledger_source=ledger_source(record.reason),
                    progress=lambda share: progress.save(progress=READ_SHARE + int((100 - READ_SHARE) * share * 0.99)),
                )
            finally:
                staging_drop(cursor)
            if counts["rejected"]:
                report.seek(0)
                record.report.save(f"{record.sha256}-rejected.csv", File(report), save=False)
                SuppressionImport.objects.filter(pk=record.pk).update(report=record.report.name)
    timings = {"read, hashed and copied": staged, **merge.timings}
    logger.info(
        "Suppression import %s: %s lines in %s",
        record.pk,
        counts["read"],
        ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items()),
        extra={"timings": timings},
    )
    progress.save(
        force=True,
        status=SuppressionImport.Status.DONE,
        progress=100,
        rows_read=counts["read"],
        rejected=counts["rejected"],
        added=merge.added,
        already_present=merge.already_present,
        withdrawals=merge.withdrawals,
        finished_at=timezone.now(),
    )


def _stage(stored, layout: Layout, record: SuppressionImport, report, cursor, progress: _Progress) -> dict:
    counting = CountingReader(stored)
    size = record.file_size or 1
    column, kind = layout.column, layout.kind
    region = record.phone_region or None
    writer = csv.writer(report)
    writer.writerow([_("line"), _("reason"), _("value")])
    read = rejected = 0
    rows, chunk_rows = rows_read(counting, layout), min(CHUNK_ROWS, PROGRESS_EVERY)
    with StagingWriter(cursor) as staging:
        # A chunk of rows at a time: the lines' common case (a plain address) is hashed in
        # one call per chunk; only the others take _digest_of, one by one.
        while chunk := list(islice(rows, chunk_rows)):
            values = [row[column] if column < len(row) else "" for _line, row in chunk]
            digests = plain_email_digests(values) if kind == EMAIL else [None] * len(values)
            if None in digests:
                for index, digest in enumerate(digests):
                    if digest is None:
                        digests[index] = _digest_of(values[index], kind, region)
                if not all(isinstance(digest, bytes) for digest in digests):
                    for (line, _row), value, digest in zip(chunk, values, digests, strict=True):
                        if not isinstance(digest, bytes):
                            rejected += 1
                            writer.writerow([line, _(digest), value[:500]])
                    digests = [digest for digest in digests if isinstance(digest, bytes)]
            staging.write_many(digests)
            read += len(chunk)
            if read % PROGRESS_EVERY < len(chunk):
                staging.pause()  # the connection must leave COPY to run the progress update
                progress.save(
                    progress=min(READ_SHARE, int(READ_SHARE * counting.bytes_read / size)),
                    rows_read=read,
                    rejected=rejected,
                )
    return {"read": read, "rejected": rejected}
