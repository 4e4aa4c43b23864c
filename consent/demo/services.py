"""Demo data for `make run`: idempotent, so every start can call it."""

import datetime
import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from consent.accounts.models import User
from consent.accounts.roles import REPRESENTATIVE, roles_sync
from consent.accounts.services import user_create, user_email_verify
from consent.demo import policy_texts
from consent.ledger.chain import Evidence
from consent.ledger.services import Actor, consent_record
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


def _midnight_utc(iso_date: str) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(iso_date), datetime.time(), tzinfo=datetime.UTC)


# Each demo version was announced this long before it took effect, so the public pages and
# `?at=` answer for any date between versions as they would have then.
DEMO_NOTICE_PERIOD = datetime.timedelta(days=14)


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


def _demo_passwords(path: Path) -> dict[str, str]:
    # Random on first run, then kept in var/ so the printed login stays valid.
    passwords = json.loads(path.read_text()) if path.exists() else {}
    roles = [*DEMO_ACCOUNTS, END_USER]
    if all(role in passwords for role in roles):
        return passwords
    passwords = {role: passwords.get(role) or secrets.token_urlsafe(12) for role in roles}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(passwords))
    path.chmod(0o600)
    return passwords


@transaction.atomic
def demo_seed(*, credentials_path: Path | None = None) -> list[tuple[str, str, str]]:
    """Returns (role, email, password) for each demo account."""
    roles_sync()
    policies_demo_seed()
    _demo_people()
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
    end_user = _demo_end_user(passwords[END_USER])
    logins.append((END_USER, end_user.email, passwords[END_USER]))
    return logins
