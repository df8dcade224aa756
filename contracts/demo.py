"""Demo contracts: the real kinds of organisation that run the centers, a yearly contract
for each center and demo year, amendments, the decided budget they follow, and two
centers whose implementing body changed (the history of bodies).

Also the bureaus' choice of who records a body's agreement to an appointment: the Kanto
bureau asks the body's own account (the demo login ``tokyo-body``), the others accept
the center's upload of the signed agreement.
"""

import datetime
import random

from django.db import transaction

from accounts.models import User, UserRole
from evaluation.models import BudgetAllocation
from evaluation.workflow import decide_budget
from organizations.models import AgreementBy, Bureau, Center, ImplementingBody
from planning.models import FiscalYear

from . import actions
from .models import Contract

# The body that runs each center today: the prefecture's SME support foundation (公社,
# 産業振興センター, 産業支援機構 …), a 商工会連合会 or a 商工会議所.
BODIES = {
    "01": "公益財団法人北海道中小企業総合支援センター",
    "02": "公益財団法人21あおもり産業総合支援センター",
    "03": "公益財団法人いわて産業振興センター",
    "04": "公益財団法人みやぎ産業振興機構",
    "05": "公益財団法人あきた企業活性化センター",
    "06": "公益財団法人山形県企業振興公社",
    "07": "福島県商工会連合会",
    "08": "公益財団法人いばらき中小企業グローバル推進機構",
    "09": "公益財団法人栃木県産業振興センター",
    "10": "公益財団法人群馬県産業支援機構",
    "11": "公益財団法人埼玉県産業振興公社",
    "12": "公益財団法人千葉県産業振興センター",
    "13": "公益財団法人東京都中小企業振興公社",
    "14": "公益財団法人神奈川産業振興センター",
    "15": "公益財団法人にいがた産業創造機構",
    "16": "公益財団法人富山県新世紀産業機構",
    "17": "公益財団法人石川県産業創出支援機構",
    "18": "公益財団法人ふくい産業支援センター",
    "19": "山梨県商工会連合会",
    "20": "公益財団法人長野県産業振興機構",
    "21": "公益財団法人岐阜県産業経済振興センター",
    "22": "公益財団法人静岡県産業振興財団",
    "23": "公益財団法人あいち産業振興機構",
    "24": "公益財団法人三重県産業支援センター",
    "25": "公益財団法人滋賀県産業支援プラザ",
    "26": "公益財団法人京都産業21",
    "27": "大阪商工会議所",
    "28": "公益財団法人ひょうご産業活性化センター",
    "29": "公益財団法人奈良県地域産業振興センター",
    "30": "公益財団法人わかやま産業振興財団",
    "31": "公益財団法人鳥取県産業振興機構",
    "32": "公益財団法人しまね産業振興財団",
    "33": "公益財団法人岡山県産業振興財団",
    "34": "公益財団法人ひろしま産業振興機構",
    "35": "公益財団法人やまぐち産業振興財団",
    "36": "公益財団法人とくしま産業振興機構",
    "37": "公益財団法人かがわ産業支援財団",
    "38": "公益財団法人えひめ産業振興財団",
    "39": "公益財団法人高知県産業振興センター",
    "40": "公益財団法人福岡県中小企業振興センター",
    "41": "公益財団法人佐賀県産業振興機構",
    "42": "公益財団法人長崎県産業振興財団",
    "43": "熊本商工会議所",
    "44": "公益財団法人大分県産業創造機構",
    "45": "公益財団法人宮崎県産業振興機構",
    "46": "鹿児島県商工会連合会",
    "47": "公益財団法人沖縄県産業振興公社",
}
# Centers whose body changed: the body that ran them until the year before last.
FORMER_BODIES = {
    "07": "公益財団法人福島県産業振興センター",
    "19": "公益財団法人やまなし産業支援機構",
}
# The current year's contracts that differ from the decided budget line.
EXPLAINED = ("22", "契約締結後に県の補助金が上乗せされたため、予算配分額より1,200,000円多い。")
UNLINKED = "40"  # the bureau has yet to follow the line or explain the difference
AMENDED = ("17", "令和6年能登半島地震からの復興に係る相談の増加に対応するため増額（変更契約）。")


def _rename_bodies() -> dict[str, ImplementingBody]:
    bodies = {}
    for center in Center.objects.select_related("implementing_body"):
        body = center.implementing_body
        if body.name != BODIES[center.code]:
            body.name = BODIES[center.code]
            body.save()
        bodies[center.code] = body
    return bodies


def _amount(rng: random.Random) -> int:
    return 40_000_000 + rng.randrange(0, 60) * 1_000_000


@transaction.atomic
def build(rng, log) -> None:
    if Contract.objects.exists():
        log("contracts: already present, skipped")
        return
    officer = User.objects.filter(role=UserRole.AGENCY_ADMIN).first()
    if officer is None:
        log("contracts: no Agency user, skipped")
        return
    bodies = _rename_bodies()
    Bureau.objects.filter(code="kanto").update(appointment_agreement=AgreementBy.BODY_ACCOUNT)
    centers = list(Center.objects.select_related("prefecture").order_by("code"))
    years = list(FiscalYear.objects.order_by("year"))
    allocation = (
        BudgetAllocation.objects.filter(fiscal_year__in=years)
        .order_by("-fiscal_year__year")
        .first()
    )
    lines = (
        {line.center.code: line for line in allocation.lines.select_related("center")}
        if allocation
        else {}
    )
    count = 0
    for fiscal_year in years:
        start, end = fiscal_year.period.start, fiscal_year.period.end
        budgeted = allocation is not None and fiscal_year.pk == allocation.fiscal_year_id
        for center in centers:
            body = bodies[center.code]
            if center.code in FORMER_BODIES and fiscal_year.year <= years[-1].year - 2:
                body, _ = ImplementingBody.objects.get_or_create(
                    name=FORMER_BODIES[center.code], prefecture=center.prefecture
                )
            amount = (
                lines[center.code].amount if budgeted and center.code in lines else _amount(rng)
            )
            if budgeted and center.code == AMENDED[0]:
                amount = round(amount / 1.15, -5)  # before the increase (amended below)
            if budgeted and center.code in (EXPLAINED[0], UNLINKED):
                amount += 1_200_000
            contract = Contract.objects.create(
                body=body,
                center=center,
                fiscal_year=fiscal_year,
                signed_on=start - datetime.timedelta(days=rng.randrange(3, 20)),
                start_date=start,
                end_date=end,
                amount=amount,
                original_amount=amount,
                created_by=officer,
            )
            count += 1
            if budgeted and center.code == AMENDED[0]:
                actions.amend_contract(
                    contract,
                    user=officer,
                    amended_on=datetime.date(fiscal_year.year, 7, 1),
                    reason=AMENDED[1],
                    amount=lines[center.code].amount,
                    end_date=end,
                )
    if allocation is not None and not allocation.is_decided:
        decide_budget(allocation, user=officer)  # links every contract equal to its line
    if allocation is not None:
        contract = Contract.objects.get(
            center__code=EXPLAINED[0], fiscal_year=allocation.fiscal_year
        )
        actions.link_budget_line(
            contract, user=officer, follow=False, difference_reason=EXPLAINED[1]
        )
    log(f"contracts: {count} contracts over {len(years)} years, bodies named, budget decided")
