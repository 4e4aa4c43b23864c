import base64
import json

from django.core.management.base import BaseCommand, CommandError

from consent.ledger import signing
from consent.ledger.checkpoints import checkpoint_file, describe, signing_key
from consent.ledger.services import LedgerInconsistent, ledger_checkpoint_take


class Command(BaseCommand):
    help = (
        "Take a signed checkpoint of the consent ledger (every chain's length and head, hashed into one root), "
        "and optionally export it as a small file to keep outside the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--export", metavar="FILE", help="write the checkpoint file here ('-' for stdout)")
        parser.add_argument(
            "--key",
            action="store_true",
            help="only print the signing key's public half and fingerprint (to record where files are checked)",
        )

    def handle(self, *args, export=None, key=False, **options):
        if key:
            public_raw = signing.public_key_raw(signing_key())
            self.stdout.write(f"public key:  {base64.b64encode(public_raw).decode()}")
            self.stdout.write(f"fingerprint: {signing.key_id(public_raw)}")
            return
        try:
            checkpoint = ledger_checkpoint_take()
        except LedgerInconsistent as exc:
            problems = "\n".join(f"  - {problem}" for problem in exc.problems)
            raise CommandError(
                f"Checkpoint refused: the ledger no longer matches the last checkpoint.\n{problems}\n"
                "Run manage.py verify_ledger for the whole report."
            ) from exc
        summary = (
            f"Took {describe(checkpoint)}: {checkpoint.events} events in {checkpoint.chains} chains up to event "
            f"#{checkpoint.last_event_id}, root {checkpoint.root}, signed by key {checkpoint.key_id}."
        )
        if export is None:
            self.stdout.write(self.style.SUCCESS(summary))
            return
        text = json.dumps(checkpoint_file(checkpoint), indent=2, sort_keys=True) + "\n"
        if export == "-":
            self.stdout.write(text, ending="")
            return
        with open(export, "w", encoding="utf-8") as handle:
            handle.write(text)
        self.stdout.write(self.style.SUCCESS(f"{summary}\nExported to {export}."))
