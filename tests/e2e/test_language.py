import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_visitor_switches_to_swedish_and_it_is_remembered(live_server, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Your privacy, your choices"

    page.select_option("#language-select", "sv")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Din integritet, dina val"
    assert page.locator("html").get_attribute("lang") == "sv"

    # The browser still asks for English; the remembered choice wins.
    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Din integritet, dina val"

    page.select_option("#language-select", "fr")
    page.get_by_role("button", name="Byt").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Votre vie privée, vos choix"
