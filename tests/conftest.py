import os

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from consent.accounts.services import api_key_create
from tests.factories import UserFactory, staff_login


def pytest_configure(config):
    from tests.template_database import TemplateDatabase

    config.pluginmanager.register(TemplateDatabase(), "template-database")


def pytest_collection_modifyitems(config, items):
    skip_redis = pytest.mark.skip(reason="needs Redis: set REDIS_URL (make test does on CI)")
    skip_browser = pytest.mark.skip(reason="needs Chromium at /usr/bin/chromium (apt-get install chromium)")
    for item in items:
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            item.add_marker(skip_redis)
        if "browser" in item.keywords and not os.path.exists("/usr/bin/chromium"):
            item.add_marker(skip_browser)


@pytest.fixture(autouse=True)
def english_by_default():
    # A request's LocaleMiddleware leaves its language active in the thread; start each test in English.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fast_tests(settings):
    """Argon2 is slow on purpose; tests that are not about hashing use a fast hasher.
    Public forms' rate limits are tested on their own (tests/portal/test_rate_limits.py)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PUBLIC_FORM_RATE = "10000/m"
    settings.CONSENT_BANNER_RATE = "10000/m"


@pytest.fixture
def every_log(caplog):
    """caplog, capturing every logger at DEBUG, including Django's, which does not
    propagate to the root logger (settings.LOGGING)."""
    import logging

    django_logger = logging.getLogger("django")
    saved = django_logger.level
    caplog.set_level(logging.DEBUG)
    django_logger.setLevel(logging.DEBUG)
    django_logger.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        django_logger.removeHandler(caplog.handler)
        django_logger.setLevel(saved)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def api_key_client(db):
    """api_key_client("consent:read", ...) -> an APIClient sending a key with those scopes."""

    def make(*scopes: str) -> APIClient:
        _api_key, key = api_key_create(name="test", scopes=list(scopes))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        return client

    return make


@pytest.fixture
def writer(api_key_client):
    """An API client whose key may record and read consent."""
    return api_key_client("consent:write", "consent:read")


@pytest.fixture
def staff_session(client, db):
    """staff_session(user=None) -> the test client signed in as a staff member with the second
    factor passed (a superuser unless `user` is given)."""

    def make(user=None):
        user = user or UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)
        return staff_login(client, user)

    return make
