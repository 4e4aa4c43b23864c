import datetime

import pytest
from django.utils import timezone

from consent.demo.services import policies_demo_seed
from consent.policies.models import PolicyDocument, PolicyVersion
from consent.policies.services import policy_version_create, policy_version_publish


@pytest.fixture
def policies(db) -> dict[str, PolicyVersion]:
    """The demo policies: privacy policy 1.0, 1.1 and 2.0 (material, published long ago)."""
    policies_demo_seed()
    return {f"{v.document.slug} {v.label}": v for v in PolicyVersion.objects.select_related("document")}


def privacy_version_publish(label: str, *, material: bool, country: str = "") -> PolicyVersion:
    """A new version of the demo privacy policy, in force from now: 2.0's text with one more paragraph."""
    document = PolicyDocument.objects.get(slug="privacy-policy")
    base = PolicyVersion.objects.get(document=document, label="2.0", country="")
    version = policy_version_create(
        document=document,
        label=label,
        country=country,
        effective_at=timezone.now() - datetime.timedelta(seconds=1),
        is_material=material,
        title={"en": base.title_en, "sv": base.title_sv, "fr": base.title_fr},
        body={
            "en": base.body_en + f"\n\nWe now share your email address with our new partners ({label}).",
            "sv": base.body_sv + f"\n\nVi delar nu din e-postadress med våra nya partner ({label}).",
            "fr": base.body_fr + f"\n\nNous partageons désormais votre adresse avec nos partenaires ({label}).",
        },
        summary_of_changes={
            "en": f"Version {label}: your email address is shared with partners.",
            "sv": f"Version {label}: din e-postadress delas med partner.",
            "fr": f"Version {label} : votre adresse est partagée avec des partenaires.",
        },
    )
    return policy_version_publish(version=version)
