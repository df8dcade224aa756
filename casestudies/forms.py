from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.models import Client
from core.scoping import CHANGE, centers_editable_for
from core.uploads import checked_document

from .models import CaseStudy, ImpactRecord, SupportKind

CONSENT_MAX_MB = 10


class ImpactRecordForm(forms.ModelForm):
    """A client's figures; the client and the center are chosen within the user's scope."""

    class Meta:
        model = ImpactRecord
        fields = [
            "client",
            "center",
            "recorded_on",
            "point",
            "source",
            "sales",
            "operating_profit",
            "personnel_costs",
            "depreciation",
            "employees",
            "funding_amount",
            "funding_source",
            "new_products",
            "founded_on",
        ]
        widgets = {
            "recorded_on": forms.DateInput(attrs={"type": "date"}),
            "founded_on": forms.DateInput(attrs={"type": "date"}),
            "new_products": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.for_user(user, CHANGE)
        self.fields["center"].queryset = centers_editable_for(user, ImpactRecord)


class CaseStudyForm(forms.ModelForm):
    support_kinds = forms.MultipleChoiceField(
        label=_("kinds of support"),
        choices=SupportKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CaseStudy
        fields = [
            "title",
            "summary",
            "situation",
            "support",
            "results",
            "support_kinds",
            "industry",
            "size_band",
            "topics",
            "priority_fields",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "situation": forms.Textarea(attrs={"rows": 4}),
            "support": forms.Textarea(attrs={"rows": 4}),
            "results": forms.Textarea(attrs={"rows": 4}),
        }


class ConsentForm(forms.Form):
    document = forms.FileField(label=_("consent document"))
    names_client = forms.BooleanField(label=_("the client agrees to be named"), required=False)

    def clean_document(self):
        return checked_document(self.cleaned_data["document"], max_megabytes=CONSENT_MAX_MB)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


class FollowUpFiguresForm(forms.ModelForm):
    """What the client reports through a follow-up link (amounts in yen)."""

    class Meta:
        model = ImpactRecord
        fields = [
            "recorded_on",
            "sales",
            "operating_profit",
            "personnel_costs",
            "depreciation",
            "employees",
            "funding_amount",
            "funding_source",
            "new_products",
            "founded_on",
        ]
        widgets = {
            "recorded_on": forms.DateInput(attrs={"type": "date"}),
            "founded_on": forms.DateInput(attrs={"type": "date"}),
            "new_products": forms.Textarea(attrs={"rows": 2}),
        }
