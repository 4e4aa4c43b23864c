from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from consent.accounts.identity import email_digest
from consent.accounts.models import ApiKey, ApiScope, Subject, User


@transaction.atomic
def user_create(*, email: str, password: str | None, **profile) -> User:
    """A user and their Subject, together: a registered person always has a ledger."""
    user = User.objects.create_user(email, password, **profile)
    subject = subject_get_or_create(email=user.email)
    subject.user = user
    subject.save(update_fields=["user"])
    return user


def subject_get_or_create(*, email: str) -> Subject:
    """The Subject for an address, created if the platform has never seen it."""
    digest = email_digest(email)
    subject = Subject.objects.filter(email_digest=digest).first()
    if subject is not None:
        return subject
    try:
        with transaction.atomic():
            return Subject.objects.create(email_digest=digest)
    except IntegrityError:
        # A concurrent request created it first.
        return Subject.objects.get(email_digest=digest)


def api_key_create(*, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """Returns the key row and the secret, which is shown once and never stored."""
    unknown = sorted(set(scopes) - set(ApiScope.values))
    if unknown:
        raise ValidationError(
            {"scopes": f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(ApiScope.values)}."}
        )
    return ApiKey.objects.create_key(name=name, scopes=sorted(set(scopes)))
