from django import forms

from .models import Preference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = Preference
        fields = ["email", "reminders"]
        widgets = {"email": forms.RadioSelect}
