"""View mixins that route every query through the model's ``for_user`` scope.

A view that shows or changes one object must derive from ``ScopedObjectMixin``;
the generated authorization test fails for any URL with an object argument whose
view does not.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from core.scoping import CHANGE, VIEW, may_edit


class ScopedQuerysetMixin:
    """Restrict ``get_queryset`` to the user's scope for ``scope_action``."""

    model = None
    scope_action = VIEW

    def get_queryset(self):
        return self.model.objects.for_user(self.request.user, self.scope_action)


class ScopedObjectMixin(ScopedQuerysetMixin):
    """An object outside the user's scope is simply not found (404)."""


class ScopedListView(ScopedQuerysetMixin, ListView):
    paginate_by = 50


class ScopedDetailView(ScopedObjectMixin, DetailView):
    pass


class ScopedSaveMixin:
    """Save in one transaction and re-check, inside it, that the object is still in scope.

    Without the re-check a user could move a record out of their own reach (or into
    another center) by editing the field that decides its scope.
    """

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            self.after_save(form)
            still_visible = (
                self.model.objects.for_user(self.request.user, CHANGE)
                .filter(pk=self.object.pk)
                .exists()
            )
            if not still_visible:
                transaction.set_rollback(True)
                raise PermissionDenied("The record would leave your scope.")
        return response

    def after_save(self, form):
        """Hook for saving related forms inside the same transaction."""


class ScopedUpdateView(ScopedSaveMixin, ScopedObjectMixin, UpdateView):
    scope_action = CHANGE


class ScopedCreateView(ScopedSaveMixin, CreateView):
    """Creation is open to the model's editor roles; the saved object must be in their scope."""

    scope_rule = (
        "creates only records that Model.objects.for_user(user, CHANGE) returns after the save"
    )

    def dispatch(self, request, *args, **kwargs):
        if not may_edit(request.user, self.model):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
