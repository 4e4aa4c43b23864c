import json

from django.core.management.base import BaseCommand, CommandError

from consent.accounts.identity import InvalidIdentifier
from consent.accounts.selectors import subject_resolve
from consent.ledger.chain import ledger_verify
from consent.ledger.checkpoints import describe


class Command(BaseCommand):
    help = (
        "Prove the consent ledger against its latest signed checkpoint (or a checkpoint file): every chain "
        "still holds the events the checkpoint recorded, every event's hash and link recomputes, evidence is "
        "missing only for erased people; then check that the current state agrees with the events. Exits "
        "non-zero naming each problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("--subject", help="check one subject only (UUID)")
        parser.add_argument(
            "--checkpoint",
            metavar="FILE",
            help="also check against this exported checkpoint file (manage.py ledger_checkpoint --export)",
        )

    def handle(self, *args, subject=None, checkpoint=None, **options):
        target = None
        if subject:
            try:
                target = subject_resolve(subject_id=subject)
            except InvalidIdentifier as exc:
                raise CommandError(str(exc)) from exc
            if target is None:
                raise CommandError(f"No subject {subject}.")
        checkpoint_file = None
        if checkpoint:
            try:
                with open(checkpoint, encoding="utf-8") as handle:
                    checkpoint_file = json.load(handle)
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read the checkpoint file {checkpoint}: {exc}") from exc

        result = ledger_verify(subject=target, checkpoint_file=checkpoint_file)
        if not result.intact:
            shown = "\n".join(f"  - {problem}" for problem in result.problems)
            more = (
                f"\n  … and {result.problems_total - len(result.problems)} more"
                if result.problems_total > len(result.problems)
                else ""
            )
            raise CommandError(
                f"The ledger is NOT intact: {result.problems_total} problem(s).\n{shown}{more}\n"
                "Do not rebuild the current state over missing or altered events (consent_state_rebuild would "
                "make it agree with the damage): restore the ledger tables from a backup and verify again "
                "against an exported checkpoint file."
            )
        anchors = ", ".join(f"{describe(c)} ({c.events} events in {c.chains} chains)" for c in result.checkpoints)
        if result.drift:
            raise CommandError(
                f"Every chain is intact and matches {anchors}, but {result.drift}. consent_state_rebuild() "
                "(consent.ledger.services) rewrites the current state from the events."
            )
        since = (
            f" {result.events_since_checkpoint} events recorded since are vouched for by their chains only "
            "until the next checkpoint."
            if result.events_since_checkpoint
            else ""
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Ledger intact: {result.events_checked} events in {result.subjects_checked} chains verified"
                + (f" against {anchors}." if anchors else " (empty, no checkpoint yet).")
                + since
                + " The current state agrees with them."
            )
        )
