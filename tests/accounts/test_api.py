import pytest

from tests.factories import subject_for

pytestmark = pytest.mark.django_db


def test_lookup_by_email_without_putting_it_in_a_url(writer):
    subject = subject_for("maria@example.se")
    response = writer.post("/api/v1/subjects/lookup/", {"email": " MARIA@example.se"}, format="json")
    assert response.json()["subject_id"] == str(subject.pk)
    assert writer.post("/api/v1/subjects/lookup/", {"email": "nobody@example.se"}, format="json").status_code == 404
