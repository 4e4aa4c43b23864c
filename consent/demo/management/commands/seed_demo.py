from django.core.management.base import BaseCommand

from consent.demo.services import demo_seed


class Command(BaseCommand):
    help = "Create or refresh the demo data and accounts (safe to run again)."

    def handle(self, *args, **options):
        logins = demo_seed()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Back office: /admin/; portal: /portal/"))
        for role, email, password in logins:
            self.stdout.write(f"  {role.replace(' ', '-'):<15} {email:<24} password: {password}")
