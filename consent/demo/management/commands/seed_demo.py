from django.core.management.base import BaseCommand

from consent.demo.services import demo_seed


class Command(BaseCommand):
    help = "Create or refresh the demo data and accounts (safe to run again)."

    def handle(self, *args, **options):
        logins = demo_seed()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Back office: /admin/; portal: /portal/"))
        self.stdout.write(
            "Staff sign in with the password, then a code: add the TOTP secret to an authenticator app "
            "(or `oathtool --totp -b SECRET`), or type a backup code (the demo's come back on every run)."
        )
        for login in logins:
            self.stdout.write(f"  {login.role.replace(' ', '-'):<15} {login.email:<24} password: {login.password}")
            if login.totp_secret:
                self.stdout.write(
                    f"  {'':<15} TOTP secret: {login.totp_secret}  backup codes: {' '.join(login.backup_codes)}"
                )
