import os

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ANSWERED_BANNER = """localStorage.setItem("consentBanner.v1", JSON.stringify(
  {decided: true, choices: {analytics: false, personalisation: false, advertising: false}}));"""


@pytest.fixture
def browser_page():
    """A Chromium page from Debian's package, driven by Playwright (never its own download)."""
    # Playwright's sync API runs an event loop in this thread; the test's DB calls are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="en-GB", extra_http_headers={"Accept-Language": "en"})
        # A visitor who has already answered the cookie banner (its own test: test_banner.py),
        # so it does not sit over the pages these tests click through.
        context.add_init_script(ANSWERED_BANNER)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()
            # Inside sync_playwright() Django's context-local connections are not the ones
            # pytest-django set up: close what the test opened here, or it stays checked out of
            # the psycopg pool and the test database cannot be dropped at the end of the run.
            connections.close_all()


TIMEOUT_MS = 15_000


@pytest.fixture
def page(browser_page, live_server):
    """The browser on the live server with the demo policies published; a module may define its own."""
    from consent.demo.services import policies_demo_seed

    policies_demo_seed()
    browser_page.set_default_timeout(TIMEOUT_MS)
    browser_page.base = live_server.url
    return browser_page
