"""/accounts/: registration, verification and Django's auth views under their usual names
(login, logout, password_reset, …), so Django's own redirects find them."""

from django.urls import path

from consent.portal import account_views as views

urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register-done"),
    path("verify/<str:token>/", views.email_verify, name="email-verify"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("password_change/", views.password_change, name="password_change"),
    path("password_change/done/", views.password_change_done, name="password_change_done"),
    path("password_reset/", views.password_reset, name="password_reset"),
    path("password_reset/done/", views.password_reset_done, name="password_reset_done"),
    path("reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("reset/done/", views.password_reset_complete, name="password_reset_complete"),
    path("compromised/", views.password_compromised_done, name="password-compromised-done"),
]
