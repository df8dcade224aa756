from django import forms
from django.utils.translation import gettext_lazy as _

from core.scoping import centers_editable_for, is_national
from planning.models import FiscalYear

from .campaigns import DEFAULT_INVITATION, default_dates
from .models import Campaign, CampaignStatus, QuestionKind, SurveyKind, SurveyTemplate

MAX_TEXT = 2000


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class AnswerForm(forms.Form):
    """The questionnaire of one version, one field per question (``q<id>``)."""

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(version.questions.all())
        for question in self.questions:
            self.fields[f"q{question.pk}"] = self._field(question)

    @staticmethod
    def _field(question):
        common = {
            "label": question.display_text(),
            "required": question.required,
            "error_messages": {"required": _("Please answer this question.")},
        }
        options = [(str(n), label) for n, label in enumerate(question.labels(), start=1)]
        if question.kind == QuestionKind.TEXT:
            return forms.CharField(
                widget=forms.Textarea(attrs={"rows": 4}),
                max_length=MAX_TEXT,
                **common,
            )
        if question.kind == QuestionKind.MULTIPLE:
            return forms.TypedMultipleChoiceField(
                choices=options, coerce=int, widget=forms.CheckboxSelectMultiple, **common
            )
        return forms.TypedChoiceField(
            choices=options, coerce=int, empty_value=None, widget=forms.RadioSelect, **common
        )

    def answers(self) -> dict:
        return {q: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}

    def rows(self):
        """(question, bound field) pairs for the template."""
        return [(q, self[f"q{q.pk}"]) for q in self.questions]


class CampaignForm(forms.ModelForm):
    """A campaign's settings; once launched only its name, expiry and text may change."""

    class Meta:
        model = Campaign
        fields = [
            "kind",
            "template",
            "fiscal_year",
            "center",
            "name",
            "period_start",
            "period_end",
            "sample_size",
            "closes_on",
            "invitation",
        ]
        widgets = {
            "period_start": DateInput(),
            "period_end": DateInput(),
            "closes_on": DateInput(),
            "invitation": forms.Textarea(attrs={"rows": 5}),
        }

    LAUNCHED_FIELDS = ("name", "closes_on", "invitation")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        centers = centers_editable_for(user, Campaign).select_related("prefecture")
        self.fields["center"].queryset = centers
        if is_national(user):
            self.fields["center"].empty_label = _("Nationwide")
        else:
            self.fields["center"].required = True
            if centers.count() == 1 and not self.instance.pk:
                self.fields["center"].initial = centers.get()
        self.fields["template"].queryset = SurveyTemplate.objects.all()
        self.fields["fiscal_year"].queryset = FiscalYear.objects.all()
        if not self.instance.pk:
            year = FiscalYear.objects.first()
            kind = self.data.get("kind") or self.initial.get("kind") or SurveyKind.CLIENT
            self.fields["kind"].initial = kind
            self.fields["invitation"].initial = DEFAULT_INVITATION.get(kind, "")
            self.fields["template"].initial = SurveyTemplate.objects.filter(
                kind=kind, is_standard=True
            ).first()
            if year:
                self.fields["fiscal_year"].initial = year
                for name, value in default_dates(year).items():
                    self.fields[name].initial = value
        elif self.instance.status != CampaignStatus.DRAFT:
            for name in self.fields:
                if name not in self.LAUNCHED_FIELDS:
                    self.fields[name].disabled = True

    def clean(self):
        data = super().clean()
        template, kind = data.get("template"), data.get("kind")
        if template and kind and template.kind != kind:
            self.add_error("template", _("This template is for another kind of survey."))
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The end of the period is before its start."))
        if data.get("sample_size") == 0:
            self.add_error("sample_size", _("A sample needs at least one recipient."))
        return data


class TemplateForm(forms.ModelForm):
    """A new template: its questions are added on the edit page, as its first version."""

    class Meta:
        model = SurveyTemplate
        fields = ["name", "kind", "code"]
        help_texts = {"code": _("Letters, digits and hyphens, e.g. client-followup.")}


class TemplateVersionForm(forms.Form):
    title = forms.CharField(label=_("Title (Japanese)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    introduction = forms.CharField(
        label=_("Introduction (Japanese)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    introduction_en = forms.CharField(
        label=_("Introduction (English)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    note = forms.CharField(label=_("What changed"), max_length=300, required=False)


class QuestionForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Stays the same across versions, so that years can be compared."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=QuestionKind.choices, initial=QuestionKind.SCALE
    )
    text = forms.CharField(label=_("Question (Japanese)"), max_length=300)
    text_en = forms.CharField(label=_("Question (English)"), max_length=300, required=False)
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    choices = forms.CharField(
        label=_("Choices"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_(
            "One per line, Japanese first, English after a “|” if wanted. A five-point scale "
            "takes five labels from the lowest to the highest, or none for the default ones."
        ),
    )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        choices = parse_choices(data.get("choices", ""))
        if kind == QuestionKind.SCALE and choices and len(choices) != 5:
            self.add_error("choices", _("A five-point scale needs exactly five labels, or none."))
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(choices) < 2:
            self.add_error("choices", _("Give at least two choices, one per line."))
        if kind == QuestionKind.TEXT and choices:
            self.add_error("choices", _("A free-text question has no choices."))
        data["choices"] = choices
        return data


def parse_choices(value: str) -> list[dict]:
    choices = []
    for line in (value or "").splitlines():
        if not line.strip():
            continue
        ja, _sep, en = line.partition("|")
        choices.append({"ja": ja.strip(), "en": en.strip()})
    return choices


def format_choices(choices: list[dict]) -> str:
    return "\n".join(
        f"{c.get('ja', '')} | {c['en']}" if c.get("en") else c.get("ja", "") for c in choices
    )


class BaseQuestionFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise forms.ValidationError(_("A survey needs at least one question."))
        codes = [f.cleaned_data["code"] for f in kept]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise forms.ValidationError(
                _("Each question needs its own code; used twice: %(codes)s")
                % {"codes": ", ".join(duplicates)}
            )


QuestionFormSet = forms.formset_factory(
    QuestionForm, formset=BaseQuestionFormSet, extra=2, can_delete=True, can_order=True
)
