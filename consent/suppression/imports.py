"""Uploading a suppression list: one row per distinct file, its import scheduled after commit.
The import itself is consent.suppression.import_run, run by a Celery task."""

import os

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from consent.ledger.services import Actor
from consent.suppression.models import SuppressionEntry, SuppressionImport
from consent.suppression.scopes import scope_validate
from consent.suppression.services import actor_label, file_sha256
from consent.suppression.tasks import import_suppressions_task


def suppression_import_create(
    *,
    upload,
    file_name: str,
    actor: Actor,
    purpose: str | None = None,
    channel: str | None = None,
    reason: str = SuppressionEntry.Reason.IMPORT,
    column_name: str = "",
    phone_region: str = "",
    schedule: bool = True,
) -> tuple[SuppressionImport, bool]:
    """Store an uploaded list and schedule its import; (the import, True) when it will run.

    A file with the SHA-256 of one already imported is not imported again: (that import,
    False). One that was refused is run again with the options given now (a column named).
    `schedule=False` leaves the run to the caller (the management command runs it in-process)."""
    purpose, channel = scope_validate(purpose=purpose, channel=channel)
    if reason not in SuppressionEntry.Reason.values:
        raise ValidationError({"reason": _("Must be one of: %s.") % ", ".join(SuppressionEntry.Reason.values)})
    phone_region = (phone_region or "").strip().upper()
    if phone_region and (len(phone_region) != 2 or not phone_region.isalpha()):
        raise ValidationError({"phone_region": _("A two-letter country code, e.g. SE.")})
    if getattr(upload, "size", None) == 0:
        raise ValidationError({"file": _("The file is empty.")})
    sha256 = file_sha256(upload)
    options = {
        "purpose": purpose,
        "channel": channel,
        "reason": reason,
        "column_name": (column_name or "").strip()[:200],
        "phone_region": phone_region,
    }
    with transaction.atomic():
        existing = SuppressionImport.objects.select_for_update().filter(sha256=sha256).first()
        if existing is not None and existing.status != SuppressionImport.Status.FAILED:
            return existing, False
        record = existing or SuppressionImport(sha256=sha256)
        for field, value in options.items():
            setattr(record, field, value)
        record.file_name = os.path.basename(file_name or "upload.csv")[:255]
        record.file_size = getattr(upload, "size", 0) or 0
        record.created_by = actor_label(actor)[:100]
        record.status = SuppressionImport.Status.PENDING
        record.message = ""
        record.progress = 0
        record.rows_read = record.added = record.already_present = record.rejected = record.withdrawals = 0
        if record.file:
            record.file.delete(save=False)
        if record.report:
            record.report.delete(save=False)
        record.file.save(f"{sha256}.csv", File(upload), save=False)
        record.save()
        if schedule:
            transaction.on_commit(lambda: import_suppressions_task.delay(record.pk))
    return record, True
