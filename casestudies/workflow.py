"""The case-study workflow: the center drafts, records the client's consent, HQ approves
and publishes; anyone who may act on it withdraws it at any time with a reason.

Business rules are plain functions here; the views only call them.
"""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import roles
from core.workflow import Step, StepRefused, Workflow, register

from .anonymity import identity_leaks
from .models import CaseStudy, CaseStudyStatus, ImpactRecord

S = CaseStudyStatus

CASE_STUDY = register(
    Workflow(
        name="casestudies.case_study",
        label=gettext_lazy("Case study"),
        model=CaseStudy,
        states=S.choices,
        steps=[
            Step(
                "draft",
                gettext_lazy("Draft a case study"),
                frozenset(),
                S.DRAFT,
                roles.CENTER_STAFF,
            ),
            Step(
                "record_consent",
                gettext_lazy("Record the client's consent"),
                frozenset({S.DRAFT}),
                S.CONSENTED,
                roles.CENTER_STAFF,
                done=gettext_lazy("The client's consent is recorded."),
            ),
            Step(
                "publish",
                gettext_lazy("Approve and publish"),
                frozenset({S.CONSENTED}),
                S.PUBLISHED,
                roles.NATIONAL,
                done=gettext_lazy("The case study is published."),
            ),
            Step(
                "withdraw",
                gettext_lazy("Withdraw"),
                frozenset({S.DRAFT, S.CONSENTED, S.PUBLISHED}),
                S.WITHDRAWN,
                roles.NATIONAL | roles.CENTER_STAFF,
                reason_required=True,
                done=gettext_lazy("The case study is withdrawn."),
            ),
        ],
        final_states=frozenset({S.WITHDRAWN}),
    )
)


def growth_percent(client, center) -> float | None:
    """Value added growth between the client's first and latest records at the center (%)."""
    values = list(
        ImpactRecord.objects.filter(client=client, center=center, value_added__isnull=False)
        .order_by("recorded_on", "id")
        .values_list("value_added", flat=True)
    )
    if len(values) < 2 or values[0] <= 0:
        return None
    return round((values[-1] - values[0]) * 100 / values[0], 1)


def draft(*, case, user, **fields) -> CaseStudy:
    """A new draft written from a solved case of the user's center."""
    CASE_STUDY.check_role("draft", user)
    if case.status != "solved":
        raise StepRefused(_("A case study is written from a solved case."))
    client = case.client
    topics = fields.pop("topics", None)
    priority_fields = fields.pop("priority_fields", None)
    with transaction.atomic():
        study = CaseStudy(
            case=case,
            center=case.center,
            industry=fields.pop("industry", "") or client.industry,
            prefecture=fields.pop("prefecture", None) or case.center.prefecture,
            value_added_growth=growth_percent(client, case.center),
            **fields,
        )
        study.save()
        study.topics.set(case.topics.all() if topics is None else topics)
        study.priority_fields.set(
            case.priority_fields.all() if priority_fields is None else priority_fields
        )
        CASE_STUDY.created(study, "draft", user=user)
    return study


def record_consent(study, *, user, document, names_client: bool = False) -> CaseStudy:
    """The client agreed to publication: the signed document is kept with the study."""
    with CASE_STUDY.taking(study, "record_consent", user=user) as taken:
        study = taken.obj
        if document is None:
            raise StepRefused(_("Attach the client's consent document."))
        study.consent_document_name = document.name[:200]
        study.consent_document_type = document.content_type
        study.consent_document = document.read()
        study.consent_names_client = names_client
    return study


def publication_problems(study) -> list[str]:
    """Why the study may not be published as it is written (empty: it may)."""
    text = " ".join([study.title, study.summary, study.situation, study.support, study.results])
    leaks = identity_leaks(text, study.case.client, name_allowed=study.consent_names_client)
    if not leaks:
        return []
    return [
        _("The text contains %(what)s; describe the business by industry, size and prefecture.")
        % {"what": "、".join(leaks)}
    ]


def publish(study, *, user) -> CaseStudy:
    with CASE_STUDY.taking(study, "publish", user=user) as taken:
        study = taken.obj
        problems = publication_problems(study)
        if problems:
            raise StepRefused(" ".join(problems))
        if not study.consent_document:
            raise StepRefused(_("The client's consent document is missing."))
        study.published_on = datetime.date.today()
    return study


def withdraw(study, *, user, reason) -> CaseStudy:
    with CASE_STUDY.taking(study, "withdraw", user=user, reason=reason) as taken:
        study = taken.obj
    return study
