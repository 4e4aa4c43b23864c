from django.urls import path

from consent.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("portal/", views.overview, name="overview"),
    path("portal/profile/", views.profile, name="profile"),
    path("portal/profile/verify/", views.verification_resend, name="verification-resend"),
    path("portal/choices/", views.choices, name="choices"),
    path("portal/choices/change/", views.choice_change, name="choice-change"),
    path("portal/history/", views.history, name="history"),
    path("portal/history/<int:event_id>/receipt/", views.receipt, name="receipt"),
    path("portal/history/<int:event_id>/receipt.json", views.receipt_json, name="receipt-json"),
    path("portal/requests/", views.requests, name="requests"),
    path("portal/policy/", views.policy, name="policy"),
    path("portal/security/", views.security, name="security"),
    path("portal/security/report/", views.password_compromise, name="password-compromise"),
]
