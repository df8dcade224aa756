"""The demo surveys: finished campaigns with answers like the real network's, one center
with too few of them, and a rebuild from scratch that works."""

import datetime
import io
import random
from decimal import Decimal

import pytest

from accounts import demo as accounts_demo
from conftest import analyse_tables
from consultations import demo as records_demo
from core.fiscal import fiscal_year_of
from organizations import demo as staff_demo
from organizations import demo_institutions
from organizations.models import Center
from planning import demo as planning_demo
from planning.models import FiscalYear
from surveys import demo, results
from surveys.models import Campaign, CampaignStatus, Recipient, Response

LAST = fiscal_year_of(datetime.date.today()) - 1


def quiet(message):
    pass


@pytest.fixture
def demo_surveys(db):
    rng = random.Random(11)
    staff_demo.build(rng, quiet)
    demo_institutions.build(rng, quiet)
    records_demo.build(rng, quiet, scale=0.01)
    accounts_demo.build(rng, quiet)
    planning_demo.build(rng, quiet)
    demo.build(rng, quiet)
    # Statistics, as autovacuum keeps them: after another test's ANALYZE of the empty
    # survey tables, the results' query joined these answers by nested loops for minutes.
    analyse_tables()


def test_the_year_being_evaluated_has_finished_campaigns_that_look_like_the_real_ones(
    demo_surveys,
):
    finished = Campaign.objects.filter(fiscal_year__year=LAST, status=CampaignStatus.CLOSED)
    assert set(finished.values_list("kind", flat=True)) == {"client", "institution"}
    for campaign in finished:
        assert campaign.version is not None and campaign.center is None
        assert campaign.responses.count() > 200
        # The recipients come from the records: consenting clients with a session that year.
        if campaign.kind == "client":
            sample = campaign.recipients.select_related("client")[:50]
            assert all(r.client.survey_consent for r in sample)
            assert all(
                r.client.consultations.filter(
                    center=r.center, date__year__in=[LAST, LAST + 1]
                ).exists()
                for r in sample
            )
    # The answered flags agree with the answers.
    assert Recipient.objects.filter(campaign__in=finished, answered=True).count() == (
        Response.objects.filter(campaign__in=finished).count()
    )

    # More than 90 % of the clients are satisfied, as in the real network ...
    rows = results.center_rows(LAST, "client", Center.objects.all())
    total = results.total_of(rows)
    assert total.satisfied >= Decimal("0.9") and Decimal("4.2") <= total.mean <= Decimal("4.7")
    assert Decimal("0.45") <= total.rate <= Decimal("0.75")
    assert results.total_of(rows, last_year=True).shown  # last year to compare with
    # ... and one center has too few answers to show.
    for kind in ("client", "institution"):
        rows = results.center_rows(LAST, kind, Center.objects.all())
        hidden = [row.center.code for row in rows if not row.figures.shown]
        assert hidden == [demo.FEW_ANSWERS_CENTER]
    scores = results.center_scores(FiscalYear.objects.get(year=LAST), "client")
    tottori = Center.objects.get(code=demo.FEW_ANSWERS_CENTER)
    assert scores[tottori.pk]["answers"] == demo.FEW_ANSWERS


def test_the_demo_reset_deletes_campaigns_before_the_records_they_point_to(tokyo):
    from conftest import answer_survey, make_campaign, survey_tokens
    from consultations.models import Client
    from core.management.commands.demo import Command

    campaign = make_campaign(tokyo, recipients=2)
    answer_survey(survey_tokens(campaign)[0], overall=5)
    make_campaign(tokyo, kind="institution", recipients=1)
    Command(stdout=io.StringIO())._reset()
    assert not Campaign.objects.exists() and not Response.objects.exists()
    assert not Client.objects.exists() and not FiscalYear.objects.exists()
