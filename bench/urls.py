"""The application's URLs with `/bench/pk/` in front: the ceiling the single check is measured against."""

from django.urls import include, path

from bench.views import subject_by_pk
from config.urls import handler404, handler500  # noqa: F401 - the root URLconf names the error views

urlpatterns = [
    path("bench/pk/", subject_by_pk, name="bench-pk"),
    path("", include("config.urls")),
]
