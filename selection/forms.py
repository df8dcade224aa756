from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core import roles
from core.scoping import scope_centers
from core.uploads import checked_document
from organizations.forms import DateInput
from organizations.models import Person, Qualification

from .appointments import proposal_problems
from .models import (
    SCORE_MAX,
    SCORE_MIN,
    Candidate,
    Decision,
    MemberSource,
    RoundKind,
)
from .terms import term_problems


class TermDatesMixin:
    """Terms run by fiscal year: the end is a 31 March after the start."""

    start_field, end_field = "term_start", "term_end"

    def clean(self):
        cleaned = super().clean()
        problems = term_problems(cleaned.get(self.start_field), cleaned.get(self.end_field))
        if "end" in problems:
            self.add_error(self.end_field, problems["end"])
        return cleaned


class RoundForm(TermDatesMixin, forms.Form):
    center = forms.ModelChoiceField(queryset=None, label=_("Center"))
    kind = forms.ChoiceField(choices=RoundKind.choices, label=_("Kind"), initial=RoundKind.NEW)
    term_start = forms.DateField(label=_("Term starts"), widget=DateInput())
    term_end = forms.DateField(
        label=_("Term ends"),
        widget=DateInput(),
        help_text=_("The 31 March that closes the term's last fiscal year."),
    )
    notes = forms.CharField(
        label=_("Purpose and conditions"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, user=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["center"], self.fields["kind"]
        else:
            self.fields["center"].queryset = scope_centers(user).order_by("code")


class CriterionForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Criterion"), max_length=100)
    description = forms.CharField(label=_("What it looks at"), max_length=300, required=False)
    weight = forms.IntegerField(label=_("Weight"), min_value=1, max_value=100)


CriteriaFormSet = forms.formset_factory(CriterionForm, extra=1, can_delete=True)


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=None,
        label=_("Member"),
        help_text=_(
            "Advisory-board seats are for the board's sitting members, linked to their HQ "
            "staff records; the bureau's picks are review-committee accounts."
        ),
    )
    source = forms.ChoiceField(choices=MemberSource.choices, label=_("Seat"))
    affiliation = forms.CharField(
        label=_("Affiliation"),
        max_length=200,
        required=False,
        help_text=_("For the bureau's picks; a board member's seat shows the staff record."),
    )

    def __init__(self, *args, round_=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.filter(role__in=roles.COMMITTEE, is_active=True)
            .exclude(pk__in=round_.members.values("user"))
            .select_related("person")
        )


class CandidateForm(forms.ModelForm):
    document = forms.FileField(
        label=_("Add a document"),
        required=False,
        help_text=_("A CV, a statement or a certificate; at most 10 MB."),
    )
    document_title = forms.CharField(label=_("Document title"), max_length=200, required=False)

    class Meta:
        model = Candidate
        fields = ["person", "name", "kana", "current_position", "career", "qualifications", "note"]
        widgets = {
            "qualifications": forms.CheckboxSelectMultiple,
            "career": forms.Textarea(attrs={"rows": 5}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.for_user(user).order_by("kana")
        self.fields["qualifications"].queryset = Qualification.objects.all()
        self.fields["name"].required = False
        self.fields["name"].help_text = _("Taken from the staff record when one is chosen.")

    def clean(self):
        cleaned = super().clean()
        person = cleaned.get("person")
        if person is not None:
            cleaned["name"] = cleaned.get("name") or person.name
            cleaned["kana"] = cleaned.get("kana") or person.kana
            if not cleaned.get("qualifications"):
                cleaned["qualifications"] = person.qualifications.all()
        elif not cleaned.get("name"):
            self.add_error("name", _("Enter the candidate's name, or choose the staff record."))
        return cleaned

    def clean_document(self):
        upload = self.cleaned_data.get("document")
        return upload and checked_document(upload, max_megabytes=10)

    def candidate_fields(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("person", "name", "kana", "current_position", "career", "note")
        }


class DeclarationForm(forms.Form):
    """For every candidate: a conflict of interest or not, and its nature."""

    def __init__(self, *args, sheets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sheets = list(sheets)
        for sheet in self.sheets:
            key = sheet.candidate_id
            self.fields[f"conflict_{key}"] = forms.ChoiceField(
                label=sheet.candidate.name,
                choices=[("no", _("No conflict of interest")), ("yes", _("Conflict of interest"))],
                widget=forms.RadioSelect,
                initial={True: "yes", False: "no"}.get(sheet.conflict),
            )
            self.fields[f"reason_{key}"] = forms.CharField(
                label=_("Nature of the conflict"),
                required=False,
                initial=sheet.conflict_reason,
                widget=forms.TextInput(attrs={"placeholder": _("e.g. a former colleague")}),
            )

    def clean(self):
        cleaned = super().clean()
        for sheet in self.sheets:
            key = sheet.candidate_id
            if cleaned.get(f"conflict_{key}") == "yes" and not cleaned.get(f"reason_{key}", ""):
                self.add_error(f"reason_{key}", _("Describe the conflict of interest."))
        return cleaned

    def rows(self):
        return [
            (s, self[f"conflict_{s.candidate_id}"], self[f"reason_{s.candidate_id}"])
            for s in self.sheets
        ]

    def declarations(self) -> dict:
        return {
            s.candidate_id: (
                self.cleaned_data[f"conflict_{s.candidate_id}"] == "yes",
                self.cleaned_data.get(f"reason_{s.candidate_id}", ""),
            )
            for s in self.sheets
        }


SCORE_CHOICES = [(str(n), str(n)) for n in range(SCORE_MIN, SCORE_MAX + 1)]


class ScoreForm(forms.Form):
    """One score from 1 to 5 per criterion, and a comment."""

    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, criteria=(), entries=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        entries = entries or {}
        for criterion in self.criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.TypedChoiceField(
                label=f"{criterion.name}（{_('weight')} {criterion.weight}）",
                help_text=criterion.description,
                choices=SCORE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "scale"}),
                initial=str(entries[criterion.pk]) if criterion.pk in entries else None,
                error_messages={"required": _("Score this criterion from 1 to 5.")},
            )
        self.order_fields([f"criterion_{c.pk}" for c in self.criteria] + ["comment"])

    def scores(self) -> dict:
        return {c.pk: self.cleaned_data[f"criterion_{c.pk}"] for c in self.criteria}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=Decision.choices, widget=forms.RadioSelect, label=_("Decision")
    )
    nominee = forms.ModelChoiceField(queryset=None, required=False, label=_("Nominee"))
    reason = forms.CharField(
        label=_("Reason for the decision"), widget=forms.Textarea(attrs={"rows": 4})
    )
    staff_code = forms.CharField(
        label=_("Staff code for a new staff record"),
        max_length=20,
        required=False,
        help_text=_("Only for a nominee who is not yet on the staff records."),
    )

    def __init__(self, *args, round_=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nominee"].queryset = round_.candidates.all()

    def clean(self):
        cleaned = super().clean()
        nominee = cleaned.get("nominee")
        if cleaned.get("decision") == Decision.NOMINATE:
            if nominee is None:
                self.add_error("nominee", _("Choose the candidate to nominate."))
            elif nominee.person_id is None and not cleaned.get("staff_code"):
                self.add_error(
                    "staff_code",
                    _("%(name)s has no staff record yet: enter the staff code to create it.")
                    % {"name": nominee.name},
                )
        elif cleaned.get("decision") == Decision.NONE and nominee is not None:
            self.add_error("nominee", _("Leave the nominee empty when nominating no one."))
        return cleaned


class DecisionCorrectionForm(DecisionForm):
    """A corrected decision: the decision as it should be, and why it is corrected."""

    term_end = forms.DateField(label=_("Term ends"), widget=DateInput)
    correction_reason = forms.CharField(
        label=_("Reason for the correction"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, round_=None, **kwargs):
        super().__init__(*args, round_=round_, **kwargs)
        self.round = round_

    def clean(self):
        cleaned = super().clean()
        for message in term_problems(self.round.term_start, cleaned.get("term_end")).values():
            self.add_error("term_end", message)
        return cleaned


# --- Coordinator appointments ------------------------------------------------------------


class ProposalForm(TermDatesMixin, forms.Form):
    start_field, end_field = "start_date", "end_date"

    person = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("Staff record"),
        help_text=_("Choose an existing staff member, or fill in the name and staff code below."),
    )
    name = forms.CharField(label=_("Full name"), max_length=100, required=False)
    kana = forms.CharField(label=_("Kana"), max_length=100, required=False)
    staff_code = forms.CharField(label=_("Staff code"), max_length=20, required=False)
    career = forms.CharField(
        label=_("Career"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    reason = forms.CharField(
        label=_("Reason for the proposal"), widget=forms.Textarea(attrs={"rows": 3})
    )
    start_date = forms.DateField(label=_("Term starts"), widget=DateInput())
    end_date = forms.DateField(
        label=_("Term ends"),
        widget=DateInput(),
        help_text=_("The 31 March that closes the term's last fiscal year."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["person"].queryset = Person.objects.for_user(user).order_by("kana")

    def clean(self):
        cleaned = super().clean()
        problems = proposal_problems(
            center=self.user.center,
            person=cleaned.get("person"),
            name=cleaned.get("name"),
            staff_code=cleaned.get("staff_code"),
            start_date=cleaned.get("start_date"),
            end_date=cleaned.get("end_date"),
        )
        for name, message in problems.items():
            if name not in self.errors:
                self.add_error(name, message)
        return cleaned


class AgreementForm(forms.Form):
    signatory = forms.CharField(
        label=_("Signatory of the implementing body"),
        max_length=200,
        help_text=_("The name and title of the person who signed the agreement."),
    )
    agreed_on = forms.DateField(label=_("Agreed on"), widget=DateInput())
    document = forms.FileField(
        label=_("Signed agreement"),
        required=False,
        help_text=_(
            "Needed when the center records the agreement for the implementing body: "
            "the agreement it signed (PDF or a scan)."
        ),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, for_body=False, **kwargs):
        super().__init__(*args, **kwargs)
        if for_body:  # the body agrees itself: nothing to upload
            del self.fields["document"]

    def clean_document(self):
        upload = self.cleaned_data.get("document")
        return upload and checked_document(upload, max_megabytes=10)


class ApprovalForm(forms.Form):
    note = forms.CharField(
        label=_("Consultation note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the bureau was consulted on and concluded."),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ConfirmForm(forms.Form):
    """A step with nothing to fill in."""
