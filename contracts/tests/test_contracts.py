"""Contracts with the implementing bodies: amendments need a reason, and a contract
differs from its decided budget line only with an explanation, shown on both pages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import make_evaluation
from contracts import actions
from contracts.models import Amendment, Contract
from core.workflow import StepRefused
from evaluation import workflow as evaluation
from organizations.models import ImplementingBody


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def budget(personas, tokyo):
    """Next year's budget (not yet decided) with Tokyo's line of 1,000,000 yen."""
    return make_evaluation(tokyo)


def record(personas, tokyo, fiscal_year, amount, **extra):
    return actions.record_contract(
        user=personas["kanto_officer"],
        body=tokyo.implementing_body,
        center=tokyo,
        fiscal_year=fiscal_year,
        signed_on=datetime.date(fiscal_year.year, 3, 20),
        start_date=datetime.date(fiscal_year.year, 4, 1),
        end_date=datetime.date(fiscal_year.year + 1, 3, 31),
        amount=amount,
        **extra,
    )


def test_an_amendment_without_a_reason_is_refused_and_changes_nothing(
    personas, tokyo, budget, client_for
):
    contract = record(personas, tokyo, budget["allocation"].fiscal_year, 1_000_000)

    with pytest.raises(StepRefused, match="reason"):
        actions.amend_contract(
            contract,
            user=personas["kanto_officer"],
            amended_on=datetime.date.today(),
            reason="  ",
            amount=1_500_000,
            end_date=contract.end_date,
        )
    page = client_for("kanto_officer").post(
        reverse("contracts:amend", args=[contract.pk]),
        {"amended_on": "2026-07-01", "amount": "1500000", "end_date": "2027-03-31", "reason": ""},
    )

    assert page.status_code == 200 and "reason" in page.content.decode().lower()
    contract.refresh_from_db()
    assert contract.amount == 1_000_000 and not Amendment.objects.exists()


def test_an_amendment_keeps_the_amounts_before_and_after_with_its_reason(personas, tokyo, budget):
    contract = record(personas, tokyo, budget["allocation"].fiscal_year, 1_000_000)

    actions.amend_contract(
        contract,
        user=personas["kanto_officer"],
        amended_on=datetime.date(2026, 7, 1),
        reason="相談件数の増加に伴う増額",
        amount=1_200_000,
        end_date=contract.end_date,
    )

    contract.refresh_from_db()
    assert (contract.original_amount, contract.amount) == (1_000_000, 1_200_000)
    amendment = contract.amendments.get()
    assert (amendment.amount_before, amendment.amount_after) == (1_000_000, 1_200_000)
    assert amendment.reason == "相談件数の増加に伴う増額"


def test_a_contract_equal_to_its_line_is_linked_when_the_budget_is_decided(personas, tokyo, budget):
    allocation = budget["allocation"]
    contract = record(personas, tokyo, allocation.fiscal_year, budget["line"].amount)
    assert contract.budget_line is None

    evaluation.decide_budget(allocation, user=personas["admin"])

    contract.refresh_from_db()
    assert contract.budget_line == budget["line"] and contract.difference == 0


def test_a_different_amount_is_linked_only_with_an_explanation_shown_on_both_pages(
    personas, tokyo, budget, client_for
):
    allocation = budget["allocation"]
    line = budget["line"]
    contract = record(personas, tokyo, allocation.fiscal_year, line.amount + 200_000)
    evaluation.decide_budget(allocation, user=personas["admin"])
    contract.refresh_from_db()
    assert contract.budget_line is None  # differs: waits for the bureau

    with pytest.raises(StepRefused, match="explain"):
        actions.link_budget_line(contract, user=personas["kanto_officer"], follow=False)
    contract.refresh_from_db()
    assert contract.budget_line is None
    actions.link_budget_line(
        contract,
        user=personas["kanto_officer"],
        follow=False,
        difference_reason="県の補助金による上乗せ",
    )

    contract.refresh_from_db()
    assert contract.difference == 200_000
    officer = client_for("kanto_officer")
    contract_page = officer.get(contract.get_absolute_url()).content.decode()
    assert "200,000" in contract_page and "県の補助金による上乗せ" in contract_page
    budget_page = officer.get(allocation.get_absolute_url()).content.decode()
    assert "県の補助金による上乗せ" in budget_page and contract.get_absolute_url() in budget_page
    # An amendment that moves the amount keeps the explanation; one to the line clears it.
    actions.amend_contract(
        contract,
        user=personas["kanto_officer"],
        amended_on=datetime.date.today(),
        reason="予算額に合わせる",
        amount=line.amount,
        end_date=contract.end_date,
    )
    contract.refresh_from_db()
    assert contract.difference == 0 and contract.difference_reason == ""


def test_following_the_line_records_an_amendment(personas, tokyo, budget):
    allocation = budget["allocation"]
    contract = record(personas, tokyo, allocation.fiscal_year, budget["line"].amount - 100_000)
    evaluation.decide_budget(allocation, user=personas["admin"])

    actions.link_budget_line(contract, user=personas["kanto_officer"], follow=True)

    contract.refresh_from_db()
    assert contract.amount == budget["line"].amount and contract.budget_line == budget["line"]
    amendment = contract.amendments.get()
    assert amendment.amount_before == budget["line"].amount - 100_000 and amendment.reason


def test_another_bureau_cannot_record_a_contract_for_the_center(personas, tokyo, budget):
    with pytest.raises(StepRefused):
        actions.record_contract(
            user=personas["kinki_officer"],
            body=tokyo.implementing_body,
            center=tokyo,
            fiscal_year=budget["allocation"].fiscal_year,
            signed_on=datetime.date(2026, 3, 1),
            start_date=datetime.date(2026, 4, 1),
            end_date=datetime.date(2027, 3, 31),
            amount=1,
        )
    assert not Contract.objects.exists()


def test_the_center_page_shows_the_bodies_that_ran_it_year_by_year(
    personas, tokyo, budget, client_for
):
    from planning.models import FiscalYear

    earlier = FiscalYear.objects.get_or_create(year=2020)[0]
    old = ImplementingBody.objects.create(name="旧実施機関財団", prefecture=tokyo.prefecture)
    actions.record_contract(
        user=personas["kanto_officer"],
        body=old,
        center=tokyo,
        fiscal_year=earlier,
        signed_on=datetime.date(2020, 3, 1),
        start_date=datetime.date(2020, 4, 1),
        end_date=datetime.date(2021, 3, 31),
        amount=50_000_000,
    )
    record(personas, tokyo, budget["allocation"].fiscal_year, 60_000_000)

    page = client_for("tokyo_manager").get(tokyo.get_absolute_url()).content.decode()

    assert "旧実施機関財団" in page and tokyo.implementing_body.name in page
    assert "50,000,000" in page and "60,000,000" in page


def test_a_new_body_is_created_by_its_name_and_runs_the_center_from_today(personas, tokyo):
    from planning.models import FiscalYear

    today = datetime.date.today()
    year = FiscalYear.objects.get_or_create(
        year=today.year if today.month >= 4 else today.year - 1
    )[0]

    contract = actions.record_contract(
        user=personas["kanto_officer"],
        body=None,
        new_body_name="東京商工会議所",
        center=tokyo,
        fiscal_year=year,
        signed_on=today,
        start_date=datetime.date(year.year, 4, 1),
        end_date=datetime.date(year.year + 1, 3, 31),
        amount=1,
    )

    tokyo.refresh_from_db()
    assert contract.body.name == "東京商工会議所" and tokyo.implementing_body == contract.body


def test_coordinators_do_not_read_contracts(personas, tokyo, budget, client_for):
    contract = record(personas, tokyo, budget["allocation"].fiscal_year, 1)
    assert client_for("tokyo_coordinator").get(contract.get_absolute_url()).status_code == 404
    assert client_for("tokyo_body").get(contract.get_absolute_url()).status_code == 200
    assert not Contract.objects.for_user(personas["tokyo_expert"]).exists()
