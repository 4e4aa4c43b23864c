import os

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ANSWERED_BANNER = """localStorage.setItem("consentBanner.v1", JSON.stringify(
  {decided: true, choices: {analytics: false, personalisation: false, advertising: false}}));"""


@pytest.fixture(scope="session")
def chromium():
    """One Chromium from Debian's package per test process, driven by Playwright (never its own
    download): starting the driver and the browser cost seconds a test. Each test gets contexts
    of its own (cookies, storage) and closes them (`browser`)."""
    # Playwright's sync API runs an event loop in this thread for the rest of the process; the
    # tests' DB calls are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from django.db import connections
    from playwright.sync_api import sync_playwright

    ours = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        # With a loop running, Django's connections are per async context (asgiref's Local):
        # keep this thread's, the ones pytest-django set up and resets after each test.
        for alias, connection in ours.items():
            connections[alias] = connection
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser(chromium):
    """The shared browser, for one test: every context the test opened is closed when it ends."""
    try:
        yield chromium
    finally:
        for context in chromium.contexts:
            context.close()


@pytest.fixture
def browser_page(browser):
    """A page in a fresh context of the shared browser."""
    context = browser.new_context(locale="en-GB", extra_http_headers={"Accept-Language": "en"})
    # A visitor who has already answered the cookie banner (its own test: test_banner.py),
    # so it does not sit over the pages these tests click through.
    context.add_init_script(ANSWERED_BANNER)
    return context.new_page()


TIMEOUT_MS = 15_000


@pytest.fixture
def page(browser_page, live_server):
    """The browser on the live server with the demo policies published; a module may define its own."""
    from consent.demo.services import policies_demo_seed

    policies_demo_seed()
    browser_page.set_default_timeout(TIMEOUT_MS)
    browser_page.base = live_server.url
    return browser_page
