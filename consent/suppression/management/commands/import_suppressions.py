import os

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from consent.ledger.models import Channel, Purpose
from consent.ledger.services import Actor
from consent.suppression.import_run import suppression_import_run
from consent.suppression.imports import suppression_import_create
from consent.suppression.models import SuppressionEntry, SuppressionImport


class Command(BaseCommand):
    help = (
        "Import a suppression list (CSV of any encoding and layout): every address in it goes on the "
        "do-not-contact list. Runs here and now; --queue hands it to a Celery worker instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--reason", choices=SuppressionEntry.Reason.values, default=SuppressionEntry.Reason.IMPORT)
        parser.add_argument("--purpose", choices=Purpose.Code.values, help="default: every contact purpose")
        parser.add_argument("--channel", choices=Channel.values, help="default: every channel")
        parser.add_argument("--column", default="", help="header of the address column (default: found automatically)")
        parser.add_argument("--phone-region", default="", help="country of phone numbers without +code, e.g. SE")
        parser.add_argument("--queue", action="store_true", help="run it on a Celery worker")

    def handle(self, *args, **options):
        path = options["file"]
        if not os.path.isfile(path):
            raise CommandError(f"No such file: {path}")
        try:
            with open(path, "rb") as handle:
                record, created = suppression_import_create(
                    upload=File(handle, name=os.path.basename(path)),
                    file_name=os.path.basename(path),
                    actor=Actor.system("import_suppressions"),
                    purpose=options["purpose"],
                    channel=options["channel"],
                    reason=options["reason"],
                    column_name=options["column"],
                    phone_region=options["phone_region"],
                    schedule=options["queue"],
                )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if not created:
            self.stdout.write(
                f"Already imported on {record.created_at:%Y-%m-%d %H:%M} (import {record.pk}, {record.status}); "
                "nothing was done."
            )
            return
        if options["queue"]:
            self.stdout.write(f"Import {record.pk} queued.")
            return
        record = suppression_import_run(import_id=record.pk)
        if record.status == SuppressionImport.Status.FAILED:
            raise CommandError(f"Refused: {record.message}")
        self.stdout.write(
            f"Import {record.pk}: {record.rows_read:,} rows read, {record.added:,} added, "
            f"{record.already_present:,} already present, {record.rejected:,} rejected, "
            f"{record.withdrawals:,} withdrawals recorded (column “{record.column_used}”, {record.encoding}, "
            f"delimiter {record.delimiter!r})."
        )
        if record.report:
            self.stdout.write(f"Rejected lines: {record.report.path}")
