"""Reads of policy documents and versions, for the pages, the API and the admin.

Only published and retired versions are public; drafts are read by the admin alone."""

import datetime
import difflib

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import get_language
from django_countries import countries

from consent.policies.models import PolicyDocument, PolicyVersion
from consent.policies.services import DEFAULT_LANGUAGE, policy_content_hash

PUBLIC_STATUSES = (PolicyVersion.Status.PUBLISHED, PolicyVersion.Status.RETIRED)
LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)


def policy_language_active() -> str:
    """The language LocaleMiddleware chose for this request, as a bare code (en, sv, fr)."""
    return (get_language() or "en").split("-")[0]


def policy_country_normalise(country: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code in upper case, "" for none, or None when unknown."""
    code = (country or "").strip().upper()
    if not code:
        return ""
    return code if code in countries else None


def policy_document_get(*, slug: str) -> PolicyDocument | None:
    return PolicyDocument.objects.filter(slug=slug).first()


def policy_document_for_kind(*, kind: str) -> PolicyDocument | None:
    """The document of a kind (the privacy policy, the cookie notice) the site shows."""
    return PolicyDocument.objects.filter(kind=kind).order_by("created_at", "pk").first()


def policy_version_current(
    *, slug: str, country: str = "", at: datetime.datetime | None = None
) -> PolicyVersion | None:
    """The version of document `slug` in force for `country`, falling back to the
    version for every country (country "") when the country has none of its own.

    Without `at`: the published version, which is what the site shows now (a version
    published ahead of its effective date is shown, with that date, from its
    publication on).

    With `at`: the version a reader was shown at that moment: among the versions
    already published then (published_at <= at, whatever their status today),
    the one with the latest effective_at <= at; None before the first took effect."""
    country = (country or "").upper()
    candidates = [country, ""] if country else [""]
    for code in candidates:
        versions = PolicyVersion.objects.select_related("document").filter(document__slug=slug, country=code)
        if at is None:
            version = versions.filter(status=PolicyVersion.Status.PUBLISHED).first()
        else:
            version = (
                versions.filter(status__in=PUBLIC_STATUSES, published_at__lte=at, effective_at__lte=at)
                .order_by("-effective_at", "-published_at")
                .first()
            )
        if version is not None:
            return version
    return None


def policy_versions_published(*, slug: str, country: str | None = None) -> QuerySet[PolicyVersion]:
    """Published and retired versions of a document, newest first.

    `country` None: every country's; otherwise that country's and the global ones."""
    versions = PolicyVersion.objects.select_related("document").filter(document__slug=slug, status__in=PUBLIC_STATUSES)
    if country is not None:
        versions = versions.filter(country__in={(country or "").upper(), ""})
    return versions.order_by("-effective_at", "-published_at", "-pk")


def policy_versions_with_previous(
    *, slug: str, country: str | None = None
) -> list[tuple[PolicyVersion, PolicyVersion | None]]:
    """policy_versions_published(...), each with the version of its country it followed
    (policy_version_previous's answer), from the one query."""
    versions = list(policy_versions_published(slug=slug, country=country))
    # Newest first: the version one followed is the next one of its country in the list.
    return [
        (version, next((older for older in versions[index + 1 :] if older.country == version.country), None))
        for index, version in enumerate(versions)
    ]


def policy_document_title(*, document: PolicyDocument, language: str) -> str:
    """The document's title in `language`, English where it has none."""
    return (
        getattr(document, f"title_{language}", None) or getattr(document, f"title_{DEFAULT_LANGUAGE}") or document.title
    )


def policy_version_public_get(*, slug: str, pk: int) -> PolicyVersion | None:
    """A published or retired version of document `slug`; never a draft."""
    return (
        PolicyVersion.objects.select_related("document")
        .filter(document__slug=slug, pk=pk, status__in=PUBLIC_STATUSES)
        .first()
    )


def policy_version_previous(*, version: PolicyVersion) -> PolicyVersion | None:
    """The public version of the same document and country that this one followed."""
    return (
        PolicyVersion.objects.filter(
            document_id=version.document_id,
            country=version.country,
            status__in=PUBLIC_STATUSES,
            effective_at__lte=version.effective_at,
        )
        .exclude(pk=version.pk)
        .order_by("-effective_at", "-published_at", "-pk")
        .first()
    )


def _has_body(version: PolicyVersion, language: str) -> bool:
    return language in LANGUAGE_CODES and bool((getattr(version, f"body_{language}") or "").strip())


def policy_text_language(*, version: PolicyVersion, language: str) -> str:
    """`language` when the version has a body in it, English otherwise."""
    return language if _has_body(version, language) else DEFAULT_LANGUAGE


def policy_text(*, version: PolicyVersion, language: str) -> dict:
    """The version as a reader in `language` sees it.

    Returns {"language" (the language served), "requested_language", "is_fallback",
    "title", "summary_of_changes", "body", "content_hash"}. A language the version
    has no body in is served in English; a missing title or summary in the served
    language is taken from English too. `content_hash` is the one stored at
    publication (for a draft: what it would be)."""
    served = policy_text_language(version=version, language=language)

    def pick(field: str) -> str:
        return getattr(version, f"{field}_{served}") or getattr(version, f"{field}_{DEFAULT_LANGUAGE}") or ""

    title, body = pick("title"), pick("body")
    content_hash = (version.content_hashes or {}).get(served) or policy_content_hash(title=title, body=body)
    return {
        "language": served,
        "requested_language": language,
        "is_fallback": served != language,
        "title": title,
        "summary_of_changes": pick("summary_of_changes"),
        "body": body,
        "content_hash": content_hash,
    }


def policy_diff_language(*, old: PolicyVersion, new: PolicyVersion, language: str) -> str:
    """The language two versions are compared in: `language` if both have a body in it, else English."""
    return language if _has_body(old, language) and _has_body(new, language) else DEFAULT_LANGUAGE


def policy_diff_counts(lines: list[dict[str, str]]) -> dict[str, int]:
    """{"inserted": lines only in the new version, "deleted": lines only in the old one}."""
    return {
        "inserted": sum(line["op"] == "insert" for line in lines),
        "deleted": sum(line["op"] == "delete" for line in lines),
    }


def policy_version_diff(*, old: PolicyVersion, new: PolicyVersion, language: str) -> list[dict[str, str]]:
    """A line diff of the bodies, from `old` to `new`, in `policy_diff_language(...)`.

    Returns every line of both texts in reading order as {"op": "equal" | "delete" |
    "insert", "text": line}: "delete" lines are only in `old`, "insert" lines only in
    `new` (a changed line is its deletion followed by its insertion). In these texts a
    line is a heading, a list item or a whole paragraph."""
    served = policy_diff_language(old=old, new=new, language=language)
    old_lines = (getattr(old, f"body_{served}") or "").splitlines()
    new_lines = (getattr(new, f"body_{served}") or "").splitlines()
    lines: list[dict[str, str]] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            lines.extend({"op": "equal", "text": text} for text in old_lines[old_start:old_end])
            continue
        lines.extend({"op": "delete", "text": text} for text in old_lines[old_start:old_end])
        lines.extend({"op": "insert", "text": text} for text in new_lines[new_start:new_end])
    return lines
