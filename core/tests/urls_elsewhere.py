"""A URL configuration of its own for core/tests/test_links.py."""

from django.http import HttpResponse
from django.urls import include, path

detail = [path("cases/<int:pk>/", lambda request, pk: HttpResponse(), name="case_detail")]

urlpatterns = [path("elsewhere/", include((detail, "consultations")))]
