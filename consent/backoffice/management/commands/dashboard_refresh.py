from django.core.management.base import BaseCommand, CommandError

from consent.backoffice.services import RECENT_WEEKS, dashboard_figures_refresh


class Command(BaseCommand):
    help = (
        "Recount the dashboard's weekly figures: the last two weeks by default (what the beat "
        "task does), or every week with --all (after restoring a backup or changing the counting)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="every week since the first event or entry")
        parser.add_argument("--weeks", type=int, default=RECENT_WEEKS, help="weeks to recount, this one included")

    def handle(self, *args, all: bool, weeks: int, **options):  # noqa: A002 - the option's name
        if weeks < 1:
            raise CommandError("--weeks must be at least 1")
        written = dashboard_figures_refresh(weeks=None if all else weeks)
        self.stdout.write(f"{written} figures counted.")
