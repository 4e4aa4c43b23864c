from pathlib import Path

import pytest

from consent.notifications import sending

TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture(autouse=True)
def greeting_template(settings):
    """A test email, `greeting`: subject "Hello {{ name }}", text and HTML bodies."""
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEMPLATES]}]


@pytest.fixture(autouse=True)
def fresh_mail_connection():
    # The process keeps one mail connection; each test starts without one.
    sending.mail_connection_close()
    yield
    sending.mail_connection_close()
