from django.core.management.base import BaseCommand, CommandError

from consent.accounts.identity import InvalidIdentifier
from consent.accounts.selectors import subject_resolve
from consent.ledger.chain import ledger_verify


class Command(BaseCommand):
    help = (
        "Recompute every consent event's hash chain and name the first broken link; then check that the "
        "current state agrees with the events."
    )

    def add_arguments(self, parser):
        parser.add_argument("--subject", help="check one subject only (UUID)")

    def handle(self, *args, subject=None, **options):
        target = None
        if subject:
            try:
                target = subject_resolve(subject_id=subject)
            except InvalidIdentifier as exc:
                raise CommandError(str(exc)) from exc
            if target is None:
                raise CommandError(f"No subject {subject}.")
        result = ledger_verify(subject=target)
        if result.broken:
            link = result.broken
            raise CommandError(
                f"Broken link at event {link.event_id} (subject {link.subject_id}): {link.problem}. "
                f"{result.events_checked} events checked up to there."
            )
        if result.drift:
            raise CommandError(
                f"The chains are intact, but {result.drift}. consent_state_rebuild() "
                "(consent.ledger.services) rewrites the current state from the events."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Ledger intact: {result.events_checked} events in {result.subjects_checked} chains verified; "
                "the current state agrees with them."
            )
        )
