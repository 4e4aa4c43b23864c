from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config import views

# The busiest URLs first, as resolving walks the list in order: the consent check, then the
# cookie banner's (every page view of the company's sites).
api_v1 = [
    path("", include("consent.decisions.api")),
    path("", include("consent.banner.api")),
    path("", include("consent.suppression.api")),
    path("", include("consent.ledger.api")),
    path("", include("consent.accounts.api")),
    path("", include("consent.policies.api")),
    path("", include("requests_app.api")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Anything else under /api/ answers in the API's error shape, DEBUG or not.
    re_path(r"^api/", views.not_found),
    path("", include("consent.notices.urls")),
    path("privacy/", include("consent.policies.urls")),
    path("", include("consent.decisions.urls")),
    path("", include("consent.banner.urls")),
    path("accounts/", include("consent.portal.account_urls")),
    path("requests/", include("requests_app.urls")),
    path("", include("consent.portal.urls")),
]

handler404 = "config.views.not_found"
handler500 = "config.views.error"

admin.site.site_header = settings.CONTROLLER_NAME
