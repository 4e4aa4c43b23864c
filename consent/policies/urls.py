from django.urls import path

from consent.policies import views

app_name = "policies"

urlpatterns = [
    path("", views.privacy_policy, name="privacy-policy"),
    path("cookies/", views.cookie_notice, name="cookie-notice"),
    path("versions/", views.version_history, name="history"),
    path("<slug:slug>/versions/<int:pk>/", views.version_detail, name="version"),
    path("<slug:slug>/versions/<int:pk>/diff/<int:other_pk>/", views.version_diff, name="diff"),
]
