"""HQ's own liaison: shown on the national dashboard apart from the centers' figures, and
never counted in a center's, a bureau's or the nation's network activities."""

import datetime

import pytest
from django.urls import reverse

from conftest import make_activity
from consultations.indicators import NETWORK_ACTIVITIES, STANDARD, compute
from core.fiscal import Period
from liaison.models import HQActivity, NationalInstitution, PublicityRequest
from organizations.models import Bureau, Center
from planning.models import FiscalYear

FY = 2025
PERIOD = Period.fiscal_year(FY)


def indicators_everywhere():
    """Every center's, every bureau's and the nation's indicators for the year."""
    by_center = compute(STANDARD, period=PERIOD, group="center")
    by_bureau = {
        bureau.code: compute(
            STANDARD, period=PERIOD, centers=Center.objects.filter(prefecture__bureau=bureau)
        )
        for bureau in Bureau.objects.all()
    }
    return by_center, by_bureau, compute(STANDARD, period=PERIOD)


def record_hq_liaison(client):
    """Three HQ activities and two publicity requests, through HQ's own pages."""
    jetro, chamber = NationalInstitution.objects.filter(
        name__in=["独立行政法人日本貿易振興機構（JETRO）", "日本商工会議所"]
    ).order_by("order")
    for day, institution in (("2025-05-10", chamber), ("2025-08-01", jetro), ("2026-01-20", jetro)):
        response = client.post(
            reverse("liaison:activity_create"),
            {
                "date": day,
                "kind": "meeting",
                "institutions": [institution.pk],
                "description": "全国本部の連携会議（秘）",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    for day in ("2025-06-01", "2025-09-01"):
        response = client.post(
            reverse("liaison:publicity_create"),
            {
                "requested_on": day,
                "institution": chamber.pk,
                "medium": "bulletin",
                "subject": "拠点の紹介記事",
                "status": "requested",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]


def test_hq_activities_change_no_indicator_and_show_apart_on_the_national_dashboard(
    client_for, personas, tokyo, osaka
):
    FiscalYear.objects.create(year=FY)
    make_activity(tokyo, datetime.date(2025, 5, 1))
    make_activity(tokyo, datetime.date(2025, 9, 1))
    make_activity(osaka, datetime.date(2025, 7, 1))
    before = indicators_everywhere()

    record_hq_liaison(client_for("hq"))

    assert HQActivity.objects.count() == 3 and PublicityRequest.objects.count() == 2
    by_center, by_bureau, nation = indicators_everywhere()
    assert (by_center, by_bureau, nation) == before
    # By hand: Tokyo 2, Osaka 1, Kanto 2, Kinki 1, the nation 3, every other center 0.
    code = NETWORK_ACTIVITIES.code
    assert by_center[tokyo.pk][code] == 2 and by_center[osaka.pk][code] == 1
    assert sum(values.get(code, 0) for values in by_center.values()) == 3
    assert by_bureau["kanto"][code] == 2 and by_bureau["kinki"][code] == 1
    assert sum(values[code] for values in by_bureau.values()) == 3
    assert nation[code] == 3

    page = client_for("hq").get(reverse("planning:national_dashboard"), {"fy": FY})
    html = page.content.decode()
    assert 'data-testid="hq-activities-count"' in html
    hq_figure = html.split('data-testid="hq-activities-count"')[1].split("</dd>")[0]
    assert ">3<" in hq_figure
    publicity = html.split('data-testid="hq-publicity-count"')[1].split("</dd>")[0]
    assert ">2<" in publicity


def test_no_center_or_bureau_user_sees_hq_liaison_anywhere(client_for, personas, tokyo):
    from api import tokens

    record_hq_liaison(client_for("hq"))
    activity = HQActivity.objects.first()
    for persona in ("tokyo_coordinator", "tokyo_manager", "kanto_officer", "tokyo_expert"):
        client = client_for(persona)
        assert client.get(activity.get_absolute_url()).status_code == 404, persona
        assert client.get(reverse("liaison:activity_list")).status_code in (200, 403)
        assert (
            "全国本部の連携会議"
            not in client.get(reverse("liaison:activity_list")).content.decode()
        )
        listing = client.get(reverse("consultations:activity_list"), {"export": "csv"})
        assert "全国本部の連携会議" not in b"".join(listing.streaming_content).decode("utf-8-sig")
        secret = tokens.issue(
            user=personas[persona], name="t", expires_on=datetime.date(2099, 1, 1)
        )[1]
        api = client.get(
            reverse("api:activity-list"), {"page_size": 1000}, HTTP_AUTHORIZATION=f"Bearer {secret}"
        )
        assert "全国本部の連携会議" not in api.content.decode(), persona


@pytest.mark.parametrize("persona", ["tokyo_manager", "kanto_officer", "admin"])
def test_only_hq_staff_record_hq_liaison(client_for, persona):
    response = client_for(persona).post(
        reverse("liaison:activity_create"),
        {"date": "2025-05-10", "kind": "meeting", "institutions": [1]},
    )
    assert response.status_code == 403
    assert not HQActivity.objects.exists()
