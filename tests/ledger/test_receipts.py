import pytest

from consent.accounts.identity import email_digest
from consent.ledger.receipts import consent_receipt
from tests.factories import record, subject_for

pytestmark = pytest.mark.django_db


def test_a_receipt_carries_the_standard_fields(settings):
    subject = subject_for("receipt@example.com")
    event = record(subject, "marketing_third_party", "granted", channel="email")
    receipt = consent_receipt(event=event)
    assert receipt["version"] == "KI-CR-v1.1.0"
    assert receipt["piiPrincipalId"] == str(subject.pk)
    assert receipt["recordId"] == event.pk
    assert receipt["collectionMethod"] == "portal"
    assert receipt["eventType"] == "granted"
    assert receipt["piiControllers"][0]["piiController"] == settings.CONTROLLER_NAME
    purpose = receipt["services"][0]["purposes"][0]
    assert (purpose["purposeCode"], purpose["consentType"], purpose["lawfulBasis"], purpose["thirdPartyDisclosure"]) == (
        "marketing_third_party", "EXPLICIT", "consent", True,
    )  # fmt: skip
    assert receipt["integrity"]["hash"] == event.hash
    assert email_digest("receipt@example.com").hex() not in str(receipt)
