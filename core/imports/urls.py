from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.import_page, name="start"),
    path("batches/", views.BatchListView.as_view(), name="batches"),
    path("batches/<int:pk>/undo/", views.BatchUndoView.as_view(), name="undo"),
    path("<slug:kind>/", views.import_page, name="kind"),
    path("<slug:kind>/template.xlsx", views.template_download, name="template"),
]
