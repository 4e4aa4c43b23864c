"""manage.py send_policy_notice VERSION: start, or resume, the notice emails of a material version."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from consent.notices.runs import notice_batch_queue, notice_run_refresh
from consent.notices.services import NOTICE_BATCH_SIZE, notice_run_start
from consent.policies.models import PolicyVersion


class Command(BaseCommand):
    help = (
        "Email every registered user about a material policy version, in their language, through the "
        "outbox. Run again to resume an interrupted run: nobody gets a second email."
    )

    def add_arguments(self, parser):
        parser.add_argument("version", help="the policy version's id, or SLUG:LABEL[:COUNTRY] (privacy-policy:3.0)")
        parser.add_argument(
            "--here",
            action="store_true",
            help="queue every pending batch in this process instead of handing them to the workers",
        )
        parser.add_argument("--batch-size", type=int, default=NOTICE_BATCH_SIZE, help="users per batch")

    def handle(self, *args, version: str, here: bool, batch_size: int, **options):
        target = self._version(version)
        try:
            run, created = notice_run_start(version=target, batch_size=batch_size, enqueue=not here)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if here:
            for batch_id in (
                run.batches.filter(done_at__isnull=True).order_by("first_user_id").values_list("pk", flat=True)
            ):
                notice_batch_queue(batch_id=batch_id)
            run = notice_run_refresh(run=run)
        self.stdout.write(
            f"{'Started' if created else 'Resumed'} the notice of {target}: {run.total_users} users in "
            f"{run.batch_count} batches; {run.queued_count} emails queued, {run.sent_count} sent "
            f"({run.get_status_display().lower()})."
        )

    def _version(self, value: str) -> PolicyVersion:
        versions = PolicyVersion.objects.select_related("document")
        if value.isdigit():
            found = versions.filter(pk=int(value)).first()
        else:
            slug, _sep, rest = value.partition(":")
            label, _sep, country = rest.partition(":")
            found = versions.filter(document__slug=slug, label=label, country=country.upper()).first()
        if found is None:
            raise CommandError(f"No policy version {value!r}.")
        return found
