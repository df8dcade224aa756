"""Contracts: the list and a contract's page for the bureau, the body and the center;
recording, amending and linking to the budget are the bureau's (``actions.py``)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.history import history_for
from core.scoping import CHANGE, may_edit, scope_rule
from core.views import FilteredListView, ScopedDetailView
from core.workflow import ChangeView, StepRefused

from . import actions
from .filtersets import ContractFilterSet
from .forms import AmendmentForm, ContractForm, LinkForm
from .models import Contract


class ContractListView(FilteredListView):
    model = Contract
    filterset_class = ContractFilterSet
    template_name = "contracts/contract_list.html"
    export_name = "contracts"
    export_title = gettext_lazy("Contracts")

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("center", "body", "fiscal_year", "budget_line")
            .order_by("-fiscal_year__year", "center__code")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["create_url"] = reverse("contracts:create")
        return context

    def export_columns(self):
        def line_amount(contract):
            return contract.budget_line.amount if contract.budget_line_id else ""

        return [
            (_("Fiscal year"), lambda c: c.fiscal_year.year),
            (_("Center"), lambda c: c.center.name),
            (_("Implementing body"), lambda c: c.body.name),
            (_("Signed on"), lambda c: c.signed_on.isoformat()),
            (_("Period from"), lambda c: c.start_date.isoformat()),
            (_("Period to"), lambda c: c.end_date.isoformat()),
            (_("Amount when signed (yen)"), lambda c: c.original_amount),
            (_("Contracted amount (yen)"), lambda c: c.amount),
            (_("Budget line (yen)"), line_amount),
            (_("Difference (yen)"), lambda c: "" if c.difference is None else c.difference),
            (_("Why the amounts differ"), lambda c: c.difference_reason),
        ]


@scope_rule(
    "records contracts only for centers_editable_for(user, Contract) (actions.record_contract)"
)
def contract_create(request):
    if not may_edit(request.user, Contract):
        raise PermissionDenied
    form = ContractForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            contract = actions.record_contract(user=request.user, **form.cleaned_data)
        except StepRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Contract recorded."))
            return redirect(contract)
    return render(
        request,
        "support/form.html",
        {"form": form, "title": _("Record a contract")},
    )


class ContractDetailView(ScopedDetailView):
    model = Contract
    template_name = "contracts/contract_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("center__prefecture__bureau", "body", "fiscal_year", "budget_line")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract = self.object
        context["amendments"] = contract.amendments.select_related("recorded_by")
        context["may_edit"] = (
            Contract.objects.for_user(self.request.user, CHANGE).filter(pk=contract.pk).exists()
        )
        context["decided_line"] = (
            actions.decided_line(contract) if contract.budget_line_id is None else None
        )
        context["history"] = history_for(contract)
        return context


class ContractChangeView(ChangeView):
    model = Contract
    scope_action = CHANGE


class AmendView(ContractChangeView):
    form_class = AmendmentForm
    title = gettext_lazy("Amend the contract")
    done = gettext_lazy("Amendment recorded.")

    def get_form(self, data=None):
        if data is None:
            obj = self.get_object()
            return AmendmentForm(initial={"amount": obj.amount, "end_date": obj.end_date})
        return AmendmentForm(data)

    def run(self, contract, form):
        return actions.amend_contract(contract, user=self.request.user, **form.cleaned_data)


class LinkView(ContractChangeView):
    form_class = LinkForm
    title = gettext_lazy("Follow the decided budget line")
    done = gettext_lazy("Linked to the decided budget line.")

    def refusal(self, contract):
        if actions.decided_line(contract) is None:
            return _("The budget for this fiscal year has not been decided yet.")
        return ""

    def confirmation_lines(self, contract):
        line = actions.decided_line(contract)
        return [
            _("Contracted amount: %(amount)s yen; decided budget line: %(line)s yen.")
            % {"amount": f"{contract.amount:,}", "line": f"{line.amount:,}"}
        ]

    def run(self, contract, form):
        return actions.link_budget_line(contract, user=self.request.user, **form.cleaned_data)
