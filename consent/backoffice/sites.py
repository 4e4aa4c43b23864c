"""The back office's admin site: a password alone opens nothing.

Signing in is two steps on the admin's own pages: the password (Django's login view,
counted by django-axes), then a code from the staff member's authenticator or a backup
code (`second_factor`), or, for a staff member without an authenticator yet, enrolment
(`second_factor_enrol`). Every other admin page asks `has_permission`, which requires a
session that passed the second factor (`user.is_verified()`, from django-otp's
OTPMiddleware); a session that gave only the password is sent back to the second step."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import urlencode

from consent.accounts.auth import staff_verified
from consent.backoffice import views
from consent.backoffice.dashboard import dashboard_view


class BackOfficeAdminSite(admin.AdminSite):
    index_template = "admin/backoffice_index.html"  # Django's index, with a link to the dashboard

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and staff_verified(request.user)

    def get_urls(self):
        return [
            path("second-factor/", views.second_factor, {"site": self}, name="second_factor"),
            path("second-factor/enrol/", views.second_factor_enrol, {"site": self}, name="second_factor_enrol"),
            path("dashboard/", self.admin_view(self.dashboard), name="dashboard"),
            *super().get_urls(),
        ]

    def has_dashboard_permission(self, request) -> bool:
        """Every role sees the figures (aggregates only); a staff account without a role does not."""
        return request.user.is_superuser or bool(request.user.get_all_permissions())

    def dashboard(self, request):
        if not self.has_dashboard_permission(request):
            raise PermissionDenied
        return dashboard_view(request, self)

    def each_context(self, request):
        context = super().each_context(request)
        context["can_see_dashboard"] = self.has_permission(request) and self.has_dashboard_permission(request)
        return context

    def login(self, request, extra_context=None):
        if request.method == "GET" and views.awaiting_second_factor(request):
            return self._second_step(request)
        response = super().login(request, extra_context)
        if request.method == "POST" and views.awaiting_second_factor(request):
            # The password was right: the session is signed in, but not verified.
            return self._second_step(request)
        return response

    def _second_step(self, request) -> HttpResponseRedirect:
        next_url = request.POST.get("next") or request.GET.get("next") or ""
        url = reverse("admin:second_factor", current_app=self.name)
        return HttpResponseRedirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)
