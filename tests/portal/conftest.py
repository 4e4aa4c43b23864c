import pytest

from consent.demo.services import policies_demo_seed
from consent.policies.models import PolicyVersion


@pytest.fixture
def policies(db) -> dict[str, PolicyVersion]:
    """The demo policies (privacy policy 1.0, 1.1, 2.0 in force), by "slug label"."""
    policies_demo_seed()
    return {f"{v.document.slug} {v.label}": v for v in PolicyVersion.objects.select_related("document")}
