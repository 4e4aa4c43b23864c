import datetime

import pytest
import time_machine

from consent.policies.selectors import (
    policy_diff_language,
    policy_text,
    policy_version_current,
    policy_version_diff,
    policy_version_previous,
    policy_versions_published,
)
from consent.policies.services import policy_version_publish
from consent.policies.templatetags.policy_text import render_policy_text

pytestmark = pytest.mark.django_db

JAN = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
JUN = datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)


def test_current_is_the_published_version(make_version):
    make_version("1.0", publish=True)
    second = make_version("1.1", effective_at=JUN, publish=True)
    make_version("1.2", effective_at=JUN)  # a draft is never current

    assert policy_version_current(slug="privacy-policy") == second


def test_current_prefers_the_countrys_own_version_and_falls_back_to_the_global_one(make_version):
    global_version = make_version("1.0", publish=True)
    swedish = make_version("1.0", country="SE", publish=True)

    assert policy_version_current(slug="privacy-policy", country="SE") == swedish
    assert policy_version_current(slug="privacy-policy", country="se") == swedish
    assert policy_version_current(slug="privacy-policy", country="FR") == global_version
    assert policy_version_current(slug="privacy-policy") == global_version


def test_current_is_none_when_nothing_is_published(make_version):
    make_version("1.0")
    assert policy_version_current(slug="privacy-policy") is None
    assert policy_version_current(slug="no-such-document") is None


def test_current_at_a_moment_is_the_version_then_in_force(make_version):
    with time_machine.travel(JAN - datetime.timedelta(days=10), tick=False):
        first = make_version("1.0", effective_at=JAN, publish=True)
    with time_machine.travel(JUN - datetime.timedelta(days=10), tick=False):
        second = make_version("1.1", effective_at=JUN, publish=True)

    assert policy_version_current(slug="privacy-policy", at=JAN - datetime.timedelta(days=1)) is None
    assert policy_version_current(slug="privacy-policy", at=JAN + datetime.timedelta(days=1)) == first
    # 1.1 was published (announced) but had not yet taken effect.
    assert policy_version_current(slug="privacy-policy", at=JUN - datetime.timedelta(days=1)) == first
    assert policy_version_current(slug="privacy-policy", at=JUN + datetime.timedelta(days=1)) == second


def test_current_at_a_moment_ignores_versions_published_later_with_an_earlier_date(make_version):
    with time_machine.travel(JUN, tick=False):
        backdated = make_version("1.0", effective_at=JAN, publish=True)

    assert policy_version_current(slug="privacy-policy", at=JUN - datetime.timedelta(days=1)) is None
    assert policy_version_current(slug="privacy-policy", at=JUN + datetime.timedelta(days=1)) == backdated


def test_published_versions_are_newest_first_without_drafts(make_version):
    first = make_version("1.0", publish=True)
    second = make_version("1.1", effective_at=JUN, publish=True)
    make_version("1.2", effective_at=JUN + datetime.timedelta(days=1))
    swedish = make_version("1.0", country="SE", effective_at=JUN, publish=True)  # same date, published later

    assert list(policy_versions_published(slug="privacy-policy", country="")) == [second, first]
    assert list(policy_versions_published(slug="privacy-policy", country="SE")) == [swedish, second, first]
    assert set(policy_versions_published(slug="privacy-policy")) == {first, second, swedish}


def test_previous_is_the_version_of_the_same_country_before(make_version):
    first = make_version("1.0", publish=True)
    make_version("1.0", country="SE", effective_at=JUN, publish=True)
    second = make_version("1.1", effective_at=JUN, publish=True)

    assert policy_version_previous(version=second) == first
    assert policy_version_previous(version=first) is None


def test_text_is_served_in_the_language_asked_for(make_version):
    version = make_version("1.0", publish=True)

    text = policy_text(version=version, language="sv")

    assert text["language"] == "sv"
    assert text["is_fallback"] is False
    assert (text["title"], text["body"], text["summary_of_changes"]) == (
        "Policy 1.0 (sv)",
        "Svensk text 1.0.\n",
        "Ändringar i 1.0.",
    )
    assert text["content_hash"] == version.content_hashes["sv"]


def test_text_falls_back_to_english_when_the_language_has_no_body(make_version):
    version = make_version("1.0", publish=True)

    text = policy_text(version=version, language="fr")

    assert (text["language"], text["requested_language"], text["is_fallback"]) == ("en", "fr", True)
    assert text["title"] == "Policy 1.0"
    assert text["body"] == "## Scope\n\nEnglish text of 1.0.\n"
    assert text["content_hash"] == version.content_hashes["en"]


def test_text_of_a_draft_carries_the_hash_it_will_get(make_version):
    draft = make_version("1.0")
    expected = policy_text(version=draft, language="sv")["content_hash"]

    policy_version_publish(version=draft)

    assert draft.content_hashes["sv"] == expected


def test_diff_between_demo_versions_shows_the_new_subsection(demo):
    old, new = demo["privacy-policy 1.1"], demo["privacy-policy 2.0"]

    lines = policy_version_diff(old=old, new=new, language="en")

    inserted = [line["text"] for line in lines if line["op"] == "insert"]
    deleted = [line["text"] for line in lines if line["op"] == "delete"]
    assert "### Transfers outside the EEA" in inserted
    assert any(text.startswith("| Recordings and transcripts |") for text in inserted)
    assert any(text.startswith("We keep registration data while your account is open") for text in deleted)
    # The diff is complete: the old text is equal + delete lines, the new one equal + insert lines.
    assert [line["text"] for line in lines if line["op"] != "insert"] == old.body_en.splitlines()
    assert [line["text"] for line in lines if line["op"] != "delete"] == new.body_en.splitlines()


def test_diff_in_swedish(demo):
    lines = policy_version_diff(old=demo["privacy-policy 1.1"], new=demo["privacy-policy 2.0"], language="sv")
    assert {"op": "insert", "text": "### Överföringar utanför EES"} in lines


def test_diff_is_in_english_when_one_version_lacks_the_language(make_version):
    old = make_version("1.0", publish=True)
    new = make_version("1.1", effective_at=JUN, body={"en": "## Scope\n\nNew English text.\n", "fr": "Texte."})

    assert policy_diff_language(old=old, new=new, language="fr") == "en"
    assert policy_version_diff(old=old, new=new, language="fr") == [
        {"op": "equal", "text": "## Scope"},
        {"op": "equal", "text": ""},
        {"op": "delete", "text": "English text of 1.0."},
        {"op": "insert", "text": "New English text."},
    ]


def test_rendering_escapes_the_text_then_applies_the_markup():
    html = render_policy_text(
        "Intro <script>alert(1)</script> & **bold**.\nSame paragraph.\n\n"
        "## Heading\n\n### Sub\n\n- one\n- two **b**\n\n"
        "| Information | Period |\n|---|---|\n| Usage | 13 months |\n"
    )

    assert "<script>" not in html
    assert "<p>Intro &lt;script&gt;alert(1)&lt;/script&gt; &amp; <strong>bold</strong>. Same paragraph.</p>" in html
    assert "<h2>Heading</h2>" in html
    assert "<h3>Sub</h3>" in html
    assert "<ul><li>one</li><li>two <strong>b</strong></li></ul>" in html
    assert '<th scope="col">Information</th>' in html
    assert "<td>13 months</td>" in html
