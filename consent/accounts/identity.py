"""The identity digest: the one way the platform turns an email address or a phone
number into the key that subjects, the ledger and suppression lists are matched on.

canonical email = trimmed, lower-cased, domain in its IDNA 2008 ASCII form (UTS #46,
non-transitional, through the `idna` package: `straße.de` stays `xn--strae-oqa.de`, where
Python's built-in IDNA 2003 codec would make it `strasse.de`, another domain). No `+tag`
or dot rewriting: mail platforms don't do it either.
digest = HMAC-SHA-256(IDENTITY_HASH_KEY, SHA-256(canonical)), so a list that arrives
already SHA-256-hashed matches too, and a leaked database is useless without the key.
"""

import hashlib
import hmac
import re

import idna
import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.signals import setting_changed
from django.core.validators import validate_email
from django.dispatch import receiver
from django.utils.translation import gettext as _

_SHA256_HEX = re.compile(r"\A[0-9a-fA-F]{64}\Z")
# Plain ASCII addresses, a strict subset of what Django's validator accepts, for which
# lower-casing already is the canonical form: lists of millions skip IDNA and validation.
# Matched whole (fullmatch); the local part's runs are possessive (`++`, `*+`): a run of
# its characters can only be followed by "." or "@", so giving some back never helps, and
# not trying makes the match a third faster.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9_%+-]++(?:\.[a-z0-9_%+-]++)*+@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)


class InvalidIdentifier(ValueError):
    """An email address, phone number or hash that cannot identify anyone."""


MAX_EMAIL_LENGTH = 254
MAX_LOCAL_PART_LENGTH = 64


def canonical_email(raw: str) -> str:
    value = (raw or "").strip()
    lowered = value.lower()
    if (
        len(lowered) <= MAX_EMAIL_LENGTH
        and _PLAIN_EMAIL.fullmatch(lowered)
        and len(lowered.partition("@")[0]) <= MAX_LOCAL_PART_LENGTH
    ):
        return lowered
    return _canonical_email_full(value)


def _canonical_email_full(value: str) -> str:
    local, sep, domain = value.rpartition("@")
    if not sep or not local or not domain:
        raise InvalidIdentifier(_("Enter a valid email address."))
    domain = domain.rstrip(".")
    if domain.isascii():
        domain = domain.lower()  # already its own ASCII form; the validator below checks it
    else:
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError) as exc:
            raise InvalidIdentifier(_("The email address has an invalid domain.")) from exc
    canonical = f"{local.lower()}@{domain}"
    # What SMTP carries (RFC 5321: a 64-character local part, a 254-character path); Django's
    # validator lets through up to 320, an address no mail server would deliver.
    if len(canonical) > MAX_EMAIL_LENGTH or len(local) > MAX_LOCAL_PART_LENGTH:
        raise InvalidIdentifier(_("Enter a valid email address."))
    try:
        validate_email(canonical)
    except ValidationError as exc:
        raise InvalidIdentifier(_("Enter a valid email address.")) from exc
    return canonical


def canonical_phone(raw: str, *, region: str | None = None) -> str:
    """E.164, e.g. +46701234567. `region` (ISO country) reads national numbers."""
    try:
        number = phonenumbers.parse((raw or "").strip(), region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidIdentifier(_("Enter a valid phone number in international format.")) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentifier(_("Enter a valid phone number in international format."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class _KeyedSha256:
    """HMAC-SHA-256 (RFC 2104) with the key's inner and outer states computed once.

    Same bytes as hmac.digest(key, msg, "sha256"), at a third of the cost: OpenSSL 3
    sets up a new HMAC context per call, which dominates hashing a 10,000-address batch."""

    def __init__(self, key: str):
        raw = key.encode()
        if len(raw) > 64:
            raw = hashlib.sha256(raw).digest()
        raw = raw.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in raw))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in raw))

    def digest(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


_keyed_sha256: _KeyedSha256 | None = None


def _keyed_hasher() -> _KeyedSha256:
    # Built on first use, not per call: reading `settings` costs as much as the HMAC.
    global _keyed_sha256
    if _keyed_sha256 is None:
        _keyed_sha256 = _KeyedSha256(settings.IDENTITY_HASH_KEY)
    return _keyed_sha256


def _keyed(sha256: bytes) -> bytes:
    return _keyed_hasher().digest(sha256)


@receiver(setting_changed)
def _forget_key(*, setting, **kwargs) -> None:
    global _keyed_sha256
    if setting == "IDENTITY_HASH_KEY":
        _keyed_sha256 = None


def is_sha256_hex(value: str) -> bool:
    return bool(_SHA256_HEX.match(value))


def digest_from_sha256(sha256_hex: str) -> bytes:
    """The digest of an address that arrives already hashed (SHA-256 of the canonical form)."""
    value = (sha256_hex or "").strip()
    if not _SHA256_HEX.match(value):
        raise InvalidIdentifier(_("Expected a SHA-256 hash: 64 hexadecimal characters."))
    return _keyed(bytes.fromhex(value))


def email_digest(raw: str) -> bytes:
    return _keyed(hashlib.sha256(canonical_email(raw).encode()).digest())


def plain_email_digests(values: list[str]) -> list[bytes | None]:
    """email_digest of each value that is a plain ASCII address (what a mail platform's
    export holds), None for any other value, which the caller passes to email_digest. For
    lists of millions: one call per batch, the common case in the fewest Python calls, the
    same digests as email_digest (canonical_email's fast path, without its strip)."""
    keyed, sha256, plain = _keyed_hasher().digest, hashlib.sha256, _PLAIN_EMAIL.fullmatch
    return [
        keyed(sha256(lowered.encode()).digest())
        if len(lowered := value.lower()) <= MAX_EMAIL_LENGTH
        and plain(lowered)
        and lowered.index("@") <= MAX_LOCAL_PART_LENGTH
        else None
        for value in values
    ]


def phone_digest(raw: str, *, region: str | None = None) -> bytes:
    return _keyed(hashlib.sha256(canonical_phone(raw, region=region).encode()).digest())


def identity_key_fingerprint() -> str:
    """Names the key without revealing it: stored once, compared at every start."""
    return hmac.new(settings.IDENTITY_HASH_KEY.encode(), b"identity-key-fingerprint-v1", "sha256").hexdigest()
