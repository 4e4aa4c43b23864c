import pytest

from consent.accounts.roles import PRIVACY_OFFICER, REPRESENTATIVE
from consent.notifications.models import OutboundEmail
from consent.notifications.services import email_queue
from tests.factories import staff_in_role, staff_login, subject_for

pytestmark = pytest.mark.django_db


def queue(to: str) -> OutboundEmail:
    return email_queue(to=to, template="greeting", context={"name": "x"}, language="en", subject=subject_for(to))


@pytest.fixture
def emails():
    sent, failed = queue("anna@example.com"), queue("bo@example.com")
    OutboundEmail.objects.filter(pk=sent.pk).update(status="sent")
    OutboundEmail.objects.filter(pk=failed.pk).update(status="failed", attempts=6, last_error="SMTPDataError: 451 busy")
    return {"sent": sent, "failed": failed}


def test_staff_filter_failed_emails_and_search_by_address(client, emails):
    staff_login(client, staff_in_role(PRIVACY_OFFICER))
    page = client.get("/admin/notifications/outboundemail/", {"status__exact": "failed"}).content.decode()
    assert f"/outboundemail/{emails['failed'].pk}/change/" in page
    assert f"/outboundemail/{emails['sent'].pk}/change/" not in page
    assert "SMTPDataError: 451 busy" in page

    found = client.get("/admin/notifications/outboundemail/", {"q": "ANNA@example.com"}).content.decode()
    assert f"/outboundemail/{emails['sent'].pk}/change/" in found
    assert f"/outboundemail/{emails['failed'].pk}/change/" not in found


def test_the_outbox_is_read_only_and_only_the_privacy_officer_requeues(client, emails):
    rep = staff_in_role(REPRESENTATIVE)
    staff_login(client, rep)
    page = client.get("/admin/notifications/outboundemail/").content.decode()
    assert "Re-queue the selected failed emails" not in page
    change = client.get(f"/admin/notifications/outboundemail/{emails['failed'].pk}/change/")
    assert change.status_code == 200 and b'name="body_text"' not in change.content
    client.post("/admin/notifications/outboundemail/", {"action": "requeue", "_selected_action": [emails["failed"].pk]})
    emails["failed"].refresh_from_db()
    assert emails["failed"].status == "failed"

    staff_login(client, staff_in_role(PRIVACY_OFFICER, email="officer@example.com"))
    client.post("/admin/notifications/outboundemail/", {"action": "requeue", "_selected_action": [emails["failed"].pk]})
    emails["failed"].refresh_from_db()
    assert emails["failed"].status == "queued"
