from django.urls import path

from consent.banner import views

urlpatterns = [
    path("consent-banner.js", views.banner_script, name="consent-banner-js"),
    path(".well-known/gpc.json", views.gpc_statement, name="gpc-statement"),
]
