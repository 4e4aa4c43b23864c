"""A material change in a real browser: the notice on the policy page and the portal, the
acceptance page before anything else at the next login, and the answer in the person's
history and the ledger."""

import pytest

from consent.ledger.models import ConsentEvent
from consent.notices.models import NoticeRun
from tests.factories import UserFactory
from tests.notices.conftest import privacy_version_publish
from tests.portal.helpers import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(120),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in(page, email: str) -> None:
    page.goto(page.base + "/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()


def test_a_material_version_is_announced_then_accepted_at_the_next_login(page):
    person = UserFactory(email="maria@example.se", first_name="Maria", password=PASSWORD, language="en")
    log_in(page, "maria@example.se")
    assert page.locator("h1").inner_text() == "Hello Maria"
    page.get_by_role("button", name="Log out").click()

    # given: the privacy officer publishes a material change (emails go out after the commit)
    version = privacy_version_publish("3.0", material=True)
    assert NoticeRun.objects.get(version=version).queued_count == 1

    # then: the policy page announces it, with what changed
    page.goto(page.base + "/privacy/")
    notice = page.locator(".policy-notice")
    assert "has changed: version 3.0" in notice.inner_text()
    assert "your email address is shared with partners" in notice.inner_text()
    notice.get_by_role("link", name="See what changed").click()
    assert page.locator("h1").inner_text().startswith("Changes to")
    assert "We now share your email address with our new partners (3.0)." in page.locator("main").inner_text()

    # and: at the next login the answer comes before anything else
    log_in(page, "maria@example.se")
    assert page.locator("h1").inner_text() == "Our privacy policy has changed"
    page.goto(page.base + "/portal/choices/")
    assert page.locator("h1").inner_text() == "Our privacy policy has changed"
    page.get_by_role("button", name="I accept version 3.0").click()
    assert page.locator("h1").inner_text() == "My choices"
    assert "you accepted version 3.0" in page.locator(".messages").inner_text()

    # the notice is dismissed without JavaScript and stays dismissed
    page.goto(page.base + "/portal/")
    page.locator(".policy-notice").get_by_role("button", name="Dismiss this notice").click()
    assert page.locator(".policy-notice").count() == 0
    page.reload()
    assert page.locator(".policy-notice").count() == 0

    # the answer is in the person's history and in the ledger
    event = ConsentEvent.objects.select_related("evidence").get(subject=person.subject, source="policy_update")
    assert (event.purpose_id, event.decision, event.policy_version_id) == ("primary_use", "granted", version.pk)
    assert event.evidence.text_hash == version.content_hashes["en"]
    assert event.evidence.user_agent and event.evidence.ip_address == "127.0.0.1"
    page.get_by_role("link", name="History and receipts").first.click()
    row = page.locator(f"#event-{event.pk}")
    assert "Policy update" in row.inner_text() and "3.0" in row.inner_text()
