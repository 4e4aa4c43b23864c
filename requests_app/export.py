"""The access export's ZIP. Placeholder with the agreed signature: the disclosure-register
work (branch `register`) replaces this module with the full export (profile, receipts,
suppression status, disclosures, readable summary)."""

import io
import json
import zipfile

from django.core.serializers.json import DjangoJSONEncoder

from consent.accounts.models import Subject
from consent.ledger.selectors import consent_history


def access_export_build(*, subject: Subject, language: str, requests: list[dict]) -> bytes:
    events = [
        {
            "id": event.pk,
            "purpose": event.purpose.code,
            "channel": event.channel,
            "decision": event.decision,
            "source": event.source,
            "occurred_at": event.occurred_at,
            "hash": event.hash,
        }
        for event in consent_history(subject=subject)
    ]
    data = {"subject": str(subject.pk), "language": language, "consent_events": events, "requests": requests}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))
    return buffer.getvalue()
