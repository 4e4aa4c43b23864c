"""Every string a person reads exists in Swedish and French."""

import re
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[1] / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sd]|\{\w*\}")


@pytest.mark.parametrize("language", ["sv", "fr"])
def test_catalogue_is_complete(language):
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []


@pytest.mark.parametrize("language", ["sv", "fr"])
def test_translations_keep_their_placeholders(language):
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    broken = [
        entry.msgid
        for entry in catalogue.translated_entries()
        if not entry.msgid_plural
        and sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(PLACEHOLDER.findall(entry.msgstr))
    ]
    assert broken == []


@pytest.mark.django_db
def test_api_errors_speak_the_callers_language(api_key_client):
    client = api_key_client("consent:write")
    body = {
        "subject": {"email": "a@example.com"},
        "purpose": "cookies_analytics",
        "channel": "email",
        "decision": "granted",
    }
    english = client.post("/api/v1/consents/", body, format="json").json()["error"]["details"]["channel"][0]
    swedish = client.post("/api/v1/consents/", body, format="json", HTTP_ACCEPT_LANGUAGE="sv").json()["error"][
        "details"
    ]["channel"][0]
    assert "contacts no one" in english
    assert swedish != english and "cookies_analytics" in swedish
