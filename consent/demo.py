"""Demo data for `make run`: idempotent, so every start can call it."""

import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from consent.accounts.models import User
from consent.accounts.roles import REPRESENTATIVE, roles_sync
from consent.accounts.services import user_create
from consent.policies.services import policies_demo_seed

DEMO_ACCOUNTS = {
    "admin": {"email": "admin@example.com", "first_name": "Ada", "last_name": "Admin", "is_superuser": True},
    "representative": {
        "email": "rep@example.com",
        "first_name": "Rita",
        "last_name": "Representative",
        "group": REPRESENTATIVE,
    },
}


def _demo_passwords(path: Path) -> dict[str, str]:
    # Random on first run, then kept in var/ so the printed login stays valid.
    if path.exists():
        return json.loads(path.read_text())
    passwords = {role: secrets.token_urlsafe(12) for role in DEMO_ACCOUNTS}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(passwords))
    path.chmod(0o600)
    return passwords


@transaction.atomic
def demo_seed(*, credentials_path: Path | None = None) -> list[tuple[str, str, str]]:
    """Returns (role, email, password) for each demo account."""
    roles_sync()
    policies_demo_seed()
    passwords = _demo_passwords(credentials_path or settings.VAR_DIR / "demo-credentials.json")
    logins = []
    for role, spec in DEMO_ACCOUNTS.items():
        spec = dict(spec)
        group = spec.pop("group", None)
        user = User.objects.filter(email=spec["email"]).first()
        if user is None:
            user = user_create(password=None, is_staff=True, **spec)
        user.set_password(passwords[role])
        user.is_staff = True
        user.is_active = True
        user.save()
        if group:
            user.groups.add(Group.objects.get(name=group))
        logins.append((role, user.email, passwords[role]))
    return logins
