import datetime
import re

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from accounts.models import User, UserRole
from consultations.forms import DateInput
from consultations.models import Consultation, Topic
from core.scoping import centers_editable_for, scope_centers
from organizations.models import Bureau, Center, Person, TrainingBlock, active_on

from .models import (
    EscalationLevel,
    ExpertsMeeting,
    Feedback,
    FindingCategory,
    FollowUp,
    FollowUpStatus,
    RequestOutcome,
    TrainingEvent,
    TrainingKind,
    Visit,
    VisitPlan,
)


def hq_experts():
    return User.objects.filter(role=UserRole.HQ_EXPERT, is_active=True).order_by(
        "last_name", "username"
    )


def center_staff(center, *, keep=()):
    """People on duty at the center today (and ``keep``, so an edit does not lose them)."""
    on_duty = Person.objects.filter(
        active_on(datetime.date.today(), "assignments__"), assignments__center=center
    ).values("pk")
    return Person.objects.filter(pk__in=on_duty) | Person.objects.filter(pk__in=list(keep))


class SessionChoiceField(forms.ModelMultipleChoiceField):
    """Sessions labelled by time, client (as the viewer may see it), staff and mode."""

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def label_from_instance(self, session):
        client = session.client.display_name(self.user)
        time = session.start_time.strftime("%H:%M") if session.start_time else "—"
        staff = session.lead_staff.name if session.lead_staff else "—"
        return f"{time} {client} / {staff} / {session.get_mode_display()}"


def sessions_of(user, center, day):
    if center is None or day is None:
        return Consultation.objects.none()
    return (
        Consultation.objects.for_user(user)
        .filter(center=center, date=day)
        .select_related("client", "lead_staff")
        .order_by("start_time", "pk")
    )


class VisitPickForm(forms.Form):
    """Step one of a new visit: which center, which day."""

    center = forms.ModelChoiceField(queryset=Center.objects.none(), label=_("Center"))
    date = forms.DateField(label=_("Date"), widget=DateInput())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers_editable_for(user, Visit).select_related(
            "prefecture"
        )


class VisitForm(forms.ModelForm):
    sessions = SessionChoiceField(
        queryset=Consultation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Sessions sat in on"),
    )

    class Meta:
        model = Visit
        fields = ["date", "experts", "sessions", "findings", "observations", "advice"]
        widgets = {
            "date": DateInput(),
            "experts": forms.CheckboxSelectMultiple,
            "findings": forms.CheckboxSelectMultiple,
            "observations": forms.Textarea(attrs={"rows": 4}),
            "advice": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user=None, center=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.center = user, center
        current_experts = (
            list(self.instance.experts.values_list("pk", flat=True)) if self.instance.pk else []
        )
        self.fields["experts"].queryset = hq_experts() | User.objects.filter(pk__in=current_experts)
        self.fields["findings"].queryset = FindingCategory.objects.filter(is_active=True)
        self.fields["sessions"].user = user
        day = self._day()
        sessions = sessions_of(user, center, day)
        if self.instance.pk:
            sessions = sessions | Consultation.objects.filter(
                pk__in=self.instance.sessions.values("pk")
            ).select_related("client", "lead_staff")
        self.fields["sessions"].queryset = sessions.order_by("date", "start_time", "pk")

    def _day(self):
        raw = self.data.get(self.add_prefix("date")) if self.is_bound else None
        if raw:
            try:
                return datetime.date.fromisoformat(raw)
            except ValueError:
                return None
        return self.initial.get("date") or (self.instance.date if self.instance.pk else None)

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("date")
        for session in cleaned.get("sessions") or []:
            if session.center_id != self.center.pk or (day and session.date != day):
                self.add_error(
                    "sessions",
                    _("The session of %(date)s is not a session of this center on the visit date.")
                    % {"date": f"{session.date:%Y-%m-%d}"},
                )
        return cleaned


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = ["description", "owner", "due_date", "status"]
        widgets = {"due_date": DateInput()}

    def __init__(self, *args, center=None, **kwargs):
        super().__init__(*args, **kwargs)
        keep = [self.instance.owner_id] if self.instance.owner_id else []
        self.fields["owner"].queryset = center_staff(center, keep=keep).order_by("kana")


FollowUpFormSet = inlineformset_factory(
    Visit, FollowUp, form=FollowUpForm, extra=2, can_delete=True
)


class FollowUpStatusForm(forms.ModelForm):
    """What the center changes on a follow-up: how far it is, and a note."""

    class Meta:
        model = FollowUp
        fields = ["status", "done_on", "note"]
        widgets = {"done_on": DateInput(), "note": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == FollowUpStatus.DONE:
            cleaned["done_on"] = cleaned.get("done_on") or datetime.date.today()
        else:
            cleaned["done_on"] = None
        return cleaned


class EscalationForm(forms.Form):
    level = forms.TypedChoiceField(
        choices=EscalationLevel.choices, coerce=int, label=_("Escalation level")
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label=_("Reason"), max_length=2000
    )


class MeetingReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("The advisory board's comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class VisitPlanForm(forms.ModelForm):
    """HQ's visits planned for a center in a fiscal year, and the experts who go."""

    class Meta:
        model = VisitPlan
        fields = ["fiscal_year", "center", "planned_visits", "experts", "note"]
        widgets = {
            "experts": forms.CheckboxSelectMultiple,
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers_editable_for(user, VisitPlan).select_related(
            "prefecture"
        )
        self.fields["experts"].queryset = hq_experts()
        self.fields["planned_visits"].widget.attrs.update({"min": 0, "max": 52})
        if self.instance.pk:  # the year and the center are what the plan is for
            self.fields["fiscal_year"].disabled = True
            self.fields["center"].disabled = True

    def clean_planned_visits(self):
        visits = self.cleaned_data["planned_visits"]
        if visits > 52:
            raise forms.ValidationError(_("Plan at most one visit a week (52 a year)."))
        return visits

    def clean(self):
        cleaned = super().clean()
        year, center = cleaned.get("fiscal_year"), cleaned.get("center")
        if (
            year
            and center
            and not self.instance.pk
            and VisitPlan.objects.filter(fiscal_year=year, center=center).exists()
        ):
            raise forms.ValidationError(
                _("%(center)s already has a visit plan for this fiscal year: edit that one.")
                % {"center": center.name}
            )
        return cleaned


class MeetingForm(forms.ModelForm):
    class Meta:
        model = ExpertsMeeting
        fields = ["title", "held_on", "period_start", "period_end", "report_to_agency", "policies"]
        widgets = {
            "held_on": DateInput(),
            "period_start": DateInput(),
            "period_end": DateInput(),
            "report_to_agency": forms.Textarea(attrs={"rows": 5}),
            "policies": forms.Textarea(attrs={"rows": 5}),
        }

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period ends before it starts."))
        return cleaned


class FeedbackForm(forms.ModelForm):
    class Meta:
        model = Feedback
        fields = ["center", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].empty_label = _("All centers")


FeedbackFormSet = inlineformset_factory(
    ExpertsMeeting, Feedback, form=FeedbackForm, extra=3, can_delete=True
)


class SupportRequestForm(forms.Form):
    title = forms.CharField(label=_("Subject"), max_length=200)
    topic = forms.ModelChoiceField(
        queryset=Topic.objects.filter(is_active=True), required=False, label=_("Topic")
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), label=_("What the center needs")
    )


class AssignForm(forms.Form):
    supporter = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Supporter"))

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supporter"].queryset = (
            candidates if candidates is not None else User.objects.none()
        )


class AdviceForm(forms.Form):
    advice = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label=_("Advice"))


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(choices=RequestOutcome.choices, label=_("Outcome"))
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Outcome note")
    )


class TrainingEventForm(forms.ModelForm):
    class Meta:
        model = TrainingEvent
        fields = [
            "code",
            "kind",
            "title",
            "block",
            "start_date",
            "end_date",
            "place",
            "capacity",
            "programme",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "programme": forms.Textarea(attrs={"rows": 6}),
        }

    def clean(self):
        cleaned = super().clean()
        kind, block = cleaned.get("kind"), cleaned.get("block")
        if kind == TrainingKind.BLOCK and block is None:
            self.add_error("block", _("Block training needs its block."))
        if kind and kind != TrainingKind.BLOCK and block is not None:
            self.add_error("block", _("Only block training has a block; leave it empty."))
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date is before the start date."))
        capacity = cleaned.get("capacity")
        if capacity is not None and capacity < 1:
            self.add_error("capacity", _("The capacity must be at least 1."))
        if (
            self.instance.pk
            and capacity is not None
            and capacity < self.instance.registrations.count()
        ):
            self.add_error("capacity", _("More people are already registered than this capacity."))
        return cleaned


class RegisterForm(forms.Form):
    staff_codes = forms.CharField(
        label=_("Staff codes"),
        help_text=_("One or more staff codes, separated by spaces, commas or new lines."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_staff_codes(self):
        codes = [c for c in re.split(r"[\s,、，;；]+", self.cleaned_data["staff_codes"]) if c]
        people = {p.staff_code: p for p in Person.objects.filter(staff_code__in=codes)}
        unknown = [c for c in codes if c not in people]
        if unknown:
            raise forms.ValidationError(
                _("Unknown staff codes: %(codes)s.") % {"codes": "、".join(unknown)}
            )
        return list(dict.fromkeys(people[c] for c in codes))


class CalendarFilterForm(forms.Form):
    center = forms.ModelChoiceField(
        queryset=Center.objects.none(), required=False, label=_("Center")
    )
    bureau = forms.ModelChoiceField(
        queryset=Bureau.objects.all(), required=False, label=_("Bureau")
    )
    block = forms.ModelChoiceField(
        queryset=TrainingBlock.objects.all(), required=False, label=_("Training block")
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = scope_centers(user).select_related("prefecture")


class CoverageFilterForm(forms.Form):
    fy = forms.TypedChoiceField(coerce=int, required=False, label=_("Fiscal year"))
    bureau = forms.ModelChoiceField(
        queryset=Bureau.objects.all(), required=False, label=_("Bureau")
    )
    as_of = forms.DateField(required=False, label=_("As of"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        from consultations.filtersets import fiscal_year_choices

        super().__init__(*args, **kwargs)
        self.fields["fy"].choices = fiscal_year_choices()


class ExpertAssignmentForm(forms.Form):
    """Give an HQ expert (project manager) a whole region, or single centers."""

    expert = forms.ModelChoiceField(
        queryset=User.objects.filter(role=UserRole.HQ_EXPERT, is_active=True), label=_("HQ expert")
    )
    bureaus = forms.ModelMultipleChoiceField(
        queryset=Bureau.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Regions (all their centers)"),
    )
    centers = forms.ModelMultipleChoiceField(
        queryset=Center.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        label=_("Single centers"),
    )
    replace = forms.BooleanField(
        required=False, label=_("Replace the expert's current centers (otherwise add to them)")
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("bureaus") and not cleaned.get("centers") and not cleaned.get("replace"):
            raise forms.ValidationError(_("Choose regions or centers."))
        return cleaned
