import hashlib
import hmac

import pytest

from consent.accounts.identity import (
    InvalidIdentifier,
    canonical_email,
    canonical_phone,
    digest_from_sha256,
    email_digest,
    phone_digest,
    plain_email_digests,
)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("alice@example.com", "alice@example.com"),
        ("  Alice@Example.COM \n", "alice@example.com"),
        ("ALICE+news@example.com", "alice+news@example.com"),  # tags are kept, as mail platforms keep them
        ("first.last@example.com", "first.last@example.com"),  # dots are kept
        ("anna@bücher.example", "anna@xn--bcher-kva.example"),
        ("Anna@BÜCHER.example", "anna@xn--bcher-kva.example"),
        ("per@räksmörgås.se", "per@xn--rksmrgs-5wao1o.se"),
        ("bob@example.com.", "bob@example.com"),
    ],
)
def test_canonical_email(raw, canonical):
    assert canonical_email(raw) == canonical


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "plainaddress",
        "@example.com",
        "alice@",
        "alice@@example.com",
        "alice example@example.com",
        "alice@exa mple.com",
        "alice@.com",
        None,
    ],
)
def test_canonical_email_refuses_invalid(raw):
    with pytest.raises(InvalidIdentifier):
        canonical_email(raw)


def test_digest_is_hmac_of_sha256_of_canonical(settings):
    settings.IDENTITY_HASH_KEY = "k1"
    sha = hashlib.sha256(b"alice@example.com").digest()
    assert email_digest(" Alice@Example.com") == hmac.new(b"k1", sha, "sha256").digest()
    assert len(email_digest("alice@example.com")) == 32


@pytest.mark.parametrize("variant", ["alice@example.com", "ALICE@EXAMPLE.COM", "  alice@Example.com  "])
def test_variants_of_one_address_share_a_digest(variant):
    assert email_digest(variant) == email_digest("alice@example.com")


def test_idna_and_unicode_domains_share_a_digest():
    assert email_digest("anna@bücher.example") == email_digest("anna@xn--bcher-kva.example")


def test_prehashed_sha256_gives_the_same_digest_as_its_address():
    sha_hex = hashlib.sha256(b"alice@example.com").hexdigest()
    assert digest_from_sha256(sha_hex) == email_digest("Alice@Example.com")
    assert digest_from_sha256(sha_hex.upper()) == email_digest("alice@example.com")


@pytest.mark.parametrize("bad", ["", "abc", "z" * 64, "a" * 63, "a" * 65])
def test_prehashed_refuses_non_sha256(bad):
    with pytest.raises(InvalidIdentifier):
        digest_from_sha256(bad)


def test_different_keys_give_different_digests(settings):
    settings.IDENTITY_HASH_KEY = "k1"
    first = email_digest("alice@example.com")
    settings.IDENTITY_HASH_KEY = "k2"
    assert email_digest("alice@example.com") != first


def test_tagged_and_untagged_addresses_differ():
    assert email_digest("alice+news@example.com") != email_digest("alice@example.com")


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("+46 70 123 45 67", None, "+46701234567"),
        ("070-123 45 67", "SE", "+46701234567"),
        ("+33 6 12 34 56 78", None, "+33612345678"),
        ("(415) 555-2671", "US", "+14155552671"),
    ],
)
def test_canonical_phone(raw, region, e164):
    assert canonical_phone(raw, region=region) == e164


@pytest.mark.parametrize("raw", ["", "12", "not a phone", "+46 70"])
def test_canonical_phone_refuses_invalid(raw):
    with pytest.raises(InvalidIdentifier):
        canonical_phone(raw)


def test_phone_digest_matches_across_formats():
    assert phone_digest("+46 70 123 45 67") == phone_digest("070-1234567", region="SE")


@pytest.mark.parametrize(
    "raw",
    [
        "alice@example.com",
        "Alice.Smith+tag@Sub.Example.co.uk",
        "a_b%c-d@x-y.example",
        "x@xn--bcher-kva.example",
        "o'brien@example.ie",
        "first..last@example.com",
        ".dot@example.com",
        "a@example",
        "a@-bad.example.com",
        "a@example.c",
        ("a" * 65) + "@example.com",
        "a@" + ("b" * 64) + ".example",
        # the plain pattern's possessive local part and whole-string match
        "dot.@example.com",
        "a.b.c-d+e@example.com",
        "a@b@example.com",
        "alice@example.com.",
        "alice@sub-.example.com",
        "alice@" + ("b" * 63) + ".example",
    ],
)
def test_the_fast_path_agrees_with_the_full_canonicalisation(raw):
    from consent.accounts.identity import _canonical_email_full

    try:
        expected = _canonical_email_full(raw)
    except InvalidIdentifier:
        with pytest.raises(InvalidIdentifier):
            canonical_email(raw)
    else:
        assert canonical_email(raw) == expected


def test_the_batch_digests_agree_with_email_digest_and_leave_the_rest_to_it():
    values = [
        "alice@example.com", "Alice.Smith+tag@Sub.Example.co.uk", " padded@example.com", "anna@bücher.example",
        "Name <n@example.com>", "first..last@example.com", ("a" * 65) + "@example.com", "", "not an address",
    ]  # fmt: skip
    digests = plain_email_digests(values)
    assert digests[:2] == [email_digest(values[0]), email_digest(values[1])]
    assert digests[2:] == [None] * 7  # each goes through email_digest (or is rejected) one by one


def test_the_batch_path_matches_whole_values_only():
    # No strip there: a value with a line break or a space after it goes to email_digest.
    assert plain_email_digests(["alice@example.com\n", "alice@example.com ", "x alice@example.com"]) == [None] * 3


@pytest.mark.parametrize("key", ["k", "a-typical-production-key-0123456789", "x" * 64, "y" * 65, "ünïcödé-key"])
def test_the_precomputed_hmac_is_standard_hmac_sha256(settings, key):
    settings.IDENTITY_HASH_KEY = key
    sha = hashlib.sha256(b"alice@example.com").digest()
    assert email_digest("alice@example.com") == hmac.new(key.encode(), sha, "sha256").digest()


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        # IDNA 2008 / UTS #46 non-transitional: these stay distinct from their IDNA 2003 look-alikes.
        ("v@straße.de", "v@xn--strae-oqa.de"),
        ("v@STRASSE.de", "v@strasse.de"),
        ("v@faß.de", "v@xn--fa-hia.de"),
        ("v@ς.gr", "v@xn--3xa.gr"),
        ("v@σ.gr", "v@xn--4xa.gr"),
        ("v@ශ්\u200dරී.com", "v@xn--10cl1a0b660p.com"),  # a joiner that belongs is kept, not dropped
    ],
)
def test_domains_are_encoded_by_idna_2008(raw, canonical):
    assert canonical_email(raw) == canonical


def test_the_unicode_and_ascii_forms_of_a_domain_are_one_address_and_look_alikes_are_not():
    assert email_digest("v@straße.de") == email_digest("v@xn--strae-oqa.de")
    assert email_digest("v@straße.de") != email_digest("v@strasse.de")
    assert email_digest("v@ς.gr") != email_digest("v@σ.gr")


def test_a_joiner_where_idna_2008_forbids_one_is_refused_not_dropped():
    with pytest.raises(InvalidIdentifier):
        canonical_email("v@a\u200db.com")


def _address(length: int, *, local: int = 10) -> str:
    domain = "example.com"
    padding = length - local - 1 - len(domain)
    labels = ["d" * 50] * (padding // 51)
    rest = padding - 51 * len(labels)
    if rest:
        labels.append("e" * (rest - 1) if rest > 1 else "")
    host = ".".join([label for label in labels if label] + [domain])
    address = "l" * local + "@" + host
    assert len(address) == length
    return address


def test_an_address_longer_than_smtp_carries_is_refused_on_every_path():
    # RFC 5321: 254 characters in all, 64 before the @. Django's validator alone lets 320 through.
    for longest in (_address(254), _address(76, local=64)):
        assert canonical_email(longest) == longest
        unusual = "#" + longest[1:]  # a local part only the full path takes, at the same length
        assert canonical_email(unusual) == unusual
    for too_long in (_address(255), _address(300), _address(77, local=65), "Ä" * 65 + "@example.com"):
        with pytest.raises(InvalidIdentifier, match=r"^Enter a valid email address\.$"):
            canonical_email(too_long)
        with pytest.raises(InvalidIdentifier, match=r"^Enter a valid email address\.$"):
            canonical_email("#" + too_long[1:])
    assert plain_email_digests([_address(254), _address(255)]) == [email_digest(_address(254)), None]
