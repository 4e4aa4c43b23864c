from django.urls import path

from consent.decisions.unsubscribe import unsubscribe_page

urlpatterns = [
    path("unsubscribe/<str:token>/", unsubscribe_page, name="unsubscribe"),
]
