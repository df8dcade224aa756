"""The demo year of HQ support looks like the brief: visits, meetings, training."""

import datetime
import random

import pytest
from django.db.models import Count

from accounts import demo as accounts_demo
from consultations import demo as records_demo
from organizations import demo as staff_demo
from organizations import demo_institutions
from organizations.models import Center, TrainingBlock
from support import demo
from support.models import (
    AttendanceStatus,
    Escalation,
    EscalationLevel,
    EscalationNotice,
    ExpertsMeeting,
    SupportRequest,
    TrainingEvent,
    TrainingKind,
    Visit,
)


def quiet(message):
    pass


@pytest.fixture
def demo_support(db):
    rng = random.Random(5)
    staff_demo.build(rng, quiet)
    demo_institutions.build(rng, quiet)
    records_demo.build(rng, quiet, scale=0.002)
    accounts_demo.build(rng, quiet)
    demo.build(rng, quiet)


def test_a_year_of_visits_several_per_center_a_few_escalated(demo_support):
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    per_center = dict(Visit.objects.values_list("center").annotate(n=Count("pk")))
    assert len(per_center) == Center.objects.count() and min(per_center.values()) >= 3
    dates = Visit.objects.values_list("date", flat=True)
    assert min(dates) >= yesterday - datetime.timedelta(days=365) and max(dates) <= yesterday
    escalated = Visit.objects.filter(escalation_level__gt=EscalationLevel.NORMAL)
    assert 1 <= escalated.values("center").distinct().count() <= 6
    assert EscalationNotice.objects.count() >= 4
    # Each center's level is its own record, its raises kept as steps with the reason.
    held = Escalation.objects.filter(level__gt=EscalationLevel.NORMAL)
    assert set(held.values_list("center", flat=True)) == set(
        escalated.values_list("center", flat=True)
    )
    assert all(e.events.filter(action="escalate").exists() and e.reason for e in held)
    assert Visit.objects.filter(sessions__isnull=False).distinct().count() > 0
    assert all(v.experts.exists() for v in Visit.objects.all()[:20])


def test_two_meetings_with_feedback_to_centers_and_to_all(demo_support):
    meetings = list(ExpertsMeeting.objects.order_by("held_on"))
    assert len(meetings) == 2
    for meeting in meetings:
        assert meeting.feedback.filter(center__isnull=True).exists()
        assert meeting.feedback.filter(center__isnull=False).exists()


def test_the_years_national_and_block_training_with_attendance(demo_support):
    events = TrainingEvent.objects.all()
    assert events.filter(kind=TrainingKind.NATIONAL).count() == 2
    assert events.filter(kind=TrainingKind.BLOCK).count() == 2 * TrainingBlock.objects.count()
    held = events.filter(end_date__lt=datetime.date.today())
    for event in held:
        assert event.registrations.filter(status=AttendanceStatus.ATTENDED).exists()
        assert event.registrations.count() <= event.capacity
    assert SupportRequest.objects.filter(supporter__username="supporter").exists()


def test_building_twice_changes_nothing(demo_support):
    before = Visit.objects.count(), TrainingEvent.objects.count()
    demo.build(random.Random(5), quiet)
    assert (Visit.objects.count(), TrainingEvent.objects.count()) == before


def test_the_demo_visit_plan_has_one_center_behind_plan(demo_support):
    from core.fiscal import fiscal_year_of
    from evaluation import demo as evaluation_demo
    from planning import demo as plans_demo
    from support import demo_plans, visit_plans
    from surveys import demo as surveys_demo

    rng = random.Random(5)
    plans_demo.build(rng, quiet)
    surveys_demo.build(rng, quiet)
    from conftest import analyse_tables

    analyse_tables()  # before the evaluation reads the survey answers
    evaluation_demo.build(rng, quiet)
    demo_plans.build(rng, quiet)
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    rows = visit_plans.plan_rows(
        Center.objects.all(), fiscal_year=fiscal_year_of(yesterday), as_of=yesterday
    )
    assert len(rows) == Center.objects.count()
    assert [r.center.code for r in rows if r.behind] == [demo_plans.LEFT_BEHIND]
    assert all(r.planned >= 4 for r in rows)
