from django import forms
from django.utils.translation import gettext_lazy as _

from core.scoping import centers_editable_for
from organizations.forms import DateInput
from organizations.models import ImplementingBody
from planning.models import FiscalYear

from .models import Contract

MAX_CONTRACT_YEN = 10**12  # a trillion yen: far above any center's budget


class ContractForm(forms.Form):
    center = forms.ModelChoiceField(queryset=None, label=_("Center"))
    body = forms.ModelChoiceField(queryset=None, label=_("Implementing body"), required=False)
    new_body_name = forms.CharField(
        label=_("Or a new implementing body"),
        max_length=200,
        required=False,
        help_text=_("The name of an organisation that has not run a center before."),
    )
    fiscal_year = forms.ModelChoiceField(
        queryset=FiscalYear.objects.order_by("-year"), label=_("Fiscal year")
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput())
    start_date = forms.DateField(label=_("Period from"), widget=DateInput())
    end_date = forms.DateField(label=_("Period to"), widget=DateInput())
    amount = forms.IntegerField(
        label=_("Contracted amount (yen)"), min_value=0, max_value=MAX_CONTRACT_YEN
    )
    difference_reason = forms.CharField(
        label=_("Why the amount differs from the decided budget line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only where the year's budget is decided and the amounts differ."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        centers = centers_editable_for(user, Contract).order_by("code")
        self.fields["center"].queryset = centers
        self.fields["body"].queryset = ImplementingBody.objects.filter(
            prefecture__center__in=centers.values("pk")
        ).order_by("prefecture__code", "name")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The period ends before it starts."))
        new_name = (cleaned.get("new_body_name") or "").strip()
        if bool(cleaned.get("body")) == bool(new_name):
            self.add_error("body", _("Choose the implementing body, or enter a new one's name."))
        return cleaned


class AmendmentForm(forms.Form):
    amended_on = forms.DateField(label=_("Amended on"), widget=DateInput())
    amount = forms.IntegerField(
        label=_("Contracted amount after (yen)"), min_value=0, max_value=MAX_CONTRACT_YEN
    )
    end_date = forms.DateField(label=_("Period to, after"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason for the amendment"), widget=forms.Textarea(attrs={"rows": 3})
    )
    difference_reason = forms.CharField(
        label=_("Why the amount differs from the decided budget line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LinkForm(forms.Form):
    follow = forms.TypedChoiceField(
        label=_("Contracted amount"),
        choices=[
            ("1", _("Follow the decided budget line (recorded as an amendment)")),
            ("0", _("Keep the contracted amount, with the explanation below")),
        ],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    difference_reason = forms.CharField(
        label=_("Why the amount differs from the decided budget line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
