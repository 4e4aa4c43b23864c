from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from consent.accounts.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key with scopes and print it once (it is stored only as a hash)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--scopes", required=True, help="comma-separated, e.g. consent:read,consent:write")

    def handle(self, *args, name, scopes, **options):
        try:
            api_key, key = api_key_create(name=name, scopes=[s.strip() for s in scopes.split(",") if s.strip()])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"API key '{api_key.name}' with scopes {', '.join(api_key.scopes)}:")
        self.stdout.write(key)
        self.stderr.write("Store it now: it cannot be shown again.")
