from django.urls import path

from consent.notices import views

app_name = "notices"

urlpatterns = [
    path("portal/policy-update/", views.policy_update, name="policy-update"),
    path("privacy/notices/dismiss/", views.notice_dismiss, name="dismiss"),
]
