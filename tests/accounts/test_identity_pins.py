"""Fixed values and the messages people read: every deployment's subjects, ledger and
suppression lists are matched on these digests, so a change to how one is derived must fail
here, not silently split one person into two."""

import pytest

from consent.accounts.identity import (
    InvalidIdentifier,
    canonical_email,
    canonical_phone,
    digest_from_sha256,
    email_digest,
    is_sha256_hex,
    phone_digest,
)

MARIA_SHA256 = "16af379e6a4925407bb02cac1561f0003de28be21a5655231cda08e056994c00"  # sha256("maria@example.se")


@pytest.fixture
def fixed_key(settings):
    settings.IDENTITY_HASH_KEY = "fixed-test-key"


@pytest.mark.parametrize("raw", ["maria@example.se", " Maria@EXAMPLE.se ", "MARIA@example.se."])
def test_an_email_digest_has_a_fixed_value_for_a_fixed_key(fixed_key, raw):
    assert email_digest(raw).hex() == "a68b3ed70376a387b612ee995958a28a9228f4d6e62c10c95a3f0065012a8985"


def test_a_prehashed_address_has_the_same_fixed_digest(fixed_key):
    expected = "a68b3ed70376a387b612ee995958a28a9228f4d6e62c10c95a3f0065012a8985"
    assert digest_from_sha256(f"  {MARIA_SHA256.upper()}\n").hex() == expected


@pytest.mark.parametrize(("raw", "region"), [("+46 70 123 45 67", None), (" 070-123 45 67 ", "SE")])
def test_a_phone_digest_has_a_fixed_value_for_a_fixed_key(fixed_key, raw, region):
    assert phone_digest(raw, region=region).hex() == "941bd477287b11d4204a640d030c6c23852d106491abae7a6bc8c1ca5cd347dd"


def test_a_changed_key_is_used_at_once(settings):
    settings.IDENTITY_HASH_KEY = "fixed-test-key"
    before = email_digest("maria@example.se")
    settings.IDENTITY_HASH_KEY = "another-key"
    assert email_digest("maria@example.se") != before
    settings.IDENTITY_HASH_KEY = "fixed-test-key"
    assert email_digest("maria@example.se") == before


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ('"a@b"@Example.com', '"a@b"@example.com'),  # the domain follows the last @
        ('"a@b"@bücher.example', '"a@b"@xn--bcher-kva.example'),
        ("MARIA@EXAMPLE.SE.", "maria@example.se"),  # a trailing dot, and an ASCII domain lower-cased
        ("MARIA@BÜCHER.example", "maria@xn--bcher-kva.example"),
        ("maria@example.se..", "maria@example.se"),
        ("MARIA@EXAMPLE.BOX.", "maria@example.box"),  # only dots are trimmed from the end
    ],
)
def test_canonicalisation_edge_cases(raw, canonical):
    assert canonical_email(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "Enter a valid email address."),
        ("maria", "Enter a valid email address."),
        ("@example.se", "Enter a valid email address."),
        ("@a\u200db.com", "Enter a valid email address."),  # no one to write to, whatever the domain
        ("maria@", "Enter a valid email address."),
        ("maria@exa mple.se", "Enter a valid email address."),
        ("maria@a\u200db.com", "The email address has an invalid domain."),
        ("maria@xn--bücher.example", "The email address has an invalid domain."),
    ],
)
def test_an_invalid_email_address_says_why(raw, message):
    with pytest.raises(InvalidIdentifier) as refused:
        canonical_email(raw)
    assert str(refused.value) == message


@pytest.mark.parametrize(("raw", "region"), [(None, None), ("not a phone", None), ("+46 70", None), ("0701", "SE")])
def test_an_invalid_phone_number_says_why(raw, region):
    with pytest.raises(InvalidIdentifier) as refused:
        canonical_phone(raw, region=region)
    assert str(refused.value) == "Enter a valid phone number in international format."


def test_a_national_number_needs_its_region():
    with pytest.raises(InvalidIdentifier):
        canonical_phone("070-123 45 67")
    assert canonical_phone(" 070-123 45 67 ", region="SE") == "+46701234567"


@pytest.mark.parametrize("bad", [None, "", "g" * 64, MARIA_SHA256[:-1], MARIA_SHA256 + "0"])
def test_a_value_that_is_not_a_sha256_says_so(bad):
    with pytest.raises(InvalidIdentifier) as refused:
        digest_from_sha256(bad)
    assert str(refused.value) == "Expected a SHA-256 hash: 64 hexadecimal characters."


def test_sha256_hex_is_recognised_in_either_case():
    assert is_sha256_hex(MARIA_SHA256) is True
    assert is_sha256_hex(MARIA_SHA256.upper()) is True
    assert is_sha256_hex(MARIA_SHA256 + "\n") is False
    assert is_sha256_hex("maria@example.se") is False
