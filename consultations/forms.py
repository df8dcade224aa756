import datetime
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from core.scoping import centers_editable_for
from core.widgets import SearchSelect
from organizations.models import Center, Person, Prefecture, SupportInstitution, active_on

from .models import (
    Case,
    CaseStatus,
    Client,
    Consultation,
    NetworkActivity,
    PriorityField,
    Topic,
    find_duplicates,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class CenterBoundForm(forms.ModelForm):
    """A record form whose center and related choices are limited to the user's scope."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        centers = centers_editable_for(user, self._meta.model)
        if "center" in self.fields:
            self.fields["center"].queryset = centers
            if centers.count() == 1 and not self.instance.pk:
                self.fields["center"].initial = centers.get()
        if "home_center" in self.fields:
            self.fields["home_center"].queryset = centers
            if centers.count() == 1 and not self.instance.pk:
                self.fields["home_center"].initial = centers.get()
        staff = Person.objects.filter(
            active_on(datetime.date.today(), "assignments__"), assignments__center__in=centers
        )
        choices = {
            "lead_staff": staff,
            "other_staff": staff,
            "staff": staff,
            "client": Client.objects.for_user(user),
            "case": Case.objects.for_user(user),
            "referred_from": SupportInstitution.objects.for_user(user).filter(is_active=True),
            "referred_to": SupportInstitution.objects.for_user(user).filter(is_active=True),
            "institutions": SupportInstitution.objects.for_user(user).filter(is_active=True),
        }
        for name, queryset in choices.items():
            if name in self.fields:
                self.fields[name].queryset = self._with_current(name, queryset)

    def _with_current(self, name, queryset):
        """Keep the record's present values choosable: an old session's coordinator
        may have left, a partner may be inactive, and editing must not lose them."""
        model = queryset.model
        current = []
        if self.instance.pk:
            value = getattr(self.instance, name)
            if hasattr(value, "all"):
                current = list(value.values_list("pk", flat=True))
            elif value is not None:
                current = [value.pk]
        return model.objects.filter(pk__in=queryset.values("pk")) | model.objects.filter(
            pk__in=current
        )


class ClientRecordForm(CenterBoundForm):
    confirm_duplicate = forms.BooleanField(
        required=False,
        label=_("Register anyway: this is a different business"),
    )

    class Meta:
        model = Client
        fields = [
            "home_center",
            "external_id",
            "business_name",
            "corporate_number",
            "form",
            "industry",
            "employees",
            "capital",
            "prefecture",
            "municipality",
            "founding_year",
            "contact_name",
            "phone",
            "email",
            "survey_consent",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prefecture"].queryset = Prefecture.objects.all()
        home = self.instance.home_center_id if self.instance.pk else None
        if home and not self.fields["home_center"].queryset.filter(pk=home).exists():
            # A center that serves a client registered elsewhere edits it, but only
            # the registering center moves it.
            self.fields["home_center"].queryset = Center.objects.filter(pk=home)
            self.fields["home_center"].disabled = True
        self.duplicates = Client.objects.none()

    def clean_corporate_number(self):
        value = self.cleaned_data.get("corporate_number", "")
        return re.sub(r"\D", "", forms.CharField().to_python(value).translate(FULL_WIDTH_DIGITS))

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        # Only the user's own scope is compared: that another center registered the same
        # business is that center's confidential information (the Agency, who sees every
        # center, finds such pairs on its own list).
        self.duplicates = find_duplicates(
            corporate_number=cleaned.get("corporate_number", ""),
            business_name=cleaned.get("business_name", ""),
            phone=cleaned.get("phone", ""),
            exclude_pk=self.instance.pk,
        ).filter(pk__in=Client.objects.for_user(self.user).values("pk"))
        if self.duplicates.exists() and not cleaned.get("confirm_duplicate"):
            raise forms.ValidationError(
                _(
                    "This business looks already registered (same corporate number, or same name "
                    "and phone). Open the existing client instead, or confirm that it is a "
                    "different business."
                ),
                code="duplicate",
            )
        return cleaned


FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


class CaseForm(CenterBoundForm):
    class Meta:
        model = Case
        fields = [
            "center",
            "client",
            "title",
            "topics",
            "priority_fields",
            "opened_on",
            "status",
            "resolved_on",
            "resolution_kind",
            "evidence",
            "referred_from",
            "referred_to",
        ]
        widgets = {
            "opened_on": DateInput(),
            "resolved_on": DateInput(),
            "topics": forms.CheckboxSelectMultiple,
            "priority_fields": forms.CheckboxSelectMultiple,
            "evidence": forms.Textarea(attrs={"rows": 3}),
            "client": SearchSelect("consultations:client_choices"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = Topic.objects.filter(is_active=True)
        self.fields["priority_fields"].queryset = PriorityField.objects.filter(is_active=True)


class ConsultationForm(CenterBoundForm):
    class Meta:
        model = Consultation
        fields = [
            "center",
            "date",
            "start_time",
            "minutes",
            "mode",
            "place",
            "client",
            "case",
            "lead_staff",
            "other_staff",
            "summary",
            "advice",
            "next_step",
        ]
        widgets = {
            "date": DateInput(),
            "start_time": TimeInput(),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "advice": forms.Textarea(attrs={"rows": 3}),
            "next_step": forms.Textarea(attrs={"rows": 2}),
            "other_staff": forms.SelectMultiple(attrs={"size": 5}),
            "client": SearchSelect("consultations:client_choices"),
            "case": SearchSelect("consultations:case_choices", include="client"),
        }

    def clean(self):
        cleaned = super().clean()
        case, client = cleaned.get("case"), cleaned.get("client")
        if case and client and case.client_id != client.pk:
            self.add_error("case", _("The case belongs to another client."))
        return cleaned


QUICK_CASES = 200


class QuickConsultationForm(ConsultationForm):
    """The coordinator's quick entry: the few fields that matter, keyboard first."""

    client_ref = forms.CharField(
        label=_("Client"),
        help_text=_("Type part of the name and pick from the list."),
        widget=forms.TextInput(
            attrs={"list": "client-options", "autocomplete": "off", "autofocus": True}
        ),
    )

    class Meta(ConsultationForm.Meta):
        fields = [
            "center",
            "date",
            "start_time",
            "minutes",
            "mode",
            "case",
            "lead_staff",
            "summary",
        ]
        # Its case list is the latest open cases (below); the client is typed in client_ref.
        widgets = {**ConsultationForm.Meta.widgets, "case": forms.Select}

    field_order = [
        "client_ref",
        "date",
        "start_time",
        "minutes",
        "mode",
        "case",
        "lead_staff",
        "summary",
        "center",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = datetime.date.today()
        if self.user and self.user.person_id and not self.is_bound:
            self.fields["lead_staff"].initial = self.user.person_id
        # The list shows the latest open cases only: every case of a large center is
        # hundreds of thousands of <option>s (docs/benchmarks.md, 2026-12-07). Any
        # case in scope is still accepted (the field's queryset validates).
        case = self.fields["case"]
        since = datetime.date.today() - datetime.timedelta(days=365)
        latest = Case.objects.for_user(self.user).filter(
            status=CaseStatus.OPEN, opened_on__gte=since
        )
        latest = latest.order_by("-opened_on", "-id")[:QUICK_CASES]
        current = [self.instance.case] if self.instance.case_id else []
        case.widget.choices = [("", case.empty_label)] + [
            (c.pk, case.label_from_instance(c)) for c in dict.fromkeys([*current, *latest])
        ]

    def clean_client_ref(self):
        value = self.cleaned_data["client_ref"]
        match = re.search(r"\[#(\d+)\]\s*$", value)
        client = None
        if match:
            client = Client.objects.for_user(self.user).filter(pk=match.group(1)).first()
        else:
            found = Client.objects.for_user(self.user).filter(external_id=value.strip())
            client = found.first()
        if client is None:
            raise forms.ValidationError(_("Pick a client from the list (or type its client ID)."))
        return client

    def clean(self):
        cleaned = super().clean()
        client = cleaned.get("client_ref")
        if client:
            self.instance.client = client
            case = cleaned.get("case")
            if case and case.client_id != client.pk:
                self.add_error("case", _("The case belongs to another client."))
        return cleaned


def client_option(client) -> str:
    """The datalist value for a client: readable, and parseable back to the record."""
    return f"{client.business_name} [#{client.pk}]"


class NetworkActivityForm(CenterBoundForm):
    class Meta:
        model = NetworkActivity
        fields = ["center", "date", "kind", "institutions", "staff", "description"]
        widgets = {
            "date": DateInput(),
            "institutions": forms.SelectMultiple(attrs={"size": 8}),
            "staff": forms.SelectMultiple(attrs={"size": 5}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
