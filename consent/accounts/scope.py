"""Which people a staff member may see: the seam where representative offices plug in.

A customer representative works on their own office's people only. Offices live in
`requests_app`, above this app, so the rule cannot be written here: the app that owns
offices registers a scope when it starts (`subject_scope_register` in its AppConfig.ready),
and every back-office list and page about people passes through `subjects_for_staff`
(the subject, user and consent-event admins today; the subject page and requests next).
A scope receives the staff member and a Subject queryset and returns it narrowed.

Until a scope is registered, nothing is narrowed: every role that may see people sees
all of them. Superusers are never narrowed."""

from collections.abc import Callable

from django.db.models import Q, QuerySet

from consent.accounts.models import Subject, User

SubjectScope = Callable[..., QuerySet]

_scopes: list[SubjectScope] = []


def subject_scope_register(scope: SubjectScope) -> None:
    """Add a scope: `scope(*, user, queryset) -> queryset` over Subjects. Idempotent."""
    if scope not in _scopes:
        _scopes.append(scope)


def subject_scope_unregister(scope: SubjectScope) -> None:
    if scope in _scopes:
        _scopes.remove(scope)


def subjects_for_staff(*, user: User, queryset: QuerySet | None = None) -> QuerySet:
    """The Subjects `user` may see, as a queryset (no query is run here)."""
    queryset = Subject.objects.all() if queryset is None else queryset
    if user.is_superuser:
        return queryset
    for scope in _scopes:
        queryset = scope(user=user, queryset=queryset)
    return queryset


def subject_filter_for_staff(*, user: User, field: str) -> Q:
    """A filter for any model that points at a Subject through `field` (e.g. "subject"):
    empty when no scope applies, so an unscoped list costs no extra join or subquery."""
    if user.is_superuser or not _scopes:
        return Q()
    return Q(**{f"{field}__in": subjects_for_staff(user=user).values("pk")})


def subject_visible_to_staff(*, user: User, subject_id) -> bool:
    """Whether a staff member may see this one person; no query while no scope is registered."""
    if user.is_superuser or not _scopes:
        return True
    return subjects_for_staff(user=user).filter(pk=subject_id).exists()
