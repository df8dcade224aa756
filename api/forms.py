import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import tokens


class DateInput(forms.DateInput):
    input_type = "date"


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the center's case system. Shown in the history."),
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        widget=DateInput(),
        help_text=_("The last day the token works (at most a year ahead)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = timezone.localdate() + datetime.timedelta(days=90)

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("The date is in the past."))
        if day > tokens.longest_expiry():
            raise forms.ValidationError(_("A token is valid for at most a year."))
        return day
