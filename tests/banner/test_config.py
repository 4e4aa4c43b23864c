"""GET /api/v1/banner/config/: the banner's texts in the visitor's language, cacheable."""

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/v1/banner/config/"


def names(body) -> dict:
    return {category["key"]: category["name"] for category in body["categories"]}


@pytest.mark.parametrize(
    ("query", "header", "language", "analytics", "reject"),
    [
        ("?language=sv-SE", "en", "sv", "Analyskakor", "Avvisa alla"),
        ("?language=fr", "sv", "fr", "Cookies de mesure d’audience", "Tout refuser"),
        ("", "fr-CA,fr;q=0.9", "fr", "Cookies de mesure d’audience", "Tout refuser"),
        ("", "sv", "sv", "Analyskakor", "Avvisa alla"),
        ("?language=de-DE", "sv", "en", "Analytics cookies", "Reject all"),
    ],
)
def test_the_banner_speaks_the_language_asked_for_or_the_browsers(visitor, query, header, language, analytics, reject):
    response = visitor.get(URL + query, HTTP_ACCEPT_LANGUAGE=header)

    assert response.status_code == 200
    body = response.json()
    assert body["language"] == language and response["Content-Language"] == language
    assert names(body)["analytics"] == analytics
    assert body["texts"]["reject_all"] == reject
    # Strictly necessary is shown, always on; the others are the ledger's cookie purposes.
    assert [(c["key"], c["purpose"], c["required"]) for c in body["categories"]] == [
        ("necessary", None, True),
        ("analytics", "cookies_analytics", False),
        ("personalisation", "cookies_personalisation", False),
        ("advertising", "cookies_advertising", False),
    ]
    assert body["policy_url"] == "http://testserver/privacy/cookies/"


def test_config_is_cacheable_with_a_strong_etag_and_answers_304(visitor):
    first = visitor.get(URL + "?language=sv")
    etag = first["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first["Cache-Control"].startswith("public, max-age=")
    assert "Accept-Language" in first["Vary"]

    again = visitor.get(URL + "?language=sv", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag

    # Another language is another text, so another tag: the Swedish one does not match it.
    french = visitor.get(URL + "?language=fr", HTTP_IF_NONE_MATCH=etag)
    assert french.status_code == 200 and french["ETag"] != etag
    assert french.json()["text_hash"] != first.json()["text_hash"]
