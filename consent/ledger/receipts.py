"""Consent receipts: what a person (or an auditor) keeps as proof of one event."""

import uuid

from django.conf import settings
from django.utils.translation import gettext as _

from consent.ledger.models import ConsentEvent, Purpose
from consent.ledger.selectors import purposes_by_code


def receipt_event_get(*, event_id: int, owner: uuid.UUID | None = None) -> ConsentEvent | None:
    """The event a receipt is made of. With `owner` (a subject id), only that person's
    event: for anyone else it is None, as for an id that does not exist, so ids reveal nothing."""
    events = ConsentEvent.objects.select_related("policy_version__document", "evidence").filter(pk=event_id)
    if owner is not None:
        events = events.filter(subject_id=owner)
    return events.first()


def consent_receipt(*, event: ConsentEvent) -> dict:
    """A receipt for one event, with the field names of the Kantara Consent Receipt v1.1
    and ISO/IEC TS 27560 (consent record information structure)."""
    purpose = purposes_by_code()[event.purpose_id]
    version = event.policy_version
    evidence = getattr(event, "evidence", None)
    notice_url = (
        f"{settings.PUBLIC_BASE_URL}{version.get_absolute_url()}" if version else f"{settings.PUBLIC_BASE_URL}/privacy/"
    )
    return {
        "version": "KI-CR-v1.1.0",
        "jurisdiction": "EU",
        "consentReceiptID": f"{event.subject_id}-{event.pk}",
        "recordId": event.pk,
        "consentTimestamp": int(event.occurred_at.timestamp()),
        "eventTime": event.occurred_at.isoformat(),
        "eventType": event.decision,
        "collectionMethod": event.source,
        "piiPrincipalId": str(event.subject_id),
        "language": evidence.language if evidence else "",
        "piiControllers": [
            {
                "piiController": settings.CONTROLLER_NAME,
                "contact": settings.CONTROLLER_CONTACT,
                "email": settings.CONTROLLER_CONTACT,
            }
        ],
        "policyUrl": notice_url,
        "notice": {
            "document": version.document.slug if version else None,
            "version": version.label if version else None,
            "url": notice_url,
            "textHash": evidence.text_hash if evidence else "",
        },
        "services": [
            {
                "service": settings.CONTROLLER_NAME,
                "purposes": [
                    {
                        "purpose": purpose.name,
                        "purposeCode": purpose.code,
                        "consentType": "EXPLICIT" if purpose.kind == Purpose.Kind.OPT_IN else "IMPLICIT",
                        "lawfulBasis": purpose.lawful_basis,
                        "purposeCategory": [purpose.code],
                        "channel": event.channel,
                        "primaryPurpose": purpose.code == Purpose.Code.PRIMARY_USE,
                        "termination": _("Withdraw at any time in the privacy centre.")
                        if purpose.withdrawable
                        else _("Ends when the account is closed."),
                        "thirdPartyDisclosure": purpose.code == Purpose.Code.MARKETING_THIRD_PARTY,
                    }
                ],
            }
        ],
        "sensitive": False,
        "spiCat": [],
        "integrity": {
            "hash": event.hash,
            "prevHash": event.prev_hash,
            "evidenceDigest": event.evidence_digest,
            "algorithm": "SHA-256",
        },
    }
