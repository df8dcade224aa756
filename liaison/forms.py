from django import forms

from organizations.forms import DateInput

from .models import HQActivity, NationalInstitution, PublicityRequest


class HQActivityForm(forms.ModelForm):
    class Meta:
        model = HQActivity
        fields = ["date", "kind", "institutions", "description"]
        widgets = {
            "date": DateInput(),
            "institutions": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institutions"].queryset = NationalInstitution.objects.filter(is_active=True)


class PublicityRequestForm(forms.ModelForm):
    class Meta:
        model = PublicityRequest
        fields = [
            "requested_on",
            "institution",
            "medium",
            "subject",
            "status",
            "published_on",
            "note",
        ]
        widgets = {
            "requested_on": DateInput(),
            "published_on": DateInput(),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = NationalInstitution.objects.filter(is_active=True)


class NationalInstitutionForm(forms.ModelForm):
    class Meta:
        model = NationalInstitution
        fields = ["name", "kind", "order", "is_active"]
