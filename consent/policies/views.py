"""The public policy pages: the texts in force, every earlier version, and what changed."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from consent.policies import selectors
from consent.policies.models import PolicyDocument, PolicyVersion


def _reader_country(request) -> str:
    """?country= when it is a known code, else the signed-in user's country, else none."""
    asked = selectors.policy_country_normalise(request.GET.get("country"))
    if asked:
        return asked
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return str(getattr(user, "country", "") or "")
    return ""


def _version_page(request, version: PolicyVersion, *, current: PolicyVersion | None = None):
    language = selectors.policy_language_active()
    previous = selectors.policy_version_previous(version=version)
    if current is None and version.status != PolicyVersion.Status.PUBLISHED:
        current = selectors.policy_version_current(slug=version.document.slug, country=version.country.code or "")
    return render(
        request,
        "policies/version.html",
        {
            "document": version.document,
            "version": version,
            "text": selectors.policy_text(version=version, language=language),
            "previous": previous,
            "current": current,
            "is_current": version.status == PolicyVersion.Status.PUBLISHED,
        },
    )


def _current_page(request, kind: str):
    document = selectors.policy_document_for_kind(kind=kind)
    if document is None:
        raise Http404(_("This document has not been published yet."))
    version = selectors.policy_version_current(slug=document.slug, country=_reader_country(request))
    if version is None:
        raise Http404(_("This document has not been published yet."))
    return _version_page(request, version, current=version)


def privacy_policy(request):
    return _current_page(request, PolicyDocument.Kind.PRIVACY_POLICY)


def cookie_notice(request):
    return _current_page(request, PolicyDocument.Kind.COOKIE_NOTICE)


def version_history(request):
    language = selectors.policy_language_active()
    documents = []
    # The privacy policy first: it is what most readers come for.
    ordered = sorted(PolicyDocument.objects.all(), key=lambda d: (d.kind != PolicyDocument.Kind.PRIVACY_POLICY, d.slug))
    for document in ordered:
        rows = [
            {
                "version": version,
                "text": selectors.policy_text(version=version, language=language),
                "previous": previous,
            }
            for version, previous in selectors.policy_versions_with_previous(slug=document.slug)
        ]
        if rows:
            title = selectors.policy_document_title(document=document, language=language)
            documents.append({"document": document, "title": title, "rows": rows})
    return render(request, "policies/history.html", {"documents": documents})


def version_detail(request, slug: str, pk: int):
    version = selectors.policy_version_public_get(slug=slug, pk=pk)
    if version is None:
        raise Http404(_("No published version of this document has that number."))
    return _version_page(request, version)


def version_diff(request, slug: str, pk: int, other_pk: int):
    old = selectors.policy_version_public_get(slug=slug, pk=pk)
    new = selectors.policy_version_public_get(slug=slug, pk=other_pk)
    if old is None or new is None:
        raise Http404(_("No published version of this document has that number."))
    language = selectors.policy_language_active()
    lines = selectors.policy_version_diff(old=old, new=new, language=language)
    served = selectors.policy_diff_language(old=old, new=new, language=language)
    return render(
        request,
        "policies/diff.html",
        {
            "document": old.document,
            "old": old,
            "new": new,
            "old_text": selectors.policy_text(version=old, language=served),
            "new_text": selectors.policy_text(version=new, language=served),
            "lines": lines,
            "language": served,
            "is_fallback": served != language,
            **selectors.policy_diff_counts(lines),
        },
    )
