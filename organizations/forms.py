import datetime

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from core.scoping import centers_editable_for, is_national

from .models import (
    HQ_ROLES,
    Assignment,
    Bureau,
    Center,
    ImplementingBody,
    Person,
    Prefecture,
    Role,
    SupportInstitution,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["staff_code", "name", "kana", "email", "qualifications", "note"]
        widgets = {
            "qualifications": forms.CheckboxSelectMultiple,
            "note": forms.Textarea(attrs={"rows": 3}),
        }


class AssignmentForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = ["center", "role", "start_date", "end_date"]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers_editable_for(user, Person)
        if not is_national(user):
            self.fields["role"].choices = [
                (value, label) for value, label in Role.choices if value not in HQ_ROLES
            ]


class BaseAssignmentFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise forms.ValidationError(_("A staff member needs at least one assignment."))


AssignmentFormSet = inlineformset_factory(
    Person,
    Assignment,
    form=AssignmentForm,
    formset=BaseAssignmentFormSet,
    extra=1,
    can_delete=True,
)


class ImplementingBodyForm(forms.ModelForm):
    class Meta:
        model = ImplementingBody
        fields = ["name"]


class BureauSettingsForm(forms.ModelForm):
    class Meta:
        model = Bureau
        fields = ["appointment_agreement"]
        widgets = {"appointment_agreement": forms.RadioSelect}


class PrefectureBlockForm(forms.ModelForm):
    class Meta:
        model = Prefecture
        fields = ["training_block"]


class QualificationFilterForm(forms.Form):
    bureau = forms.ModelChoiceField(
        queryset=Bureau.objects.all(), required=False, label=_("Bureau")
    )
    center = forms.ModelChoiceField(
        queryset=Center.objects.none(), required=False, label=_("Center")
    )
    as_of = forms.DateField(required=False, label=_("As of"), widget=DateInput())

    def __init__(self, *args, centers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers
        self.fields["as_of"].initial = datetime.date.today()


class SupportInstitutionForm(forms.ModelForm):
    class Meta:
        model = SupportInstitution
        fields = [
            "name",
            "institution_type",
            "prefecture",
            "municipality",
            "contact",
            "email",
            "is_active",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        centers = centers_editable_for(user, SupportInstitution)
        self.fields["prefecture"].queryset = Prefecture.objects.filter(center__in=centers)
