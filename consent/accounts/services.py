import ipaddress
import secrets
import uuid

from axes.helpers import get_client_ip_address
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.accounts.identity import (
    InvalidIdentifier,
    canonical_email,
    canonical_phone,
    email_digest,
    identity_key_fingerprint,
    phone_digest,
)
from consent.accounts.models import (
    ApiKey,
    ApiScope,
    DataAccess,
    IdentityKey,
    PasswordCompromiseReport,
    ProfileChange,
    Subject,
    User,
    UserSession,
)

# What a person may change about themselves (the email address only through a verified link).
PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "street_address",
    "postal_code",
    "city",
    "country",
    "language",
    "occupation",
)


@transaction.atomic
def user_create(*, email: str, password: str | None, **profile) -> User:
    """A user and their Subject, together: a registered person always has a ledger."""
    user = User.objects.create_user(email, password, **profile)
    subject = subject_get_or_create(email=user.email)
    subject.user = user
    subject.save(update_fields=["user"])
    return user


def subject_get_or_create(*, email: str | None = None, external_id: str | None = None) -> Subject:
    """The Subject for an address and/or another system's id, created if never seen.

    A person who never registered (an imported contact, an API caller's customer) gets
    a Subject too, so their choices have a ledger. Raises InvalidIdentifier for a bad email."""
    if not email and not external_id:
        raise ValidationError({"subject": _("Give an email address or an external id.")})
    digest = email_digest(email) if email else None
    lookup = {"email_digest": digest} if digest else {"external_id": external_id}
    subject = Subject.objects.filter(**lookup).first()
    if subject is None:
        try:
            with transaction.atomic():
                subject = Subject.objects.create(email_digest=digest, external_id=external_id or None)
        except IntegrityError:
            # A concurrent request created it first (or the other identifier is taken).
            subject = Subject.objects.filter(**lookup).first()
            if subject is None:
                raise ValidationError({"subject": _("That external id belongs to another person.")}) from None
    if external_id and subject.external_id != external_id:
        if subject.external_id:
            raise ValidationError({"subject": _("This person already has a different external id.")})
        subject.external_id = external_id
        try:
            with transaction.atomic():
                subject.save(update_fields=["external_id"])
        except IntegrityError:
            raise ValidationError({"subject": _("That external id belongs to another person.")}) from None
    return subject


def subject_get_or_create_by_phone(*, phone: str, region: str | None = None) -> Subject:
    """The Subject of a person known only by phone (a phone or letter request without an email
    address), created if never seen. Their subject's digest is the identity digest of the phone
    number, as the suppression list keys phones; a registered person with that phone on their
    account is joined instead of duplicated. Raises InvalidIdentifier for a bad number."""
    number = canonical_phone(phone, region=region)
    digest = phone_digest(number)
    subject = Subject.objects.filter(email_digest=digest).first()
    if subject is not None:
        return subject
    registered = list(Subject.objects.filter(user__phone=number, erased_at__isnull=True)[:2])
    if len(registered) == 1:
        return registered[0]
    try:
        with transaction.atomic():
            return Subject.objects.create(email_digest=digest)
    except IntegrityError:
        # A concurrent request created it first.
        return Subject.objects.get(email_digest=digest)


def subject_create_unidentified() -> Subject:
    """A Subject for a person known by name and postal address only (a letter to staff): with
    no email address or phone number there is nothing to find an earlier one by."""
    return Subject.objects.create()


def api_key_create(*, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """Returns the key row and the secret, which is shown once and never stored."""
    unknown = sorted(set(scopes) - set(ApiScope.values))
    if unknown:
        raise ValidationError(
            {
                "scopes": _("Unknown scope(s): %(unknown)s. Known: %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(ApiScope.values)}
            }
        )
    return ApiKey.objects.create_key(name=name, scopes=sorted(set(scopes)))


def identity_key_verify() -> None:
    """Record the key's fingerprint on first use; refuse a different key afterwards."""
    fingerprint = identity_key_fingerprint()
    try:
        stored, _created = IdentityKey.objects.get_or_create(pk=1, defaults={"fingerprint": fingerprint})
    except DatabaseError:
        # Not migrated yet: the first migrate records the key.
        return
    if stored.fingerprint != fingerprint:
        raise ImproperlyConfigured(
            "IDENTITY_HASH_KEY differs from the key the stored identity digests were made with "
            f"(fingerprint {stored.fingerprint[:12]}…). Restore the original key."
        )


def data_access_record(
    *, request, kind: str, object_id: object = "", subject_id: uuid.UUID | str | None = None
) -> DataAccess | None:
    """Record that `request` showed a person's data (R8): one INSERT, nothing read.

    Who: the signed-in staff member, or the API key (a system reading one person's data is
    accountable too; the batch check, which reads thousands at once, is not logged: see
    docs/operations.md). The person themselves, or anyone else, is not logged: returns None.
    From where: the client IP as django-axes sees it (the same address lockouts use) and
    the user agent. Call it where the page or answer is produced, after access was granted."""
    api_key = getattr(request, "auth", None)
    user = getattr(request, "user", None)
    if isinstance(api_key, ApiKey):
        actor = {"actor_type": DataAccess.ActorType.API_KEY, "api_key_prefix": api_key.prefix}
        label = str(api_key)
    elif user is not None and user.is_authenticated and user.is_staff:
        actor = {"actor_type": DataAccess.ActorType.STAFF, "staff_id": user.pk}
        label = user.get_username()
    else:
        return None
    return DataAccess.objects.create(
        **actor,
        actor_label=label[:254],
        kind=kind,
        object_id=str(object_id)[:64],
        subject_id=subject_id,
        ip_address=_ip_or_none(get_client_ip_address(request)),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:512],
    )


def _ip_or_none(value: str | None) -> str | None:
    # A Unix-socket or misconfigured proxy gives no usable address; the row is kept without one.
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None


@transaction.atomic
def user_profile_update(*, user: User, changes: dict, source: str, actor: str = "") -> list[str]:
    """Apply `changes` ({field: value}, fields of PROFILE_FIELDS) and record which fields
    changed in the person's history. Returns the names of the fields that changed."""
    unknown = sorted(set(changes) - set(PROFILE_FIELDS))
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)})
    current = User.objects.select_for_update().get(pk=user.pk)
    changed = []
    for field, value in changes.items():
        value = value if value is not None else ""
        if str(getattr(current, field) or "") != str(value):
            setattr(current, field, value)
            changed.append(field)
    if not changed:
        return []
    current.full_clean(exclude=[f.name for f in User._meta.fields if f.name not in changed])
    current.save(update_fields=changed)
    ProfileChange.objects.create(user=current, fields=changed, source=source, actor=actor)
    user.__dict__.update({field: getattr(current, field) for field in changed})
    return changed


def profile_change_record(*, user: User, fields: list[str], source: str, actor: str = "") -> ProfileChange | None:
    """Record, for the person's history, a change made elsewhere (the back office's form)."""
    personal = [field for field in fields if field in (*PROFILE_FIELDS, "email")]
    if not personal:
        return None
    return ProfileChange.objects.create(user=user, fields=personal, source=source, actor=actor)


def _address_taken(email: str, *, by_other_than: User) -> bool:
    return User.objects.filter(email=email).exclude(pk=by_other_than.pk).exists()


@transaction.atomic
def user_email_change_request(*, user: User, new_email: str) -> str | None:
    """Remember `new_email` as the address the person wants; it replaces theirs only
    when they follow the link sent to it (user_email_verify). Returns the canonical new
    address, or None when it is the address they already have."""
    try:
        email = canonical_email(new_email)
    except InvalidIdentifier as exc:
        raise ValidationError({"email": str(exc)}) from None
    current = User.objects.select_for_update().get(pk=user.pk)
    if email == current.email:
        if current.pending_email:
            current.pending_email = ""
            current.save(update_fields=["pending_email"])
        return None
    if _address_taken(email, by_other_than=current):
        raise ValidationError({"email": _("Another account uses this address.")})
    current.pending_email = email
    current.save(update_fields=["pending_email"])
    user.pending_email = email
    return email


class EmailVerification:
    """What following a verification link did."""

    VERIFIED = "verified"  # the address the account has, now verified
    CHANGED = "changed"  # the account's new address, now in effect


@transaction.atomic
def user_email_verify(*, user_id: int, email: str) -> tuple[User, str]:
    """The person proved they receive mail at `email`: mark it verified, or make it the
    account's address if it is the pending one. Raises ValidationError when `email` is
    neither (the link is for an address since replaced)."""
    user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ValidationError(_("This link is not valid."))
    now = timezone.now()
    if email == user.email:
        if user.email_verified_at is None:
            user.email_verified_at = now
            user.save(update_fields=["email_verified_at"])
        return user, EmailVerification.VERIFIED
    if not user.pending_email or email != user.pending_email:
        raise ValidationError(_("This link is for an address that is no longer waiting to be confirmed."))
    if _address_taken(email, by_other_than=user):
        raise ValidationError(_("Another account uses this address."))
    user.email, user.pending_email, user.email_verified_at = email, "", now
    try:
        with transaction.atomic():
            user.save(update_fields=["email", "pending_email", "email_verified_at"])
    except IntegrityError:
        # Another account took the address a moment ago (accounts_user_email_ci_unique).
        raise ValidationError(_("Another account uses this address.")) from None
    # The person is the same person: their Subject follows the address they use.
    subject = Subject.objects.select_for_update().filter(user=user).first()
    new_digest = email_digest(email)
    if subject is not None and not Subject.objects.filter(email_digest=new_digest).exclude(pk=subject.pk).exists():
        subject.email_digest = new_digest
        subject.save(update_fields=["email_digest"])
    ProfileChange.objects.create(user=user, fields=["email"], source=ProfileChange.Source.EMAIL_VERIFICATION)
    return user, EmailVerification.CHANGED


@transaction.atomic
def user_password_compromised(
    *, user: User, note: str = "", ip_address: str | None = None, user_agent: str = ""
) -> PasswordCompromiseReport:
    """Someone else may know the password: replace it with a random one nobody knows
    (which also ends every session, since a session is bound to the password hash), so
    only a reset through the person's mailbox lets them in again; record the report."""
    current = User.objects.select_for_update().get(pk=user.pk)
    current.set_password(secrets.token_urlsafe(32))
    current.save(update_fields=["password"])
    user.password = current.password
    ProfileChange.objects.create(user=current, fields=["password"], source=ProfileChange.Source.SECURITY)
    return PasswordCompromiseReport.objects.create(
        user=current, note=note[:2000], ip_address=ip_address, user_agent=user_agent[:512]
    )


@transaction.atomic
def password_compromise_reports_close(*, reports: list[int], staff: User, note: str = "") -> int:
    """Mark open reports as handled by `staff`. Returns how many were open."""
    return PasswordCompromiseReport.objects.filter(pk__in=reports, handled_at__isnull=True).update(
        handled_at=timezone.now(), handled_by=staff, staff_note=note
    )


def sessions_clear_expired() -> int:
    """Delete the sessions past their expiry (what `manage.py clearsessions` does), one
    statement on the expiry index. Returns how many went."""
    return UserSession.objects.filter(expire_date__lt=timezone.now()).delete()[0]
