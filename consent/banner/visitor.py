"""The visitor cookie: which Subject a browser's cookie choices belong to.

Its value is the Subject's id, signed with SECRET_KEY (so a visitor cannot point it at
someone else's id). A first-time visitor gets an anonymous Subject of their own; at login
the cookie is re-pointed to the person's Subject (consent.banner.signals).

Scope: host-only on the platform's host (no Domain attribute), Path=/, HttpOnly (the
script never reads it; it asks GET /api/v1/banner/choices/), 395 days. The company's sites
call the platform cross-origin with credentials, so in production the cookie is
`SameSite=None; Secure`: without that a browser never sends it on those calls. Where the
platform and the site share a registrable domain (privacy.example.com and www.example.com)
the call is same-site and the cookie is first-party; on another domain it is a third-party
cookie, which a browser blocking those drops: the script then keeps the decision in the
site's own localStorage, and each visit without the cookie records against a new
anonymous Subject. In development (plain HTTP) browsers refuse SameSite=None without
Secure, so it is Lax there, which still covers the same-site test pages."""

import uuid

from django.conf import settings
from django.core import signing

COOKIE_NAME = "consent_visitor"
COOKIE_MAX_AGE = 395 * 24 * 3600  # 13 months, the usual limit for a cookie-consent record
_SALT = "consent.banner.visitor"


def visitor_cookie_value(subject_id) -> str:
    return signing.Signer(salt=_SALT).sign(str(subject_id))


def visitor_subject_id(value: str | None) -> uuid.UUID | None:
    """The Subject id a cookie names, or None for a missing, forged or malformed one."""
    if not value:
        return None
    try:
        return uuid.UUID(signing.Signer(salt=_SALT).unsign(value))
    except (signing.BadSignature, ValueError):
        return None


def _samesite() -> str:
    return "None" if settings.SESSION_COOKIE_SECURE else "Lax"


def visitor_cookie_set(response, subject_id) -> None:
    response.set_cookie(
        COOKIE_NAME,
        visitor_cookie_value(subject_id),
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        secure=bool(settings.SESSION_COOKIE_SECURE),
        samesite=_samesite(),
    )


def visitor_cookie_delete(response) -> None:
    response.delete_cookie(COOKIE_NAME, samesite=_samesite())
