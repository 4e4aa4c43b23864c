import re

import pytest
from django.contrib.auth.models import Permission

from consent.policies.models import PolicyVersion
from tests.factories import UserFactory, staff_login

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/policies/policyversion/"


@pytest.fixture
def superuser_client(client):
    return staff_login(client, UserFactory(is_staff=True, is_superuser=True))


@pytest.fixture
def editor_client(client):
    """A staff member who may write versions but not publish them."""
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="policies",
            codename__in=["view_policyversion", "add_policyversion", "change_policyversion"],
        )
    )
    return staff_login(client, user)


def editable_inputs(content: str) -> list[str]:
    """Names of the form controls a person could type into or tick."""
    controls = re.findall(r"<(?:input|textarea|select)\b[^>]*>", content)
    return [
        re.search(r'name="([^"]+)"', control).group(1)
        for control in controls
        if 'name="' in control
        and not re.search(r'type="(hidden|submit)"', control)
        and 'name="language"' not in control  # the admin's language switcher, if any
    ]


def test_changelist_and_draft_change_page(superuser_client, make_version):
    draft = make_version("1.0")

    assert superuser_client.get(CHANGELIST).status_code == 200
    content = superuser_client.get(f"{CHANGELIST}{draft.pk}/change/").content.decode()

    assert {"label", "title_en", "title_sv", "title_fr", "body_en", "body_sv", "body_fr"} <= set(
        editable_inputs(content)
    )
    assert f"{CHANGELIST}{draft.pk}/publish/" in content
    assert f"{CHANGELIST}{draft.pk}/preview/sv/" in content


def test_adding_and_changing_a_draft_goes_through_the_services(superuser_client, document):
    form = {
        "document": document.pk,
        "label": "1.0",
        "country": "",
        "effective_at_0": "2026-01-01",
        "effective_at_1": "00:00:00",
        "title_en": "Policy",
        "title_sv": "Policy",
        "title_fr": "",
        "summary_of_changes_en": "First.",
        "summary_of_changes_sv": "",
        "summary_of_changes_fr": "",
        "body_en": "Text.",
        "body_sv": "",
        "body_fr": "",
    }
    response = superuser_client.post(f"{CHANGELIST}add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    version = PolicyVersion.objects.get()
    assert (version.status, version.body_en, version.body_sv) == ("draft", "Text.", None)

    response = superuser_client.post(f"{CHANGELIST}{version.pk}/change/", form | {"body_fr": "Texte."})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.body_fr == "Texte."


def test_publish_action_publishes_for_a_superuser(superuser_client, make_version):
    first = make_version("1.0", publish=True)
    draft = make_version("1.1")

    response = superuser_client.post(
        CHANGELIST, {"action": "publish_selected", "_selected_action": [draft.pk]}, follow=True
    )

    assert response.status_code == 200
    draft.refresh_from_db()
    first.refresh_from_db()
    assert draft.status == PolicyVersion.Status.PUBLISHED
    assert draft.published_by is not None
    assert first.status == PolicyVersion.Status.RETIRED
    assert "Published: privacy-policy 1.1." in response.content.decode()


def test_publish_action_reports_what_the_service_refuses(superuser_client, make_version):
    published = make_version("1.0", publish=True)

    response = superuser_client.post(
        CHANGELIST, {"action": "publish_selected", "_selected_action": [published.pk]}, follow=True
    )

    assert "only a draft can be published" in response.content.decode()


def test_publish_button_publishes(superuser_client, make_version):
    draft = make_version("1.0")

    response = superuser_client.post(f"{CHANGELIST}{draft.pk}/publish/")

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.PUBLISHED
    assert superuser_client.get(f"{CHANGELIST}{draft.pk}/publish/").status_code == 405


def test_publishing_is_refused_without_the_permission(editor_client, make_version):
    draft = make_version("1.0")

    content = editor_client.get(f"{CHANGELIST}{draft.pk}/change/").content.decode()
    assert f"{CHANGELIST}{draft.pk}/publish/" not in content
    assert "publish_selected" not in editor_client.get(CHANGELIST).content.decode()

    editor_client.post(CHANGELIST, {"action": "publish_selected", "_selected_action": [draft.pk]})
    assert editor_client.post(f"{CHANGELIST}{draft.pk}/publish/").status_code == 403

    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.DRAFT


def test_a_published_version_has_no_editable_field_and_cannot_be_deleted(superuser_client, make_version):
    published = make_version("1.0", publish=True)

    response = superuser_client.get(f"{CHANGELIST}{published.pk}/change/")

    content = response.content.decode()
    assert response.status_code == 200
    assert editable_inputs(content) == []
    assert 'name="_save"' not in content
    assert "English text of 1.0." in content
    assert published.content_hashes["en"] in content
    assert superuser_client.get(f"{CHANGELIST}{published.pk}/delete/").status_code == 403
    # Posting the form anyway changes nothing.
    superuser_client.post(f"{CHANGELIST}{published.pk}/change/", {"label": "9.9", "body_en": "x"})
    published.refresh_from_db()
    assert (published.label, published.body_en) == ("1.0", "## Scope\n\nEnglish text of 1.0.\n")


def test_preview_shows_the_text_as_a_reader_sees_it_with_its_hash(superuser_client, make_version):
    published = make_version("1.0", publish=True)

    swedish = superuser_client.get(f"{CHANGELIST}{published.pk}/preview/sv/").content.decode()
    french = superuser_client.get(f"{CHANGELIST}{published.pk}/preview/fr/").content.decode()

    assert "Svensk text 1.0." in swedish
    assert published.content_hashes["sv"] in swedish
    assert "<h2>Scope</h2>" in french  # no French text: the English one, rendered
    assert published.content_hashes["en"] in french
    assert "errornote" in french
    assert superuser_client.get(f"{CHANGELIST}{published.pk}/preview/de/").status_code == 404


def test_preview_of_a_draft_shows_the_hash_it_will_get(superuser_client, make_version):
    draft = make_version("1.0")

    content = superuser_client.get(f"{CHANGELIST}{draft.pk}/preview/en/").content.decode()

    published = superuser_client.post(f"{CHANGELIST}{draft.pk}/publish/")
    assert published.status_code == 302
    draft.refresh_from_db()
    assert draft.content_hashes["en"] in content
