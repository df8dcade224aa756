from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from core import roles

from .models import SecurityPolicy, User, UserRole


class RoleScopeChecks:
    """Validation shared by the account forms."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") != roles.HQ_EXPERT and cleaned.get("assigned_centers"):
            self.add_error("assigned_centers", _("Only HQ experts have assigned centers."))
        return cleaned


class UserAccountForm(RoleScopeChecks, forms.ModelForm):
    """Role and scope of an account; assigned by the Agency administrator."""

    class Meta:
        model = User
        fields = [
            "username",
            "last_name",
            "first_name",
            "email",
            "role",
            "bureau",
            "center",
            "implementing_body",
            "assigned_centers",
            "person",
            "is_active",
        ]
        widgets = {"assigned_centers": forms.SelectMultiple(attrs={"size": 8})}


class UserCreateForm(RoleScopeChecks, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = UserAccountForm.Meta.fields
        widgets = UserAccountForm.Meta.widgets


class CodeForm(forms.Form):
    """The six-digit code of the authenticator app (or, at login, a recovery code)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class SecurityPolicyForm(forms.ModelForm):
    mfa_roles = forms.MultipleChoiceField(
        label=_("Roles that need two-step login"),
        choices=UserRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Users of these roles must set up an authenticator app at their next request "
            "and give its code at every login. A user who set one up gives the code "
            "whatever their role."
        ),
    )

    api_roles = forms.MultipleChoiceField(
        label=_("Roles that may use the API"),
        choices=UserRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Users of these roles may create personal API tokens; the tokens of other "
            "roles are refused at once."
        ),
    )

    class Meta:
        model = SecurityPolicy
        fields = ["mfa_roles", "client_retention_years", "api_roles"]
