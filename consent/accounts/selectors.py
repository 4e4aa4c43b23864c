"""Finding people: a Subject by one of its identifiers, and identifiers as other systems send them."""

import uuid

from django.utils.translation import gettext as _

from consent.accounts.identity import InvalidIdentifier, digest_from_sha256, email_digest, is_sha256_hex
from consent.accounts.models import Subject

# The most identifiers one call may name (the batch check, scrubs, unsubscribe links):
# one round trip's worth, and small enough that a bad batch is cheap to refuse.
IDENTIFIER_BATCH_LIMIT = 10_000


def subject_resolve(
    *, subject_id: str | None = None, email: str | None = None, external_id: str | None = None
) -> Subject | None:
    """The Subject named by one of its identifiers, or None. Raises InvalidIdentifier for a malformed one."""
    if subject_id:
        try:
            return Subject.objects.filter(pk=uuid.UUID(str(subject_id))).first()
        except ValueError:
            raise InvalidIdentifier(_("Not a valid subject id (a UUID).")) from None
    if email:
        return Subject.objects.filter(email_digest=email_digest(email)).first()
    if external_id:
        return Subject.objects.filter(external_id=external_id).first()
    return None


def identifier_parse(raw) -> tuple[bytes | None, uuid.UUID | None]:
    """(digest, None) for an email address or a SHA-256 of a canonical address (64 hex),
    (None, subject id) for a subject UUID. Raises InvalidIdentifier for anything else."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidIdentifier(_("Expected an email address, a SHA-256 hash or a subject id."))
    value = raw.strip()
    if "@" in value:
        return email_digest(value), None
    if is_sha256_hex(value):
        return digest_from_sha256(value), None
    try:
        return None, uuid.UUID(value)
    except ValueError:
        raise InvalidIdentifier(_("Expected an email address, a SHA-256 hash or a subject id.")) from None
