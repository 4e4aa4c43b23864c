"""The back office: publishing a material version starts its run; the run's progress is shown."""

import pytest

from consent.accounts.roles import AUDITOR, PRIVACY_OFFICER
from consent.notices.models import NoticeRun
from consent.policies.models import PolicyDocument
from consent.policies.services import policy_version_create
from tests.factories import UserFactory, staff_in_role, staff_login

pytestmark = pytest.mark.django_db


def test_publishing_a_material_version_in_the_admin_starts_its_run_and_shows_progress(
    client, policies, django_capture_on_commit_callbacks
):
    UserFactory(email="reader@example.com", language="fr")
    draft = policy_version_create(
        document=PolicyDocument.objects.get(slug="privacy-policy"),
        label="3.0",
        effective_at=policies["privacy-policy 2.0"].effective_at,
        is_material=True,
        title={"en": "Privacy policy"},
        body={"en": "New text."},
        summary_of_changes={"en": "Everything."},
    )
    staff_login(client, staff_in_role(PRIVACY_OFFICER, email="officer@example.com"))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/policies/policyversion/{draft.pk}/publish/")
    assert response.status_code == 302

    run = NoticeRun.objects.get(version=draft)
    assert (run.total_users, run.queued_count) == (2, 2)  # the reader and the officer
    page = client.get(f"/admin/notices/noticerun/{run.pk}/change/").content.decode()
    assert "100% queued" in page and "Every email queued" in page
    assert "resume_selected" in client.get("/admin/notices/noticerun/").content.decode()


def test_the_auditor_sees_runs_but_cannot_resume_them(client, policies):
    staff_login(client, staff_in_role(AUDITOR, email="auditor@example.com"))
    page = client.get("/admin/notices/noticerun/")
    assert page.status_code == 200 and "resume_selected" not in page.content.decode()
