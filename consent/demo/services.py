"""Demo data for `make run`: idempotent, so every start can call it."""

import base64
import datetime
import json
import secrets
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from consent.accounts.models import User
from consent.accounts.roles import REPRESENTATIVE, roles_sync
from consent.accounts.second_factor import TOTP_DEVICE_NAME, backup_codes_replace
from consent.accounts.services import user_create, user_email_verify
from consent.backoffice.services import dashboard_figures_refresh
from consent.demo import policy_texts
from consent.ledger.chain import Evidence
from consent.ledger.services import Actor, consent_record, ledger_checkpoint_take
from consent.policies.models import PolicyDocument, PolicyVersion
from consent.policies.selectors import policy_version_current
from consent.policies.services import policy_version_create, policy_version_publish
from consent.portal import services as portal
from consent.portal.selectors import privacy_policy_shown

DEMO_ACCOUNTS = {
    "admin": {"email": "admin@example.com", "first_name": "Ada", "last_name": "Admin", "is_superuser": True},
    "representative": {
        "email": "rep@example.com",
        "first_name": "Rita",
        "last_name": "Representative",
        "group": REPRESENTATIVE,
    },
}


# Each demo version was announced this long before it took effect, so the public pages and
# `?at=` answer for any date between versions as they would have then.
DEMO_NOTICE_PERIOD = datetime.timedelta(days=14)


def _midnight_utc(iso_date: str) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(iso_date), datetime.time(), tzinfo=datetime.UTC)


@transaction.atomic
def policies_demo_seed() -> None:
    """The demo documents and their versions (policy_texts.py), each published in turn.

    Idempotent: a document or version that exists is left alone; a demo version
    still in draft is published."""
    for spec in policy_texts.DOCUMENTS:
        document = PolicyDocument.objects.filter(slug=spec["slug"]).first()
        if document is None:
            document = PolicyDocument(
                slug=spec["slug"], kind=spec["kind"], **{f"title_{k}": v for k, v in spec["title"].items()}
            )
            document.full_clean()
            document.save()
        for version_spec in spec["versions"]:
            version = PolicyVersion.objects.filter(document=document, country="", label=version_spec["label"]).first()
            if version is None:
                version = policy_version_create(
                    document=document,
                    label=version_spec["label"],
                    effective_at=_midnight_utc(version_spec["effective_at"]),
                    is_material=version_spec["is_material"],
                    title=version_spec["title"],
                    body=version_spec["body"],
                    summary_of_changes=version_spec["summary_of_changes"],
                )
            if version.status == PolicyVersion.Status.DRAFT:
                published_at = min(version.effective_at - DEMO_NOTICE_PERIOD, timezone.now())
                policy_version_publish(version=version, published_at=published_at)


# People whose choices fill the demo ledger: (profile, [(purpose, channel, decision, source)]).
DEMO_PEOPLE = [
    (
        {
            "email": "maria.lind@example.se",
            "first_name": "Maria",
            "last_name": "Lind",
            "country": "SE",
            "language": "sv",
        },
        [("marketing_own", "email", "withdrawn", "registration"), ("cookies_analytics", None, "granted", "portal")],
    ),
    (
        {
            "email": "jean.martin@example.fr",
            "first_name": "Jean",
            "last_name": "Martin",
            "country": "FR",
            "language": "fr",
        },
        [("marketing_third_party", "email", "granted", "registration"), ("research", None, "withdrawn", "portal")],
    ),
    (
        {"email": "alex.kim@example.com", "first_name": "Alex", "last_name": "Kim", "country": "US", "language": "en"},
        [("marketing_own", None, "withdrawn", "representative"), ("transfer_in_sale", None, "withdrawn", "portal")],
    ),
]


def _demo_people() -> None:
    """Registered people with a few choices each, so the ledger and subject pages show something."""
    policy = policy_version_current(slug="privacy-policy")
    for profile, choices in DEMO_PEOPLE:
        if User.objects.filter(email=profile["email"]).exists():
            continue
        user = user_create(password=None, **profile)
        evidence = Evidence(ip_address="192.0.2.10", user_agent="demo", language=profile["language"])
        consent_record(
            subject=user.subject, purpose="primary_use", decision="granted", source="registration",
            actor=Actor.subject(), evidence=evidence, policy_version=policy,
        )  # fmt: skip
        for purpose, channel, decision, source in choices:
            actor = Actor.system("demo") if source == "representative" else Actor.subject()
            consent_record(
                subject=user.subject, purpose=purpose, channel=channel, decision=decision, source=source,
                actor=actor, evidence=evidence, policy_version=policy,
            )  # fmt: skip


class DemoLogin(NamedTuple):
    role: str
    email: str
    password: str
    totp_secret: str  # base32, as authenticator apps take it; "" for the end user
    backup_codes: list[str]


def _demo_credentials(path: Path) -> dict[str, dict]:
    # Random on first run, then kept in var/ so the printed login stays valid, database or not.
    stored = json.loads(path.read_text()) if path.exists() else {}
    credentials = {}
    for role in [*DEMO_ACCOUNTS, END_USER]:
        entry = stored.get(role)
        if isinstance(entry, str):  # written before staff had a second factor: keep the password
            entry = {"password": entry}
        entry = dict(entry or {})
        entry.setdefault("password", secrets.token_urlsafe(12))
        if role != END_USER:  # staff sign in with a second factor; the end user does not
            entry.setdefault("totp_key", default_key())
            entry.setdefault("backup_codes", [secrets.token_hex(4) for _n in range(3)])
        credentials[role] = entry
    if credentials != stored:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(credentials))
        path.chmod(0o600)
    return credentials


def _demo_second_factor(user: User, totp_key: str, backup_codes: list[str]) -> None:
    """The demo account's authenticator (its secret kept in var/) and its backup codes, put
    back on every run: a code used yesterday works again after `make run`, in the demo only."""
    TOTPDevice.objects.filter(user=user).exclude(key=totp_key).delete()
    TOTPDevice.objects.update_or_create(
        user=user, key=totp_key, defaults={"name": str(TOTP_DEVICE_NAME), "confirmed": True}
    )
    backup_codes_replace(user=user, codes=backup_codes)


# A person who registered through the portal, so the portal shows something at once.
END_USER = "end user"
DEMO_END_USER = {
    "email": "eva.berg@example.se",
    "first_name": "Eva",
    "last_name": "Berg",
    "phone": "+46701234567",
    "street_address": "Storgatan 12",
    "postal_code": "111 22",
    "city": "Stockholm",
    "country": "SE",
    "language": "sv",
    "occupation": "Project manager",
}
_DEMO_CONTEXT = portal.RequestContext(ip_address="192.0.2.20", user_agent="demo")


def _demo_end_user(password: str) -> User:
    """Registered through the portal's own services: the ledger events, the confirmation
    email, a verified address, a later change of mind and a profile correction."""
    user = User.objects.filter(email=DEMO_END_USER["email"]).first()
    if user is None:
        profile = {k: v for k, v in DEMO_END_USER.items() if k != "email"}
        shown = privacy_policy_shown(country=profile["country"], language=profile["language"])
        user = portal.registration_create(
            email=DEMO_END_USER["email"], password=password, profile=profile, age=41,
            marketing_own={"email", "postal"}, marketing_third_party=set(),
            policy_version_id=shown.version.pk, policy_language=shown.text["language"],
            policy_text_hash=shown.text["content_hash"], context=_DEMO_CONTEXT,
        ).user  # fmt: skip
        user_email_verify(user_id=user.pk, email=user.email)
        for purpose, channel, decision in (
            ("marketing_own", "postal", "withdrawn"),
            ("cookies_analytics", None, "granted"),
            ("research", "phone", "withdrawn"),
        ):
            portal.choice_change(
                user=user, purpose=purpose, channel=channel, decision=decision, language="sv", context=_DEMO_CONTEXT
            )
        portal.profile_update(user=user, email=user.email, changes={"occupation": "Head of projects"})
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def demo_seed(*, credentials_path: Path | None = None) -> list[DemoLogin]:
    """Returns the sign-in of each demo account: password and second factor."""
    roles_sync()
    policies_demo_seed()
    _demo_people()
    credentials = _demo_credentials(credentials_path or settings.VAR_DIR / "demo-credentials.json")
    logins = []
    for role, spec in DEMO_ACCOUNTS.items():
        spec = dict(spec)
        group = spec.pop("group", None)
        login = credentials[role]
        user = User.objects.filter(email=spec["email"]).first()
        if user is None:
            user = user_create(password=None, is_staff=True, **spec)
        user.set_password(login["password"])
        user.is_staff = True
        user.is_active = True
        user.save()
        if group:
            user.groups.add(Group.objects.get(name=group))
        _demo_second_factor(user, login["totp_key"], login["backup_codes"])
        secret = base64.b32encode(bytes.fromhex(login["totp_key"])).decode()
        logins.append(DemoLogin(role, user.email, login["password"], secret, login["backup_codes"]))
    end_user = _demo_end_user(credentials[END_USER]["password"])
    logins.append(DemoLogin(END_USER, end_user.email, credentials[END_USER]["password"], "", []))
    # Anchor what the demo wrote, so `verify_ledger` on a fresh demo database has a
    # checkpoint to prove the chains against (the beat task takes the later ones).
    ledger_checkpoint_take()
    # The dashboard's figures, so the demo's dashboard has them before the beat's first run.
    dashboard_figures_refresh()
    return logins
