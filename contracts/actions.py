"""The contract steps: record, amend, follow the decided budget. Each is one transaction
that checks the user's scope inside it and keeps the change in the contract's history.

The contracted amount follows the decided budget line: once the Agency decides the
budget, every contract of that year whose amount equals its center's line is linked to
it; the bureau links the others, either following the line (an amendment records the
change) or explaining why the contract keeps a different amount. A linked contract and
its line never differ without an explanation.
"""

import datetime

from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _

from core.scoping import CHANGE, centers_editable_for
from core.workflow import StepRefused, step_taken
from organizations.models import Center, ImplementingBody
from planning.models import FiscalYear

from .models import Amendment, Contract


def _locked(contract: Contract, user) -> Contract:
    locked = (
        Contract.objects.for_user(user, CHANGE)
        .select_for_update(of=("self",))
        .filter(pk=contract.pk)
        .first()
    )
    if locked is None:
        raise StepRefused(_("This contract is outside your scope."))
    locked._history_user = user
    return locked


def decided_line(contract: Contract):
    """The decided budget line of the contract's center and year (None before the decision)."""
    from evaluation.models import BudgetLine

    return (
        BudgetLine.objects.filter(
            center_id=contract.center_id,
            allocation__fiscal_year_id=contract.fiscal_year_id,
            allocation__decided_at__isnull=False,
        )
        .select_related("allocation")
        .first()
    )


def _period_problem(start, end) -> str:
    return _("The period ends before it starts.") if end < start else ""


@transaction.atomic
def record_contract(
    *,
    user,
    body: ImplementingBody | None,
    center: Center,
    fiscal_year: FiscalYear,
    signed_on: datetime.date,
    start_date: datetime.date,
    end_date: datetime.date,
    amount: int,
    difference_reason: str = "",
    new_body_name: str = "",
) -> Contract:
    """The bureau records the year's contract for one of its centers (with a body on
    record, or a new one by ``new_body_name``). A contract that covers today makes its
    body the center's implementing body."""
    if not centers_editable_for(user, Contract).filter(pk=center.pk).exists():
        raise StepRefused(_("You cannot record contracts for this center."))
    problem = _period_problem(start_date, end_date)
    if problem:
        raise StepRefused(problem)
    if Contract.objects.filter(center=center, fiscal_year=fiscal_year).exists():
        raise StepRefused(
            _("%(center)s already has a contract for %(year)s: amend it instead.")
            % {"center": center.name, "year": fiscal_year}
        )
    if body is None:
        if not new_body_name.strip():
            raise StepRefused(_("Choose the implementing body, or enter a new one's name."))
        body = ImplementingBody(name=new_body_name.strip(), prefecture_id=center.prefecture_id)
        body._history_user = user
        body.save()
    contract = Contract(
        body=body,
        center=center,
        fiscal_year=fiscal_year,
        signed_on=signed_on,
        start_date=start_date,
        end_date=end_date,
        amount=amount,
        original_amount=amount,
        created_by=user,
    )
    contract._history_user = user
    line = decided_line(contract)
    if line is not None:
        _link(contract, line, difference_reason)
    contract.save()
    if start_date <= datetime.date.today() <= end_date and center.implementing_body_id != body.pk:
        center.implementing_body = body
        center._history_user = user
        center._change_reason = str(contract)
        center.save()
    return contract


def _link(contract: Contract, line, difference_reason: str) -> None:
    reason = (difference_reason or "").strip()
    if contract.amount != line.amount and not reason:
        raise StepRefused(
            _(
                "The contracted amount (%(amount)s yen) differs from the decided budget line "
                "(%(line)s yen): explain why, or follow the line."
            )
            % {"amount": f"{contract.amount:,}", "line": f"{line.amount:,}"}
        )
    contract.budget_line = line
    contract.difference_reason = reason if contract.amount != line.amount else ""


def amend_contract(
    contract: Contract,
    *,
    user,
    amended_on: datetime.date,
    reason: str,
    amount: int,
    end_date: datetime.date,
    difference_reason: str = "",
) -> Contract:
    """A change to the contract (変更契約): refused without a reason; an amount that then
    differs from the linked budget line needs its explanation too."""
    reason = (reason or "").strip()
    if not reason:
        raise StepRefused(_("Give the reason for the amendment."))
    with transaction.atomic():
        locked = _locked(contract, user)
        problem = _period_problem(locked.start_date, end_date)
        if problem:
            raise StepRefused(problem)
        if amount == locked.amount and end_date == locked.end_date:
            raise StepRefused(_("The amendment changes neither the amount nor the period."))
        Amendment.objects.create(
            contract=locked,
            amended_on=amended_on,
            reason=reason,
            amount_before=locked.amount,
            amount_after=amount,
            end_before=locked.end_date,
            end_after=end_date,
            recorded_by=user,
        )
        locked.amount, locked.end_date = amount, end_date
        if locked.budget_line_id is not None:
            _link(locked, locked.budget_line, difference_reason or locked.difference_reason)
        locked._change_reason = reason
        locked.save()
    return locked


def link_budget_line(
    contract: Contract, *, user, follow: bool, difference_reason: str = ""
) -> Contract:
    """Link the contract to its center's decided budget line: ``follow`` amends the
    contracted amount to the line's (an amendment with the reason); otherwise a
    different amount stays only with ``difference_reason``."""
    with transaction.atomic():
        locked = _locked(contract, user)
        line = decided_line(locked)
        if line is None:
            raise StepRefused(_("The budget for this fiscal year has not been decided yet."))
        if follow and locked.amount != line.amount:
            Amendment.objects.create(
                contract=locked,
                amended_on=datetime.date.today(),
                reason=_("Follows the decided budget line of %(year)s.")
                % {"year": line.allocation.fiscal_year},
                amount_before=locked.amount,
                amount_after=line.amount,
                end_before=locked.end_date,
                end_after=locked.end_date,
                recorded_by=user,
            )
            locked.amount = line.amount
        _link(locked, line, difference_reason)
        locked.save()
    return locked


@receiver(step_taken)
def link_when_decided(sender, workflow, obj, step, user, **kwargs):
    """Once the Agency decides a budget, the contracts of its year that already match
    their line are linked; the others wait for the bureau (``link_budget_line``)."""
    if sender._meta.label != "evaluation.BudgetAllocation" or step.name != "decide_budget":
        return
    lines = {line.center_id: line for line in obj.lines.all()}
    for contract in Contract.objects.filter(fiscal_year_id=obj.fiscal_year_id, budget_line=None):
        line = lines.get(contract.center_id)
        if line is not None and line.amount == contract.amount:
            contract.budget_line = line
            contract._history_user = user
            contract.save()
