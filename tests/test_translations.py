"""Every string a person reads exists in Swedish and French."""

import os
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "locale"
# Where the strings people read live: code, templates (pages and emails), and the catalogues.
SOURCES = ("config", "consent", "requests_app", "templates", "locale")
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


@pytest.mark.skipif(
    not (shutil.which("xgettext") and shutil.which("msgmerge")),
    reason="needs GNU gettext (xgettext, msgmerge): apt-get install gettext (.ci/run does)",
)
@pytest.mark.timeout(300)
def test_every_string_in_the_code_and_templates_is_in_the_catalogues(tmp_path, settings):
    """Extract every string again (makemessages, into a copy) and merge it with the
    committed catalogues: a string a page, form or email shows that the catalogue lacks,
    or whose wording changed since it was translated, comes out untranslated or fuzzy."""
    for name in SOURCES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        call_command("makemessages", locale=["sv", "fr"], no_obsolete=True, verbosity=0)
    finally:
        os.chdir(cwd)
    for language in ("sv", "fr"):
        catalogue = polib.pofile(str(tmp_path / "locale" / language / "LC_MESSAGES" / "django.po"))
        missing = [entry.msgid for entry in catalogue.untranslated_entries() + catalogue.fuzzy_entries()]
        assert missing == [], f"Not in the {language} catalogue (run `make messages` and translate): {missing}"
