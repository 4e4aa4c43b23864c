import pytest
from rest_framework.test import APIClient

SITE = "https://www.example.com"


@pytest.fixture(autouse=True)
def company_site(settings):
    settings.CONSENT_BANNER_ORIGINS = [SITE]


@pytest.fixture
def visitor(db) -> APIClient:
    """A browser on the company's site: its own cookie jar, sending the site's Origin."""
    return APIClient(HTTP_ORIGIN=SITE)
