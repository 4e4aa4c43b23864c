import datetime
import html

import pytest

from consent.policies.models import PolicyVersion
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PRIVACY_TITLES = {
    "en": "Nordlys Meetings Privacy Policy",
    "sv": "Integritetspolicy för Nordlys Meetings",
    "fr": "Politique de confidentialité de Nordlys Meetings",
}
COOKIE_TITLES = {
    "en": "Nordlys Meetings Cookie Notice",
    "sv": "Information om kakor från Nordlys Meetings",
    "fr": "Information sur les cookies de Nordlys Meetings",
}


def page(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("language", ["en", "sv", "fr"])
def test_privacy_page_shows_the_version_in_force_in_the_browser_language(client, demo, language):
    version = demo["privacy-policy 2.0"]

    content = page(client.get("/privacy/", HTTP_ACCEPT_LANGUAGE=language))

    assert f'<html lang="{language}">' in content
    assert f'<h1 lang="{language}">{PRIVACY_TITLES[language]}</h1>' in content
    assert f'<div class="policy-body" lang="{language}">' in content
    assert version.content_hashes[language] in content
    assert "2.0" in content
    assert "English, the version that prevails" not in content
    # The body's markup became HTML.
    assert "<h2>" in content and "<ul>" in content and "<table" in content
    assert "## " not in content


@pytest.mark.parametrize("language", ["en", "sv", "fr"])
def test_cookie_page_shows_the_cookie_notice(client, demo, language):
    content = page(client.get("/privacy/cookies/", HTTP_ACCEPT_LANGUAGE=language))
    assert COOKIE_TITLES[language] in content


def test_page_notes_when_the_text_is_shown_in_english(client, make_version):
    make_version("1.0", publish=True)  # English and Swedish only

    content = page(client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="fr"))

    assert '<html lang="fr">' in content
    assert '<h1 lang="en">Policy 1.0</h1>' in content
    assert "English text of 1.0." in content
    assert 'class="notice"' in content


def test_page_uses_the_country_asked_for_or_the_users_own(client, make_version):
    make_version("1.0", publish=True)
    make_version("1.0", country="SE", publish=True, title={"en": "Swedish policy"})

    assert "Swedish policy" in page(client.get("/privacy/?country=se"))
    assert "Swedish policy" not in page(client.get("/privacy/?country=FR"))
    assert "Swedish policy" not in page(client.get("/privacy/?country=nonsense"))

    client.force_login(UserFactory(country="SE"))
    assert "Swedish policy" in page(client.get("/privacy/"))


def test_page_is_404_when_nothing_is_published(client, make_version):
    make_version("1.0")
    assert client.get("/privacy/").status_code == 404
    assert client.get("/privacy/cookies/").status_code == 404


@pytest.mark.parametrize("language", ["en", "sv", "fr"])
def test_history_lists_every_published_version_with_links(client, demo, language):
    content = page(client.get("/privacy/versions/", HTTP_ACCEPT_LANGUAGE=language))

    for version in demo.values():
        assert version.get_absolute_url() in content
    old, new = demo["privacy-policy 1.1"], demo["privacy-policy 2.0"]
    assert f"/privacy/privacy-policy/versions/{old.pk}/diff/{new.pk}/" in content
    assert getattr(new, f"summary_of_changes_{language}")[:40] in content


def test_a_retired_version_says_it_was_replaced_and_links_to_the_current_one(client, demo):
    retired, current = demo["privacy-policy 1.0"], demo["privacy-policy 2.0"]

    content = page(client.get(retired.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="sv"))

    assert PRIVACY_TITLES["sv"] in content
    assert "notice-retired" in content
    assert f'href="{current.get_absolute_url()}"' in content


def test_drafts_are_never_shown(client, demo):
    draft = PolicyVersion.objects.create(
        document=demo["privacy-policy 2.0"].document,
        label="3.0",
        effective_at=datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC),
        title_en="Secret draft",
        body_en="Not yet.",
    )
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert (
        client.get(f"/privacy/privacy-policy/versions/{demo['privacy-policy 2.0'].pk}/diff/{draft.pk}/").status_code
        == 404
    )
    assert "Secret draft" not in page(client.get("/privacy/versions/"))


@pytest.mark.parametrize(
    ("language", "inserted"),
    [
        ("en", "<h3>Transfers outside the EEA</h3>"),
        ("sv", "<h3>Överföringar utanför EES</h3>"),
        ("fr", "<h3>Transferts hors de l'EEE</h3>"),
    ],
)
def test_diff_page_marks_insertions_and_deletions(client, demo, language, inserted):
    old, new = demo["privacy-policy 1.1"], demo["privacy-policy 2.0"]

    content = page(
        client.get(f"/privacy/privacy-policy/versions/{old.pk}/diff/{new.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    )

    assert f'<div class="diff" lang="{language}">' in content
    assert '<ins class="diff-line diff-insert"><span class="visually-hidden">' in content
    assert inserted in content
    assert '<del class="diff-line diff-delete">' in content
    # Lines read as the text reads, not as its markup.
    diff = content.split('<div class="diff"', 1)[1]
    assert "## " not in diff and "**" not in diff and "|---" not in diff.replace(" ", "")
    assert "<strong>" in diff or "<li>" in diff


def test_text_is_escaped(client, make_version):
    make_version("1.0", publish=True, body={"en": "Hello <script>alert('x')</script>\n\n- **safe** item\n"})

    content = client.get("/privacy/").content.decode()

    assert "<script>alert" not in content
    assert "&lt;script&gt;alert" in content
    assert "<li><strong>safe</strong> item</li>" in content
