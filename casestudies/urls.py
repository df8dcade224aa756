from django.urls import path

from . import booklet, public, views

app_name = "casestudies"

urlpatterns = [
    path("", views.CaseStudyListView.as_view(), name="list"),
    path("new/", views.CaseStudyCreateView.as_view(), name="create"),
    path("<int:pk>/", views.CaseStudyDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.CaseStudyUpdateView.as_view(), name="update"),
    path("<int:pk>/consent/", views.ConsentView.as_view(), name="consent"),
    path(
        "<int:pk>/consent/document/", views.ConsentDocumentView.as_view(), name="consent_document"
    ),
    path("<int:pk>/publish/", views.publish_view, name="publish"),
    path("<int:pk>/withdraw/", views.withdraw_view, name="withdraw"),
    # The public pages (no login), for the Agency's website.
    path("public/", public.public_list, name="public_list"),
    path("public/<int:pk>/", public.public_detail, name="public_detail"),
    # A client's follow-up link (no login; the token is the whole address).
    path("f/<str:token>/", public.follow_up, name="follow_up"),
    path("booklet.pdf", booklet.booklet, name="booklet"),
    path("impact/new/", views.ImpactRecordCreateView.as_view(), name="impact_create"),
]
