import pytest

pytestmark = pytest.mark.django_db

HEADINGS = {
    "en": "Your privacy, your choices",
    "sv": "Din integritet, dina val",
    "fr": "Votre vie privée, vos choix",
}


@pytest.mark.parametrize(("language", "heading"), HEADINGS.items())
def test_home_page_speaks_the_browser_language(client, language, heading):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert heading in response.content.decode()
    assert f'<html lang="{language}">' in response.content.decode()


def test_language_switcher_remembers_the_choice(client, settings):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    # A later visit, browser still asking for English, gets French.
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert HEADINGS["fr"] in page


def test_unknown_language_falls_back_to_english(client):
    assert HEADINGS["en"] in client.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
