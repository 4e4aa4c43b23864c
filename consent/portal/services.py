"""The end user's writes: registration, email verification, profile, choices, security.

Each is one transaction: the person's rows, their ledger events (consent_record) and the
emails that tell them about it (email_queue) are written together or not at all."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from consent.accounts.identity import InvalidIdentifier, canonical_email
from consent.accounts.models import PasswordCompromiseReport, ProfileChange, Subject, User
from consent.accounts.services import (
    PROFILE_FIELDS,
    EmailVerification,
    subject_get_or_create,
    user_create,
    user_email_change_request,
    user_email_verify,
    user_password_compromised,
    user_profile_update,
)
from consent.decisions.rules import Reason, consent_state
from consent.ledger.chain import Evidence
from consent.ledger.models import Channel, ConsentEvent, Purpose
from consent.ledger.services import Actor, consent_record
from consent.notifications.services import email_queue
from consent.policies.models import PolicyVersion
from consent.policies.services import policy_version_hold
from consent.portal.selectors import REGISTRATION_PURPOSES, ShownPolicy, privacy_policy_shown

# "Not intended for use by individuals under the age of 13" (the policy, 2003).
MINIMUM_AGE = 13

_VERIFICATION_SALT = "consent.portal.email-verification"


class RegistrationRefused(Exception):
    """The person is younger than MINIMUM_AGE. Raised before anything is written."""


class PolicyChanged(Exception):
    """The policy version the form showed is not the one in force for the person now
    (retired since, or their country has its own). `shown` is what to show instead."""

    def __init__(self, shown: ShownPolicy | None):
        super().__init__("The policy in force differs from the one shown.")
        self.shown = shown


@dataclass(frozen=True)
class RequestContext:
    """Where a person acted from: the evidence a ledger event keeps."""

    ip_address: str | None = None
    user_agent: str = ""

    def evidence(self, shown: ShownPolicy) -> Evidence:
        return Evidence(
            ip_address=self.ip_address,
            user_agent=self.user_agent[:512],
            language=shown.text["language"],
            text_hash=shown.text["content_hash"],
        )


def absolute_url(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}"


def subject_for_user(user: User) -> Subject:
    """The person's Subject; accounts made outside registration (createsuperuser) get one here."""
    subject = Subject.objects.filter(user=user).first()
    if subject is None:
        subject = subject_get_or_create(email=user.email)
        subject.user = user
        subject.save(update_fields=["user"])
    return subject


# --- email verification ---------------------------------------------------------------------


def _address_fingerprint(email: str) -> str:
    # Binds a link to one address without putting the address in the URL (and in access logs).
    return salted_hmac(_VERIFICATION_SALT, email).hexdigest()[:24]


def email_verification_url(*, user: User, email: str) -> str:
    token = signing.TimestampSigner(salt=_VERIFICATION_SALT).sign_object(
        {"u": user.pk, "a": _address_fingerprint(email)}, compress=True
    )
    return absolute_url(reverse("email-verify", args=[token]))


class VerificationLinkInvalid(Exception):
    def __init__(self, *, expired: bool):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def email_verification_check(*, token: str) -> User:
    """The account a verification link belongs to, if the link is genuine and not expired."""
    try:
        payload = signing.TimestampSigner(salt=_VERIFICATION_SALT).unsign_object(
            token, max_age=settings.EMAIL_VERIFICATION_MAX_AGE
        )
    except signing.SignatureExpired:
        raise VerificationLinkInvalid(expired=True) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise VerificationLinkInvalid(expired=False) from None
    user = User.objects.filter(pk=payload.get("u"), is_active=True).first() if isinstance(payload, dict) else None
    if user is None or payload.get("a") not in {_address_fingerprint(a) for a in (user.email, user.pending_email) if a}:
        raise VerificationLinkInvalid(expired=False)
    return user


@transaction.atomic
def email_verification_apply(*, token: str) -> tuple[User, str]:
    """Follow a verification link: the account's address is verified, or its pending new
    address takes effect (and the old address is told). Returns (user, EmailVerification.*)."""
    user = email_verification_check(token=token)
    payload = signing.TimestampSigner(salt=_VERIFICATION_SALT).unsign_object(token)
    email = next(a for a in (user.email, user.pending_email) if a and _address_fingerprint(a) == payload["a"])
    old_email = user.email
    try:
        user, outcome = user_email_verify(user_id=user.pk, email=email)
    except ValidationError:
        raise VerificationLinkInvalid(expired=False) from None
    if outcome == EmailVerification.CHANGED:
        email_queue(
            to=old_email,
            template="email_changed",
            context={"user": user, "changed_at": timezone.now()},
            language=user.language,
            subject=subject_for_user(user),
        )
    return user, outcome


def email_verification_send(*, user: User, email: str | None = None) -> None:
    """Send (again) the link that verifies `email` (default: the pending address, else the
    account's own). At most one such email per address every ten minutes."""
    email = email or user.pending_email or user.email
    window = int(timezone.now().timestamp() // 600)
    email_queue(
        to=email,
        template="email_verify",
        context={"user": user, "email": email, "verification_url": email_verification_url(user=user, email=email)},
        language=user.language,
        subject=subject_for_user(user),
        dedupe_key=f"email-verify:{user.pk}:{_address_fingerprint(email)}:{window}",
    )


# --- registration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    """`user` is None when the address already had an account: its owner was emailed instead."""

    user: User | None
    shown: ShownPolicy


def _policy_in_force(*, version_id: int, country: str, language: str, text_hash: str) -> ShownPolicy:
    """The version the form showed, if it is still the one in force for the person and the
    text hash is the one of the text shown; held (FOR SHARE) until the commit so it cannot
    be retired meanwhile. Raises PolicyChanged with what to show instead."""
    current = privacy_policy_shown(country=country, language=language)
    if current is None:
        raise ValidationError(_("Registration is closed: no privacy policy has been published."))
    if current.version.pk != version_id or current.text["content_hash"] != text_hash:
        raise PolicyChanged(current)
    held = policy_version_hold(version=current.version)
    if held.status != PolicyVersion.Status.PUBLISHED:
        raise PolicyChanged(privacy_policy_shown(country=country, language=language))
    return current


def _existing_account_notice(user: User) -> None:
    # Registering with a taken address tells the visitor nothing (no account enumeration);
    # the owner learns of it, at most once a day.
    email_queue(
        to=user.email,
        template="registration_existing_account",
        context={
            "user": user,
            "login_url": absolute_url(reverse("login")),
            "reset_url": absolute_url(reverse("password_reset")),
        },
        language=user.language,
        subject=subject_for_user(user),
        dedupe_key=f"registration-existing:{user.pk}:{timezone.now().date().isoformat()}",
    )


def _marketing_record(*, subject: Subject, chosen: dict[str, set[str]], shown: ShownPolicy, evidence: Evidence):
    """The marketing choices of the form, as ledger events.

    Own marketing (opt-out): a channel left ticked is granted, unticked withdrawn, but a
    person who had already said no (an unsubscribe before registering) stays unsubscribed:
    a box ticked in advance is not them changing their mind. Partners' marketing (opt-in):
    only what was ticked is granted; nothing is recorded for the rest."""
    before = {state.purpose.code: state for state in consent_state(subject=subject)}
    for code in REGISTRATION_PURPOSES:
        state = before[code]
        for choice in state.channels:
            ticked = choice.channel in chosen.get(code, set())
            if state.purpose.kind == Purpose.Kind.OPT_OUT:
                if ticked and choice.reason in (Reason.WITHDRAWN, Reason.SUPPRESSED):
                    continue
                decision = ConsentEvent.Decision.GRANTED if ticked else ConsentEvent.Decision.WITHDRAWN
            elif ticked:
                decision = ConsentEvent.Decision.GRANTED
            else:
                continue
            consent_record(
                subject=subject, purpose=code, channel=choice.channel, decision=decision,
                source=ConsentEvent.Source.REGISTRATION, actor=Actor.subject(), evidence=evidence,
                policy_version=shown.version,
            )  # fmt: skip


def registration_choices(*, subject: Subject) -> list[dict]:
    """The registration purposes' state per channel, for the confirmation email and pages."""
    rows = []
    for state in consent_state(subject=subject):
        if state.purpose.code in REGISTRATION_PURPOSES:
            rows.extend(
                {"purpose": state.purpose, "channel": Channel(c.channel).label, "allowed": c.allowed}
                for c in state.channels
            )
    return rows


@transaction.atomic
def registration_create(
    *,
    email: str,
    password: str,
    profile: dict,
    age: int,
    marketing_own: set[str],
    marketing_third_party: set[str],
    policy_version_id: int,
    policy_language: str,
    policy_text_hash: str,
    context: RequestContext,
) -> Registration:
    """Register a person: the account and its Subject (joining the Subject an earlier
    contact left, so an earlier unsubscribe holds), acceptance of the policy version shown
    (a primary-use grant with its evidence), the marketing choices, and the confirmation
    email with the verification link, in one transaction.

    Under MINIMUM_AGE: RegistrationRefused, before anything is read or written about them.
    A policy version no longer in force: PolicyChanged."""
    if age < MINIMUM_AGE:
        raise RegistrationRefused()
    unknown = sorted(set(profile) - set(PROFILE_FIELDS))
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)})
    try:
        email = canonical_email(email)
    except InvalidIdentifier as exc:
        raise ValidationError({"email": str(exc)}) from None
    shown = _policy_in_force(
        version_id=policy_version_id,
        country=profile.get("country", ""),
        language=policy_language,
        text_hash=policy_text_hash,
    )
    existing = User.objects.filter(email=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = user_create(email=email, password=password, **profile)
        except IntegrityError:
            # Registered by a concurrent request a moment ago.
            existing = User.objects.filter(email=email).first()
            if existing is None:
                raise
    if existing is not None:
        _existing_account_notice(existing)
        return Registration(None, shown)

    subject = subject_for_user(user)
    evidence = context.evidence(shown)
    consent_record(
        subject=subject, purpose=Purpose.Code.PRIMARY_USE, decision=ConsentEvent.Decision.GRANTED,
        source=ConsentEvent.Source.REGISTRATION, actor=Actor.subject(), evidence=evidence,
        policy_version=shown.version,
    )  # fmt: skip
    _marketing_record(
        subject=subject,
        chosen={
            Purpose.Code.MARKETING_OWN: set(marketing_own),
            Purpose.Code.MARKETING_THIRD_PARTY: set(marketing_third_party),
        },
        shown=shown,
        evidence=evidence,
    )
    email_queue(
        to=user.email,
        template="registration_confirmation",
        context={
            "user": user,
            "minimum_age": MINIMUM_AGE,
            "choices": registration_choices(subject=subject),
            "policy": shown.version,
            "policy_url": absolute_url(shown.version.get_absolute_url()),
            "verification_url": email_verification_url(user=user, email=user.email),
            "profile_url": absolute_url(reverse("portal:profile")),
            "choices_url": absolute_url(reverse("portal:choices")),
        },
        language=user.language,
        subject=subject,
        dedupe_key=f"registration-confirmation:{user.pk}",
    )
    return Registration(user, shown)


# --- the portal -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileUpdate:
    changed: list[str]
    pending_email: str | None


@transaction.atomic
def profile_update(*, user: User, email: str, changes: dict) -> ProfileUpdate:
    """Change the person's profile (recorded in their history). A new email address is
    only remembered as pending and sent a verification link; it takes effect when followed."""
    changed = user_profile_update(user=user, changes=changes, source=ProfileChange.Source.PORTAL)
    pending = user_email_change_request(user=user, new_email=email)
    if pending:
        email_verification_send(user=user, email=pending)
    return ProfileUpdate(changed, pending)


@transaction.atomic
def choice_change(
    *, user: User, purpose: str, channel: str | None, decision: str, language: str, context: RequestContext
) -> ConsentEvent:
    """One grant or withdrawal from the portal, citing the policy in force for the person."""
    shown = privacy_policy_shown(country=str(user.country or ""), language=language)
    if shown is None:
        raise ValidationError(_("No privacy policy has been published."))
    return consent_record(
        subject=subject_for_user(user),
        purpose=purpose,
        channel=channel or None,
        decision=decision,
        source=ConsentEvent.Source.PORTAL,
        actor=Actor.subject(),
        evidence=context.evidence(shown),
        policy_version=shown.version,
    )


def password_reset_url(*, user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return absolute_url(reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token}))


def password_reset_email_queue(*, user: User) -> None:
    """Django's password reset, sent through the outbox in the person's language."""
    email_queue(
        to=user.email,
        template="password_reset",
        context={"user": user, "reset_url": password_reset_url(user=user)},
        language=user.language,
        subject=subject_for_user(user),
    )


@transaction.atomic
def password_compromise_report(*, user: User, note: str, context: RequestContext) -> PasswordCompromiseReport:
    """ "Someone else knows my password": a new random password ends every session and
    forces a reset; the report is recorded for staff; the person is emailed a reset link."""
    report = user_password_compromised(
        user=user, note=note, ip_address=context.ip_address, user_agent=context.user_agent
    )
    email_queue(
        to=user.email,
        template="password_compromised",
        context={
            "user": user,
            "reported_at": report.reported_at,
            "reset_url": password_reset_url(user=user),
            "expires_days": max(1, datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT).days),
        },
        language=user.language,
        subject=subject_for_user(user),
    )
    return report
