import datetime

import pytest

from consent.demo.services import policies_demo_seed
from consent.policies.models import PolicyDocument, PolicyVersion
from consent.policies.services import policy_version_create, policy_version_publish


@pytest.fixture
def document(db) -> PolicyDocument:
    return PolicyDocument.objects.create(
        slug="privacy-policy",
        kind=PolicyDocument.Kind.PRIVACY_POLICY,
        title_en="Privacy policy",
        title_sv="Integritetspolicy",
    )


@pytest.fixture
def make_version(document):
    """make_version("1.0", publish=True, body={"en": ...}, country="SE", ...) -> PolicyVersion"""

    def make(label: str = "1.0", *, publish: bool = False, effective_at=None, **fields) -> PolicyVersion:
        fields.setdefault("document", document)
        fields.setdefault("title", {"en": f"Policy {label}", "sv": f"Policy {label} (sv)"})
        fields.setdefault("body", {"en": f"## Scope\n\nEnglish text of {label}.\n", "sv": f"Svensk text {label}.\n"})
        fields.setdefault("summary_of_changes", {"en": f"Changes in {label}.", "sv": f"Ändringar i {label}."})
        version = policy_version_create(
            label=label,
            effective_at=effective_at or datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
            **fields,
        )
        return policy_version_publish(version=version) if publish else version

    return make


@pytest.fixture
def demo(db) -> dict[str, PolicyVersion]:
    """The demo documents, seeded: {"privacy-policy 2.0": version, ...}."""
    policies_demo_seed()
    return {f"{v.document.slug} {v.label}": v for v in PolicyVersion.objects.select_related("document")}
