"""One search box for people: an email address, a phone number, a name, a subject or external
id, or a request reference, each answered by an index probe (never a scan of every person).

- email: hashed, then the subject's digest index (the address itself is stored nowhere here);
- phone: read as E.164, then the user's phone index and the subject's digest (a person known
  only by phone, from a phone or letter request);
- name: a prefix of "first last", lower-cased, through the expression index on the user's names;
- subject id (UUID) or external id: their unique indexes;
- a request reference (`SR-…`): through the resolvers registered for its prefix
  (`reference_resolver_register`, a seam like consent.accounts.scope: the requests app, above
  this one, registers its resolver when it starts). Until then such a term finds no one and
  says why.

The back office's subject list and page use `subject_search`; the user and profile-history
lists `user_search`, the same rules seen from the account."""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet, Value
from django.db.models.functions import Concat, Lower
from django.utils.translation import gettext as _

from consent.accounts.identity import InvalidIdentifier, canonical_email, canonical_phone, email_digest, phone_digest
from consent.accounts.models import Subject, User

# A resolver receives the Subject queryset and the term, and returns it narrowed.
Resolver = Callable[[QuerySet, str], QuerySet]

_resolvers: dict[str, Resolver] = {}

PHONE_RE = re.compile(r"^\+?[\d\s().-]{6,}$")
NAME_MIN_LENGTH = 2


def reference_resolver_register(prefix: str, resolver: Resolver) -> None:
    """Let terms starting with `prefix` (e.g. "SR-") be looked up by `resolver`."""
    _resolvers[prefix.upper()] = resolver


def reference_resolver_unregister(prefix: str) -> None:
    _resolvers.pop(prefix.upper(), None)


def full_name_expression():
    """lower(first_name || ' ' || last_name): the expression the name index is built on."""
    return Lower(Concat("first_name", Value(" "), "last_name"))


@dataclass
class SearchResult:
    queryset: QuerySet
    # Said to the staff member when the term was understood but cannot be looked up.
    message: str = ""


def subject_search(*, queryset: QuerySet, term: str) -> SearchResult:
    """The Subjects `term` names, narrowed from `queryset` (already scoped to the staff member)."""
    term = term.strip()
    if not term:
        return SearchResult(queryset)
    for prefix, resolver in _resolvers.items():
        if term.upper().startswith(prefix):
            return SearchResult(resolver(queryset, term))
    if "@" in term:
        try:
            return SearchResult(queryset.filter(email_digest=email_digest(term)))
        except InvalidIdentifier:
            return SearchResult(queryset.none(), _("That is not a valid email address."))
    try:
        return SearchResult(queryset.filter(pk=uuid.UUID(term)))
    except ValueError:
        pass
    if PHONE_RE.match(term):
        try:
            number = canonical_phone(term)
        except InvalidIdentifier:
            pass  # digits that are no phone number may still be an external id
        else:
            # An account's phone, or a person known only by phone (a phone or letter request),
            # whose subject is keyed by the number's digest: one probe of each index.
            by_account = Subject.objects.filter(user__phone=number)
            by_digest = Subject.objects.filter(email_digest=phone_digest(number))
            return SearchResult(_found(queryset, by_account, by_digest))
    if len(term) < NAME_MIN_LENGTH:
        return SearchResult(queryset.none(), _("Type at least two letters of a name."))
    # Two probes rather than one OR across the join, which no index answers.
    by_external_id = queryset.filter(external_id=term)
    if by_external_id.exists():
        return SearchResult(by_external_id)
    # A subquery on the users, not a filter across the (nullable) join: the index is on their table.
    users = User.objects.alias(full_name=full_name_expression()).filter(full_name__startswith=term.lower())
    return SearchResult(_found(queryset, Subject.objects.filter(user__in=users.values("pk"))))


# As many people as a list counts (CappedCountPaginator.CAP): a search naming more is narrowed.
FOUND_LIMIT = 10_000


def _found(queryset: QuerySet, *searches: QuerySet) -> QuerySet:
    """`queryset` narrowed to the ids the searches find, read first (each through its index,
    at most FOUND_LIMIT in all). Filtered by a join or a subquery instead, a list's ORDER BY
    and LIMIT lead the planner to walk every subject in id order, testing each against the
    search: a second per million subjects when few or none match."""
    ids: list = []
    for search in searches:
        ids += search.values_list("pk", flat=True)[: FOUND_LIMIT - len(ids)] if len(ids) < FOUND_LIMIT else []
    return queryset.filter(pk__in=ids)


def user_search(*, queryset: QuerySet, term: str) -> SearchResult:
    """The Users `term` names, narrowed from `queryset`. An address is matched on the account
    itself (staff accounts have no Subject), through the unique index on lower(email)."""
    term = term.strip()
    if not term:
        return SearchResult(queryset)
    if "@" in term:
        try:
            email = canonical_email(term)
        except InvalidIdentifier:
            return SearchResult(queryset.none(), _("That is not a valid email address."))
        return SearchResult(queryset.alias(email_lower=Lower("email")).filter(email_lower=email.lower()))
    result = subject_search(queryset=Subject.objects.filter(user__isnull=False), term=term)
    return SearchResult(queryset.filter(pk__in=result.queryset.values("user_id")), result.message)
