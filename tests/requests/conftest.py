import re
from unittest import mock

import pytest

from consent.notifications.models import OutboundEmail
from requests_app.models import RepresentativeOffice


@pytest.fixture
def offices(db) -> dict[str, RepresentativeOffice]:
    """The default office (from the migration) and a Nordic and a French one."""
    return {
        "default": RepresentativeOffice.objects.get(is_default=True),
        "nordic": RepresentativeOffice.objects.create(
            name="Stockholm", countries=["SE", "NO", "DK"], email="se@x.example"
        ),
        "france": RepresentativeOffice.objects.create(name="Paris", countries=["FR"], email="fr@x.example"),
    }


@pytest.fixture
def answer_1798_83():
    answer = {
        "categories": [{"code": "email", "label": "Email address"}],
        "third_parties": [
            {
                "name": "Acme Mailers",
                "address": "1 Main St",
                "country_name": "United States",
                "categories": [{"code": "email", "label": "Email address"}],
            }
        ],
    }
    with mock.patch("requests_app.disclosures.answer_1798_83", return_value=answer) as answer_mock:
        yield answer_mock


def emails_to(address: str) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(to_address=address).order_by("pk"))


def link_in(email: OutboundEmail, path: str) -> str:
    """The first link in the email's text whose path starts with `path` (site-relative)."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"[^\s]*)", email.body_text)
    assert match, email.body_text
    return match.group(1)
