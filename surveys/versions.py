"""Changing a template: in place while no campaign uses its current version, else as a
new version. Answers stay with the version (and the questions) they answered."""

from django.db import transaction
from django.utils.translation import gettext as _

from core.scoping import CHANGE
from core.workflow import StepRefused

from .models import Question, SurveyTemplate, TemplateVersion

VERSION_FIELDS = ("title", "title_en", "introduction", "introduction_en")
QUESTION_FIELDS = ("kind", "text", "text_en", "required", "choices")


def _same(version: TemplateVersion, content: dict, questions: list[dict]) -> bool:
    if any(getattr(version, name) != content.get(name, "") for name in VERSION_FIELDS):
        return False
    current = [
        {"code": q.code, **{name: getattr(q, name) for name in QUESTION_FIELDS}}
        for q in version.questions.all()
    ]
    wanted = [{"code": q["code"], **{name: q[name] for name in QUESTION_FIELDS}} for q in questions]
    return current == wanted


@transaction.atomic
def revise(
    template: SurveyTemplate, *, user, questions: list[dict], note: str = "", **content
) -> tuple[TemplateVersion, bool]:
    """Save the template's new content; returns (version, whether it is a new version).

    ``content`` holds the version's title and introduction (Japanese and English);
    ``questions`` are dicts with ``code`` and the question fields, in order.
    """
    locked = (
        SurveyTemplate.objects.for_user(user, CHANGE)
        .select_for_update(of=("self",))
        .filter(pk=template.pk)
        .first()
    )
    if locked is None:
        raise StepRefused(_("You cannot change this template."))
    if not questions:
        raise StepRefused(_("A survey needs at least one question."))
    current = locked.current_version()
    if current is not None and _same(current, content, questions):
        return current, False
    if current is not None and not current.is_frozen:
        for name in VERSION_FIELDS:
            setattr(current, name, content.get(name, ""))
        current.note = note
        current._history_user = user
        current.save()
        _replace_questions(current, questions, user)
        return current, False
    version = TemplateVersion(
        template=locked,
        number=(current.number + 1) if current else 1,
        note=note,
        created_by=user,
        **{name: content.get(name, "") for name in VERSION_FIELDS},
    )
    version._history_user = user
    version.save()
    for order, spec in enumerate(questions, start=1):
        question = Question(version=version, order=order, **spec)
        question._history_user = user
        question.save()
    return version, True


def _replace_questions(version: TemplateVersion, questions: list[dict], user) -> None:
    """Update an unused version's questions by code: change, add, remove."""
    existing = {q.code: q for q in version.questions.all()}
    wanted = {spec["code"] for spec in questions}
    for code, question in existing.items():
        if code not in wanted:
            question._history_user = user
            question.delete()
    for order, spec in enumerate(questions, start=1):
        question = existing.get(spec["code"]) or Question(version=version, code=spec["code"])
        question.order = order
        for name in QUESTION_FIELDS:
            setattr(question, name, spec[name])
        question._history_user = user
        question.save()
