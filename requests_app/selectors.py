"""Reads about subject requests: routing, the requester's and the staff's views."""

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from consent.accounts.models import Subject, User
from consent.accounts.search import FOUND_LIMIT, NAME_MIN_LENGTH, PHONE_RE, SearchResult, subject_search
from requests_app.models import AccessExport, RepresentativeOffice, RequestLetter, SubjectRequest


def office_for_country(country: str) -> RepresentativeOffice | None:
    """The office serving `country`, else the default office."""
    country = (country or "").upper()
    if country:
        office = RepresentativeOffice.objects.filter(countries__contains=[country]).order_by("pk").first()
        if office is not None:
            return office
    return RepresentativeOffice.objects.filter(is_default=True).first()


def requests_of_subject(*, subject: Subject) -> QuerySet[SubjectRequest]:
    return SubjectRequest.objects.filter(subject=subject).select_related("office").order_by("-received_at")


def request_by_reference(*, reference: str) -> SubjectRequest | None:
    return SubjectRequest.objects.select_related("office", "subject").filter(reference=reference).first()


def export_available(*, request: SubjectRequest) -> AccessExport | None:
    """The request's export while it may still be downloaded."""
    return AccessExport.objects.filter(request=request, expires_at__gt=timezone.now()).only("expires_at").first()


def request_serialise(request: SubjectRequest) -> dict:
    """A request as its requester sees it (the status page, the API, the access export)."""
    return {
        "reference": request.reference,
        "type": request.type,
        "status": request.status,
        "received_at": request.received_at,
        "due_at": request.due_at,
        "paused_since": request.paused_at,
        "extended": request.extended_at is not None,
        "resolution": request.resolution,
        "rejection_reason": request.rejection_reason,
        "events": [
            {"occurred_at": event.occurred_at, "kind": event.kind, "to_status": event.to_status}
            for event in request.events.all()
        ],
    }


def offices_of_staff(*, user: User) -> QuerySet[RepresentativeOffice]:
    return RepresentativeOffice.objects.filter(staff=user)


def office_subjects_scope(*, user: User, queryset: QuerySet) -> QuerySet:
    """The scope registered with consent.accounts.scope: a staff member who belongs to offices
    sees the people of those offices (a request routed there, or an account in a country they
    serve; the default office also has the people of countries no office serves). Staff who
    belong to no office (privacy officers, auditors) are not narrowed."""
    offices = list(offices_of_staff(user=user))
    if not offices:
        return queryset
    countries = sorted({country for office in offices for country in office.countries})
    match = Q(subject_requests__office__in=offices) | Q(user__country__in=countries)
    if any(office.is_default for office in offices):
        served = RepresentativeOffice.objects.exclude(countries=[]).values_list("countries", flat=True)
        elsewhere = {country for row in served for country in row} - set(countries)
        match |= Q(user__isnull=True, subject_requests__isnull=True) | ~Q(user__country__in=sorted(elsewhere))
    return queryset.filter(pk__in=Subject.objects.filter(match).values("pk"))


def requests_for_staff(*, user: User, queryset: QuerySet | None = None) -> QuerySet[SubjectRequest]:
    """The requests a staff member works on: their offices' queue, or every one if they belong to none."""
    queryset = SubjectRequest.objects.all() if queryset is None else queryset
    if user.is_superuser:
        return queryset
    offices = offices_of_staff(user=user)
    return queryset.filter(office__in=offices) if offices.exists() else queryset


def letters_to_post(*, request: SubjectRequest | None = None) -> QuerySet[RequestLetter]:
    """Letters written and not posted yet (of one request, or of all), while their requests
    still have contact data to post them to."""
    letters = RequestLetter.objects.filter(posted_at__isnull=True, request__contact_purged_at__isnull=True)
    return letters if request is None else letters.filter(request=request)


def requests_search(*, queryset: QuerySet[SubjectRequest], term: str) -> SearchResult:
    """The requests `term` names, narrowed from `queryset` (a staff member's queue): a
    reference; else the requests of the people the back office's search finds (email, phone,
    account name, ids) and, for a name, of the requesters who gave a name starting with it
    (a letter or a call from someone without an account). Each through its index, the ids
    read first (consent.accounts.search: a subquery would make the queue's ORDER BY and
    LIMIT walk every request)."""
    term = term.strip()
    if not term:
        return SearchResult(queryset)
    if term.upper().startswith("SR-"):
        return SearchResult(queryset.filter(reference=term.upper()))
    people = subject_search(queryset=Subject.objects.all(), term=term)
    subject_ids = list(people.queryset.values_list("pk", flat=True)[:FOUND_LIMIT])
    ids = list(queryset.filter(subject_id__in=subject_ids).values_list("pk", flat=True)[:FOUND_LIMIT])
    if "@" not in term and len(term) >= NAME_MIN_LENGTH and not PHONE_RE.match(term):
        named = queryset.alias(name=Lower("requester_name")).filter(name__startswith=term.lower())
        ids += named.values_list("pk", flat=True)[:FOUND_LIMIT]
        return SearchResult(queryset.filter(pk__in=ids))
    return SearchResult(queryset.filter(pk__in=ids), people.message)
