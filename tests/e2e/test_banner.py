"""The cookie banner on a company site in a real browser: a plain static page on a second
local port includes the script from the platform (the live server), in Swedish for a
Swedish browser; reject all, reload, reopen and accept analytics; a GPC header honoured
without a click; and choices made before login found in the person's own history."""

import functools
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from consent.ledger.models import ConsentEvent
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(120),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TIMEOUT_MS = 15_000
PASSWORD = "correct horse battery"

PAGE = """<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><title>Nordlys Möten</title>
<script src="{platform}/consent-banner.js" data-platform="{platform}" async></script></head>
<body><h1>Välkommen till Nordlys</h1>
<p><a href="#" data-consent-banner-open>Cookie-inställningar</a></p>
<script>
  window.changes = [];
  window.seen = [];
  document.addEventListener("consent:change", function (e) {{ window.changes.push(e.detail.choices); }});
  window.addEventListener("load", function () {{
    window.ConsentBanner.onChange(function (choices) {{ window.seen.push(choices); }});
  }});
</script>
</body></html>
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def company_site(live_server, tmp_path, settings):
    """A static "company site" on its own port, allowed by CONSENT_BANNER_ORIGINS."""
    (tmp_path / "index.html").write_text(PAGE.format(platform=live_server.url), encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://localhost:{server.server_address[1]}"
    settings.CONSENT_BANNER_ORIGINS = [url]
    try:
        yield url + "/index.html"
    finally:
        server.shutdown()
        server.server_close()


def new_page(browser, *, locale="en-GB", language="en", **headers):
    context = browser.new_context(locale=locale, extra_http_headers={"Accept-Language": language, **headers})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def ledger():
    return list(ConsentEvent.objects.order_by("id").values_list("purpose_id", "decision", "source"))


def test_swedish_banner_reject_all_stays_hidden_then_accept_analytics(browser, company_site):
    page = new_page(browser, locale="sv-SE", language="sv-SE,sv")
    page.goto(company_site)

    dialog = page.get_by_role("dialog", name="Kakor på den här webbplatsen")
    dialog.wait_for()
    reject, accept = dialog.get_by_role("button", name="Avvisa alla"), dialog.get_by_role("button", name="Godkänn alla")
    # Reject exactly as prominent as accept: same element, class, size and look.
    looks = [
        button.evaluate(
            "b => [b.tagName, b.className, getComputedStyle(b).backgroundColor, getComputedStyle(b).color,"
            " getComputedStyle(b).fontSize, getComputedStyle(b).fontWeight]"
        )
        for button in (reject, accept)
    ]
    assert looks[0] == looks[1]
    sizes = [button.bounding_box() for button in (reject, accept)]
    # (to the pixel: a row of equal flex items may split a sub-pixel remainder between them)
    assert (round(sizes[0]["width"]), round(sizes[0]["height"])) == (
        round(sizes[1]["width"]),
        round(sizes[1]["height"]),
    )
    # Keyboard: focus starts in the dialog and Tab never leaves it.
    for _ in range(6):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('[role=dialog]') !== null")

    reject.click()
    dialog.wait_for(state="hidden")
    assert wait_for(lambda: len(ledger()) == 3 and ledger()) == [
        ("cookies_analytics", "withdrawn", "api"),
        ("cookies_personalisation", "withdrawn", "api"),
        ("cookies_advertising", "withdrawn", "api"),
    ]
    assert page.evaluate("window.ConsentBanner.choices") == {
        "necessary": True,
        "analytics": False,
        "personalisation": False,
        "advertising": False,
    }

    page.reload()
    page.wait_for_load_state("networkidle")
    page.wait_for_function("window.changes.length > 0")
    assert not dialog.is_visible()

    page.get_by_role("link", name="Cookie-inställningar").click()
    dialog.wait_for()
    dialog.get_by_role("button", name="Välj själv").click()
    dialog.get_by_label("Analyskakor").check()
    dialog.get_by_role("button", name="Spara mina val").click()
    dialog.wait_for(state="hidden")

    assert wait_for(lambda: len(ledger()) == 4 and ledger()[3]) == ("cookies_analytics", "granted", "api")
    assert page.evaluate("window.changes[window.changes.length - 1].analytics") is True
    assert page.evaluate("window.seen[window.seen.length - 1]") == {
        "necessary": True,
        "analytics": True,
        "personalisation": False,
        "advertising": False,
    }

    # Esc closes the reopened banner without recording anything, and focus returns to the page.
    page.get_by_role("link", name="Cookie-inställningar").click()
    dialog.wait_for()
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.textContent") == "Cookie-inställningar"
    assert len(ledger()) == 4


def test_a_gpc_header_withdraws_advertising_without_a_click(browser, company_site):
    page = new_page(browser, **{"Sec-GPC": "1"})
    page.goto(company_site)

    assert wait_for(ledger) == [("cookies_advertising", "withdrawn", "gpc")]
    dialog = page.get_by_role("dialog", name="Cookies on this site")
    dialog.wait_for()
    assert dialog.get_by_text("Global Privacy Control signal: we honoured it").is_visible()
    assert page.evaluate("window.ConsentBanner.choices.advertising") is False


def test_choices_made_before_login_are_in_the_persons_history(browser, company_site, live_server):
    person = UserFactory()
    page = new_page(browser)
    page.goto(company_site)
    page.get_by_role("dialog", name="Cookies on this site").get_by_role("button", name="Accept all").click()
    assert wait_for(lambda: len(ledger()) == 3)

    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", person.email)
    page.fill("#id_password", PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.goto(live_server.url + "/portal/history/")

    history = page.locator("table.history").inner_text()
    for name in ("Analytics cookies", "Personalisation cookies", "Advertising cookies"):
        assert name in history
    mine = ConsentEvent.objects.filter(subject=person.subject).order_by("id")
    assert [(e.purpose_id, e.decision) for e in mine] == [
        ("cookies_analytics", "granted"),
        ("cookies_personalisation", "granted"),
        ("cookies_advertising", "granted"),
    ]
    # The portal's own banner knows the person decided: it does not ask again.
    page.wait_for_load_state("networkidle")
    assert not page.get_by_role("dialog", name="Cookies on this site").is_visible()
