"""Unsubscribe links: a signed token naming the person and the scope, and the RFC 8058
headers a marketing email carries.

The token is `django.core.signing` with its own salt (an HMAC-SHA-256 under SECRET_KEY):
a compact JSON list [kind, who, purpose, channel, language], kind "s" for a subject id and
"d" for the identity digest of an address (a recipient the platform may not know yet).
It does not expire: a link in a mail read years later must still work (RFC 8058 §3.1
asks for links that keep working). Changing SECRET_KEY invalidates the links already sent,
so rotate it with SECRET_KEY_FALLBACKS."""

import base64
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from consent.accounts.identity import email_digest
from consent.accounts.models import Subject
from consent.ledger.models import Channel, Purpose

SALT = "consent.suppression.unsubscribe.v1"
ONE_CLICK = "List-Unsubscribe=One-Click"


class InvalidToken(ValueError):
    """Forged, altered or malformed."""


@dataclass(frozen=True)
class UnsubscribeLink:
    subject: Subject | None
    digest: bytes | None
    purpose: str
    channel: str | None
    language: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unsubscribe_token(
    *, purpose: str, channel: str | None = Channel.EMAIL, subject: Subject | None = None,
    digest: bytes | None = None, language: str = "",
) -> str:  # fmt: skip
    """A token for one person (by subject, else by address digest) and one scope."""
    if subject is not None:
        who = ["s", subject.pk.hex]
    elif digest is not None:
        who = ["d", _b64(bytes(digest))]
    else:
        raise ValueError("Name the subject or the digest.")
    return signing.dumps([*who, purpose, channel or "", language or ""], salt=SALT, compress=True)


def unsubscribe_url(token: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('unsubscribe', args=[token])}"


def unsubscribe_headers(
    *, purpose: str, channel: str | None = Channel.EMAIL, email: str | None = None,
    subject: Subject | None = None, language: str = "",
) -> dict[str, str]:  # fmt: skip
    """The headers every marketing email carries (RFC 2369 and RFC 8058 one-click).
    Raises InvalidIdentifier for a malformed address."""
    digest = None if subject is not None else email_digest(email or "")
    token = unsubscribe_token(purpose=purpose, channel=channel, subject=subject, digest=digest, language=language)
    return {"List-Unsubscribe": f"<{unsubscribe_url(token)}>", "List-Unsubscribe-Post": ONE_CLICK}


def unsubscribe_link_parse(token: str) -> UnsubscribeLink:
    """The person and scope a token names. Raises InvalidToken for anything not signed by us."""
    try:
        payload = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, UnicodeError):  # zlib/JSON errors of a crafted payload too
        raise InvalidToken from None
    if not (isinstance(payload, list) and len(payload) == 5 and all(isinstance(part, str) for part in payload)):
        raise InvalidToken
    kind, who, purpose, channel, language = payload
    if purpose not in Purpose.Code.values or (channel and channel not in Channel.values):
        raise InvalidToken
    language = language if language in dict(settings.LANGUAGES) else ""
    try:
        if kind == "s":
            subject = Subject.objects.select_related("user").filter(pk=uuid.UUID(hex=who)).first()
            if subject is None:
                raise InvalidToken
            digest = bytes(subject.email_digest) if subject.email_digest else None
        elif kind == "d":
            digest = base64.urlsafe_b64decode(who + "=" * (-len(who) % 4))
            if len(digest) != 32:
                raise InvalidToken
            subject = Subject.objects.select_related("user").filter(email_digest=digest).first()
        else:
            raise InvalidToken
    except ValueError:
        raise InvalidToken from None
    return UnsubscribeLink(subject, digest, purpose, channel or None, language)
