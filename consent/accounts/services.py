import ipaddress
import uuid

from axes.helpers import get_client_ip_address
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils.translation import gettext as _

from consent.accounts.identity import email_digest, identity_key_fingerprint
from consent.accounts.models import ApiKey, ApiScope, DataAccess, IdentityKey, Subject, User


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
