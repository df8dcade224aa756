from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core import roles
from core.uploads import checked_document
from organizations.models import Center
from planning.models import FiscalYear

from .checklists import ITEM_FIELDS
from .models import (
    BudgetLine,
    ChecklistItem,
    ChecklistTemplate,
    EvaluationRules,
    GuidanceAction,
    GuidancePlan,
    Hearing,
    HearingAttachment,
    RecheckInput,
)
from .workflow import RULE_FIELDS

MAX_ATTACHMENT_MB = 20


class RulesForm(forms.ModelForm):
    class Meta:
        model = EvaluationRules
        fields = RULE_FIELDS + ["reason"]

    def __init__(self, *args, with_reason=True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_reason:
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]

    def clean(self):
        cleaned = super().clean()
        thresholds = [cleaned.get(f"threshold_{g}") for g in "sabc"]
        if (
            None not in thresholds
            and not thresholds[0] > thresholds[1] > thresholds[2] > thresholds[3]
        ):
            raise forms.ValidationError(_("Grade thresholds must fall from S to C."))
        return cleaned

    def _post_clean(self):
        # The model's own clean and uniqueness need the fiscal year and version, which
        # the workflow sets; the values are validated field by field above.
        pass


class HearingForm(forms.ModelForm):
    class Meta:
        model = Hearing
        fields = [
            "center",
            "fiscal_year",
            "template",
            "held_on",
            "bureau_evaluator",
            "hq_evaluator",
            "outside_evaluators",
            "initiatives",
            "comments",
        ]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = Center.objects.for_user(user).order_by("code")
        self.fields["fiscal_year"].queryset = FiscalYear.objects.all()
        self.fields["template"].queryset = ChecklistTemplate.objects.filter(active=True)
        if self.instance.pk:
            # The checklist decides the items scored; it is fixed once scores exist.
            for name in ("center", "fiscal_year", "template"):
                self.fields[name].disabled = True
        # The evaluators are accounts: the bureau's officers (of the center's bureau, checked
        # below) and HQ's experts and staff.
        active = User.objects.filter(is_active=True).order_by("last_name", "first_name")
        self.fields["bureau_evaluator"].queryset = active.filter(
            role__in=roles.BUREAU
        ).select_related("bureau")
        self.fields["hq_evaluator"].queryset = active.filter(role__in=roles.HQ)

    def clean(self):
        cleaned = super().clean()
        center, year = cleaned.get("center"), cleaned.get("fiscal_year")
        officer = cleaned.get("bureau_evaluator")
        if center and officer and officer.bureau_id != center.prefecture.bureau_id:
            self.add_error(
                "bureau_evaluator", _("Choose an officer of the bureau this center belongs to.")
            )
        exists = Hearing.objects.filter(center=center, fiscal_year=year).exists()
        if center and year and not self.instance.pk and exists:
            raise forms.ValidationError(_("This center already has a hearing for that year."))
        return cleaned


class ScoresForm(forms.Form):
    """One score (0–3) and comment per checklist item of a hearing."""

    def __init__(self, *args, hearing, **kwargs):
        super().__init__(*args, **kwargs)
        self.hearing = hearing
        existing = {s.item_id: s for s in hearing.scores.all()}
        self.items = list(hearing.template.items.all())
        choices = [("", "—")] + [(str(n), str(n)) for n in range(4)]
        for item in self.items:
            score = existing.get(item.pk)
            self.fields[f"score_{item.pk}"] = forms.TypedChoiceField(
                label=item.text,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial=score.score if score else None,
            )
            self.fields[f"comment_{item.pk}"] = forms.CharField(
                label=_("comment"),
                max_length=500,
                required=False,
                initial=score.comment if score else "",
            )

    def rows(self):
        return [(item, self[f"score_{item.pk}"], self[f"comment_{item.pk}"]) for item in self.items]


class AttachmentForm(forms.ModelForm):
    class Meta:
        model = HearingAttachment
        fields = ["file", "name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False

    def clean_file(self):
        return checked_document(self.cleaned_data["file"], max_megabytes=MAX_ATTACHMENT_MB)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ResultReviewForm(forms.Form):
    """The bureau's answer on one center's result: agree, or ask to re-check an input."""

    AGREE, RECHECK = "agree", "recheck"
    verdict = forms.ChoiceField(
        label=_("Review"),
        choices=[(AGREE, _("Agree")), (RECHECK, _("Ask the Agency to re-check an input"))],
        widget=forms.RadioSelect,
        initial=AGREE,
    )
    recheck_input = forms.ChoiceField(
        label=_("input to re-check"),
        choices=[("", "—"), *RecheckInput.choices],
        required=False,
    )
    comment = forms.CharField(
        label=_("bureau's comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("verdict") == self.RECHECK:
            if not cleaned.get("recheck_input"):
                self.add_error("recheck_input", _("Choose the input to re-check."))
            if not (cleaned.get("comment") or "").strip():
                self.add_error("comment", _("Say what should be re-checked."))
        return cleaned

    def step_data(self) -> dict:
        data = self.cleaned_data
        agree = data["verdict"] == self.AGREE
        return {
            "agree": agree,
            "comment": data["comment"],
            "recheck_input": "" if agree else data["recheck_input"],
        }


class BoardCommentForm(forms.Form):
    text = forms.CharField(
        label=_("The advisory board's comment"), widget=forms.Textarea(attrs={"rows": 4})
    )


class BoardReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Overall comment of the board"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class BudgetForm(forms.Form):
    """The national envelope and one base per center."""

    envelope = forms.IntegerField(label=_("national envelope (yen)"), min_value=0)

    def __init__(self, *args, centers, initial_bases=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.centers = list(centers)
        for center in self.centers:
            self.fields[f"base_{center.pk}"] = forms.IntegerField(
                label=center.name,
                min_value=0,
                initial=(initial_bases or {}).get(center.pk),
            )

    def bases(self) -> dict:
        return {center.pk: self.cleaned_data[f"base_{center.pk}"] for center in self.centers}

    def base_fields_list(self):
        return [self[f"base_{center.pk}"] for center in self.centers]


class AdjustmentForm(forms.ModelForm):
    class Meta:
        model = BudgetLine
        fields = ["adjusted_amount", "adjustment_reason"]
        widgets = {"adjustment_reason": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("adjusted_amount") is not None
            and not cleaned.get("adjustment_reason", "").strip()
        ):
            self.add_error("adjustment_reason", _("A manual adjustment needs a written reason."))
        return cleaned


class GuidancePlanForm(forms.ModelForm):
    class Meta:
        model = GuidancePlan
        fields = ["findings", "visits_per_year", "status"]


class GuidanceActionForm(forms.ModelForm):
    class Meta:
        model = GuidanceAction
        fields = ["action", "owner", "due_on", "status", "note"]
        widgets = {
            "due_on": forms.DateInput(attrs={"type": "date"}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }


class ChecklistForm(forms.ModelForm):
    class Meta:
        model = ChecklistTemplate
        fields = ["name", "active"]


class ChecklistItemForm(forms.ModelForm):
    class Meta:
        model = ChecklistItem
        fields = list(ITEM_FIELDS)
        widgets = {f: forms.Textarea(attrs={"rows": 2}) for f in ITEM_FIELDS[2:]}


ChecklistItemFormSet = forms.inlineformset_factory(
    ChecklistTemplate,
    ChecklistItem,
    form=ChecklistItemForm,
    extra=3,
    can_delete=True,
    min_num=1,
    validate_min=True,
)


class CopyChecklistForm(forms.Form):
    name = forms.CharField(label=_("name of the copy"), max_length=100)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if ChecklistTemplate.objects.filter(name=name).exists():
            raise forms.ValidationError(_("A checklist with this name exists already."))
        return name
