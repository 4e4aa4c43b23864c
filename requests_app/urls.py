from django.urls import path

from requests_app import views

app_name = "requests"

urlpatterns = [
    path("new/", views.request_new, name="new"),
    path("verify/<str:token>/", views.request_verify, name="verify"),
    path("<str:reference>/", views.request_status, name="status"),
    path("<str:reference>/download/", views.request_download, name="download"),
]
