import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from consent.accounts.identity import InvalidIdentifier
from consent.accounts.selectors import subject_resolve
from requests_app.erasure import ErasureNoticePending, subject_erase


class Command(BaseCommand):
    help = (
        "Erase one person's personal data (by email address or subject id): the notice is emailed first, then "
        "the account, evidence, outbox content, sessions and sign-in records are removed; the pseudonymous "
        "subject, its consent events and a hashed do-not-contact entry are kept. Prints the erasure record."
    )

    def add_arguments(self, parser):
        parser.add_argument("person", metavar="EMAIL|SUBJECT_ID")
        parser.add_argument("--reason", required=True, help="why, e.g. the request's reference (no personal data)")
        parser.add_argument("--actor", default="", help="who erases (default: manage.py and the OS user)")

    def handle(self, *args, person: str, reason: str, actor: str, **options):
        address = person.strip() if "@" in person else ""
        try:
            subject = subject_resolve(email=address) if address else subject_resolve(subject_id=person)
        except InvalidIdentifier as exc:
            raise CommandError(str(exc)) from exc
        if subject is None:
            raise CommandError("Nobody with this address or id is known.")
        try:
            record = subject_erase(
                subject=subject,
                actor=actor or f"manage.py erase_subject ({getpass.getuser()})",
                reason=reason,
                address="" if subject.user_id else address,
            )
        except ErasureNoticePending as exc:
            raise CommandError(f"Nothing erased: {exc}") from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"Erased subject {record.subject_id} at {record.erased_at:%Y-%m-%d %H:%M:%S} UTC.")
        self.stdout.write(f"Notice: {record.get_notice_display()}.")
        for what, count in sorted(record.removed.items()):
            self.stdout.write(f"  removed {what}: {count}")
        for row in record.kept:
            self.stdout.write(f"  kept {row['what']}: {row['count'] if row['count'] is not None else '-'}")
