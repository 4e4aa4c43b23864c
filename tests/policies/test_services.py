import datetime
import hashlib

import pytest
import time_machine
from django.core.exceptions import ValidationError

from consent.policies.models import PolicyVersion
from consent.policies.services import (
    policy_version_create,
    policy_version_publish,
    policy_version_published,
    policy_version_update,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 2, 1, 9, 30, tzinfo=datetime.UTC)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_create_writes_a_draft_with_one_column_per_language(document):
    version = policy_version_create(
        document=document,
        label="1.0",
        effective_at=NOW,
        title={"en": "Policy", "sv": "Policy på svenska"},
        body={"en": "Text.", "sv": "Text på svenska.", "fr": "   "},
        summary_of_changes={"en": "First."},
        country="se",
        is_material=True,
    )

    version.refresh_from_db()
    assert version.status == PolicyVersion.Status.DRAFT
    assert (version.title_en, version.title_sv, version.title_fr) == ("Policy", "Policy på svenska", None)
    assert (version.body_en, version.body_sv, version.body_fr) == ("Text.", "Text på svenska.", None)
    assert version.country.code == "SE"
    assert version.is_material is True
    assert version.content_hashes == {}
    assert version.published_at is None


def test_create_refuses_a_language_the_site_does_not_speak(document):
    with pytest.raises(ValidationError, match="Unknown language"):
        policy_version_create(
            document=document, label="1.0", effective_at=NOW, title={"de": "Richtlinie"}, body={}, summary_of_changes={}
        )
    assert not PolicyVersion.objects.exists()


def test_create_refuses_a_second_version_with_the_same_label(make_version):
    make_version("1.0")
    with pytest.raises(ValidationError):
        make_version("1.0")


def test_update_changes_a_draft(make_version):
    draft = make_version("1.0")

    policy_version_update(version=draft, body={"fr": "Texte."}, label="1.0-rc", body_sv="Ny text.")

    draft.refresh_from_db()
    assert draft.label == "1.0-rc"
    assert draft.body_fr == "Texte."
    assert draft.body_sv == "Ny text."
    assert draft.body_en == "## Scope\n\nEnglish text of 1.0.\n"


def test_update_refuses_a_published_version(make_version):
    published = make_version("1.0", publish=True)

    with pytest.raises(ValidationError, match="can no longer be changed"):
        policy_version_update(version=published, body={"en": "Something else."})

    published.refresh_from_db()
    assert published.body_en == "## Scope\n\nEnglish text of 1.0.\n"


def test_update_refuses_fields_that_are_not_the_authors(make_version):
    draft = make_version("1.0")
    with pytest.raises(ValidationError, match="status cannot be changed"):
        policy_version_update(version=draft, status=PolicyVersion.Status.PUBLISHED)


def test_publish_fixes_the_text_with_a_hash_per_language(make_version):
    user = UserFactory(is_staff=True)
    draft = make_version("1.0")

    with time_machine.travel(NOW, tick=False):
        published = policy_version_publish(version=draft, actor=user)

    published.refresh_from_db()
    assert published.status == PolicyVersion.Status.PUBLISHED
    assert published.published_at == NOW
    assert published.published_by == user
    # Only the languages with a body; the hash covers title, blank line, body.
    assert published.content_hashes == {
        "en": sha256("Policy 1.0\n\n## Scope\n\nEnglish text of 1.0.\n"),
        "sv": sha256("Policy 1.0 (sv)\n\nSvensk text 1.0.\n"),
    }


def test_publish_retires_the_version_in_force(make_version):
    with time_machine.travel(NOW - datetime.timedelta(days=30), tick=False):
        first = make_version("1.0", publish=True)
    second = make_version("1.1", effective_at=NOW)

    with time_machine.travel(NOW, tick=False):
        policy_version_publish(version=second)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.retired_at) == (PolicyVersion.Status.RETIRED, NOW)
    assert (second.status, second.published_at, second.retired_at) == (PolicyVersion.Status.PUBLISHED, NOW, None)
    assert PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED).count() == 1


def test_publish_retires_only_the_version_of_the_same_country(make_version):
    global_version = make_version("1.0", publish=True)

    swedish = make_version("1.0", country="SE", publish=True)

    global_version.refresh_from_db()
    assert global_version.status == PolicyVersion.Status.PUBLISHED
    assert swedish.status == PolicyVersion.Status.PUBLISHED


def test_publish_refuses_what_is_not_a_draft(make_version):
    published = make_version("1.0", publish=True)
    with pytest.raises(ValidationError, match="only a draft can be published"):
        policy_version_publish(version=published)


def test_publish_refuses_a_version_without_english_text(make_version):
    draft = make_version("1.0", title={"sv": "Policy"}, body={"sv": "Bara svenska."})

    with pytest.raises(ValidationError, match="without its English text"):
        policy_version_publish(version=draft)

    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.DRAFT


def test_publish_refuses_to_replace_a_newer_version(make_version):
    make_version("2.0", effective_at=NOW, publish=True)
    older = make_version("1.9", effective_at=NOW - datetime.timedelta(days=1))

    with pytest.raises(ValidationError, match="takes effect before version 2.0"):
        policy_version_publish(version=older)


def test_publish_announces_itself_once_committed(make_version, django_capture_on_commit_callbacks):
    first = make_version("1.0", publish=True)
    second = make_version("1.1", effective_at=NOW)
    received = []

    def receiver(sender, version, retired, **kwargs):
        received.append((version.pk, retired.pk))

    policy_version_published.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            policy_version_publish(version=second)
    finally:
        policy_version_published.disconnect(receiver)

    assert received == [(second.pk, first.pk)]


def test_a_past_publication_can_be_recorded_and_retires_its_predecessor_then(make_version):
    old = make_version("1.0", effective_at=datetime.datetime(2024, 1, 15, tzinfo=datetime.UTC))
    policy_version_publish(version=old, published_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
    new = make_version("2.0", effective_at=datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC))
    when = datetime.datetime(2025, 2, 15, tzinfo=datetime.UTC)

    policy_version_publish(version=new, published_at=when)

    old.refresh_from_db()
    assert (new.status, new.published_at) == ("published", when)
    assert (old.status, old.retired_at) == ("retired", when)


def test_a_publication_date_in_the_future_or_before_the_predecessors_is_refused(make_version):
    old = make_version("1.0", publish=True)
    new = make_version("2.0")
    with pytest.raises(ValidationError, match="cannot be in the future"):
        policy_version_publish(version=new, published_at=datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC))
    with pytest.raises(ValidationError, match="was published later"):
        policy_version_publish(version=new, published_at=old.published_at - datetime.timedelta(days=1))
    new.refresh_from_db()
    assert new.status == "draft"
