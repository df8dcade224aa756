from django.urls import path

from . import page_views

app_name = "api_pages"

urlpatterns = [
    path("tokens/", page_views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", page_views.TokenRevokeView.as_view(), name="token_revoke"),
    path("v1/docs/", page_views.docs, name="docs"),
]
