from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consultations.indicators import STANDARD, PriorityMetric
from consultations.models import PriorityField

from .models import ActivityPolicy, BusinessPlan, FiscalYear
from .workflow import MAX_PRIORITIES, SECTIONS


class PlanContentForm(forms.Form):
    """Sections, one target per standard indicator, and up to five priority fields."""

    regional_analysis = forms.CharField(
        label=_("Analysis of the region's SMEs"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    support_landscape = forms.CharField(
        label=_("Local support landscape and needs"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    strategy = forms.CharField(
        label=_("Strategy"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    staffing = forms.CharField(
        label=_("Staffing"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    reason = forms.CharField(
        label=_("Reason for the change"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, last_year=None, with_reason=False, **kwargs):
        super().__init__(*args, **kwargs)
        last_year = last_year or {}
        if not with_reason:
            del self.fields["reason"]
        else:
            self.fields["reason"].required = True
        for indicator in STANDARD:
            self.fields[f"target_{indicator.code}"] = forms.IntegerField(
                label=indicator.label,
                min_value=0,
                help_text=_("Last year: %(value)s") % {"value": last_year.get(indicator.code, 0)},
            )
        fields = PriorityField.objects.filter(is_active=True)
        for n in range(MAX_PRIORITIES):
            self.fields[f"priority_{n}_field"] = forms.ModelChoiceField(
                fields, required=False, label=_("Priority field %(n)s") % {"n": n + 1}
            )
            self.fields[f"priority_{n}_metric"] = forms.ChoiceField(
                choices=[("", "---------"), *PriorityMetric.choices],
                required=False,
                label=_("Metric"),
            )
            self.fields[f"priority_{n}_target"] = forms.IntegerField(
                min_value=0, required=False, label=_("Target")
            )

    @classmethod
    def initial_from(cls, plan: BusinessPlan) -> dict:
        initial = {name: getattr(plan, name) for name in SECTIONS}
        for target in plan.targets.all():
            initial[f"target_{target.indicator}"] = target.target
        for n, priority in enumerate(plan.priorities.all()):
            initial[f"priority_{n}_field"] = priority.priority_field_id
            initial[f"priority_{n}_metric"] = priority.metric
            initial[f"priority_{n}_target"] = priority.target
        return initial

    def clean(self):
        cleaned = super().clean()
        chosen = 0
        for n in range(MAX_PRIORITIES):
            field, metric, target = (
                cleaned.get(f"priority_{n}_{k}") for k in ("field", "metric", "target")
            )
            if field or metric or target is not None:
                chosen += 1
                if not field:
                    self.add_error(f"priority_{n}_field", _("Choose the priority field."))
                if not metric:
                    self.add_error(f"priority_{n}_metric", _("Choose how the field is measured."))
                if target is None:
                    self.add_error(f"priority_{n}_target", _("Enter the target."))
        if chosen == 0:
            raise forms.ValidationError(_("Choose one to five priority fields."))
        picked = [
            cleaned.get(f"priority_{n}_field")
            for n in range(MAX_PRIORITIES)
            if cleaned.get(f"priority_{n}_field")
        ]
        if len(picked) != len(set(picked)):
            raise forms.ValidationError(_("A priority field appears twice."))
        return cleaned

    def content(self) -> dict:
        data = self.cleaned_data
        return {
            "sections": {name: data.get(name, "") for name in SECTIONS},
            "targets": {i.code: data[f"target_{i.code}"] for i in STANDARD},
            "priorities": [
                {
                    "field": data[f"priority_{n}_field"].pk,
                    "metric": data[f"priority_{n}_metric"],
                    "target": data[f"priority_{n}_target"],
                }
                for n in range(MAX_PRIORITIES)
                if data.get(f"priority_{n}_field")
            ],
        }


class ScheduleForm(forms.Form):
    scheduled_for = forms.DateTimeField(
        label=_("Date and time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Place"), required=False)


class InterviewForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput(attrs={"type": "date"}))
    bureau_participants = forms.CharField(label=_("Participants from the bureau"), required=False)
    hq_participants = forms.CharField(label=_("Participants from HQ"), required=False)
    center_participants = forms.CharField(label=_("Participants from the center"), required=False)
    minutes = forms.CharField(
        label=pgettext_lazy("meeting", "Minutes"), widget=forms.Textarea(attrs={"rows": 5})
    )
    changes_requested = forms.CharField(
        label=_("Changes requested"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Leave empty when the plan can be confirmed as it is."),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))], label=_("Decision")
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# The dates of the yearly cycle the Agency sets per fiscal year (the calendar).
CALENDAR_FIELDS = [
    "plan_due",
    "interview_from",
    "interview_until",
    "midyear_review_on",
    "evaluation_from",
    "evaluation_until",
    "budget_decision_on",
]


class FiscalYearForm(forms.ModelForm):
    class Meta:
        model = FiscalYear
        fields = [
            "year",
            "state",
            "warning_margin",
            *CALENDAR_FIELDS,
            "reminder_days",
        ]
        widgets = {name: forms.DateInput(attrs={"type": "date"}) for name in CALENDAR_FIELDS}

    def clean(self):
        cleaned = super().clean()
        # Each window must open before it closes.
        for start, end in (
            ("interview_from", "interview_until"),
            ("evaluation_from", "evaluation_until"),
        ):
            if cleaned.get(start) and cleaned.get(end) and cleaned[start] > cleaned[end]:
                self.add_error(end, _("The window closes before it opens."))
        return cleaned


class ActivityPolicyForm(forms.ModelForm):
    indicators = forms.MultipleChoiceField(
        choices=[(i.code, i.label) for i in STANDARD],
        widget=forms.CheckboxSelectMultiple,
        label=_("Indicators in force"),
    )

    class Meta:
        model = ActivityPolicy
        fields = ["text", "recommended_fields", "indicators"]
        widgets = {
            "recommended_fields": forms.CheckboxSelectMultiple,
            "text": forms.Textarea(attrs={"rows": 8}),
        }
