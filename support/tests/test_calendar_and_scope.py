"""The calendar of visits and training, the scope of visits and follow-ups, expert assignments."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import make_training, make_visit
from organizations.models import Bureau, Center, TrainingBlock
from support import calendar
from support.models import FollowUp, TrainingKind, Visit


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def day_entries(page, day):
    weeks = page.context["weeks"]
    return [e.title for week in weeks for d in week if d.date == day for e in d.entries]


def test_the_month_grid_has_whole_weeks_from_sunday():
    weeks = calendar.month_grid(datetime.date(2026, 10, 1))
    assert weeks[0][0].date == datetime.date(2026, 9, 27) and weeks[0][0].date.weekday() == 6
    assert weeks[-1][-1].date == datetime.date(2026, 10, 31)
    assert calendar.shift_month(datetime.date(2026, 12, 1), 1) == datetime.date(2027, 1, 1)
    assert calendar.parse_month("2026-13", datetime.date(2026, 5, 5)) == datetime.date(2026, 5, 1)


def test_visits_and_training_share_one_calendar_filtered_by_center_bureau_and_block(
    client_for, tokyo, osaka
):
    day = datetime.date(2026, 10, 14)
    make_visit(tokyo, day)
    make_visit(osaka, day)
    kanto_block = TrainingBlock.objects.get(name="関東ブロック")
    kinki_block = TrainingBlock.objects.get(name="近畿ブロック")
    national = make_training(start=day, end=day + datetime.timedelta(days=1))
    national.title = "全国研修"
    national.save()
    kanto = make_training(kind=TrainingKind.BLOCK, block=kanto_block, start=day)
    kanto.title = "関東ブロック研修"
    kanto.save()
    kinki = make_training(kind=TrainingKind.BLOCK, block=kinki_block, start=day)
    kinki.title = "近畿ブロック研修"
    kinki.save()
    client = client_for("hq")
    url = reverse("support:calendar")

    everything = client.get(url, {"month": "2026-10"})
    assert sorted(day_entries(everything, day)) == sorted(
        ["東京", "大阪", "全国研修", "関東ブロック研修", "近畿ブロック研修"]
    )
    assert "全国研修" in day_entries(everything, day + datetime.timedelta(days=1))  # two days

    by_center = client.get(url, {"month": "2026-10", "center": tokyo.pk})
    assert sorted(day_entries(by_center, day)) == sorted(["東京", "全国研修", "関東ブロック研修"])
    kinki_bureau = Bureau.objects.get(code="kinki")
    by_bureau = client.get(url, {"month": "2026-10", "bureau": kinki_bureau.pk})
    assert sorted(day_entries(by_bureau, day)) == sorted(["大阪", "全国研修", "近畿ブロック研修"])
    by_block = client.get(url, {"month": "2026-10", "block": kanto_block.pk})
    assert sorted(day_entries(by_block, day)) == sorted(["東京", "全国研修", "関東ブロック研修"])

    # A center sees its own visits only; the training calendar is the same for all.
    mine = client_for("osaka_manager").get(url, {"month": "2026-10"})
    assert "東京" not in day_entries(mine, day) and "大阪" in day_entries(mine, day)


def test_the_calendar_switches_months_with_htmx(client_for):
    page = client_for("hq").get(
        reverse("support:calendar"), {"month": "2026-10"}, HTTP_HX_REQUEST="true"
    )
    html = page.content.decode()
    assert 'id="calendar"' in html and "?month=2026-11" in html and "?month=2026-09" in html


def test_a_center_sees_its_own_visits_and_follow_ups_only(client_for, personas, tokyo, osaka):
    make_visit(tokyo, follow_ups=["東京の課題"])
    make_visit(osaka, follow_ups=["大阪の課題"])
    manager = personas["tokyo_manager"]
    assert set(Visit.objects.for_user(manager).values_list("center", flat=True)) == {tokyo.pk}
    assert list(FollowUp.objects.for_user(manager).values_list("description", flat=True)) == [
        "東京の課題"
    ]
    client = client_for("tokyo_coordinator")
    follow_ups = client.get(reverse("support:followup_list")).content.decode()
    assert "東京の課題" in follow_ups and "大阪の課題" not in follow_ups
    listing = client.get(reverse("support:visit_list")).content.decode()
    assert "東京都よろず支援拠点" in listing and "大阪府よろず支援拠点" not in listing
    home = client.get(reverse("home")).content.decode()
    assert "東京の課題" in home and "大阪の課題" not in home


def test_a_bureau_sees_the_visits_of_its_region(personas, tokyo, kanagawa, osaka):
    for center in (tokyo, kanagawa, osaka):
        make_visit(center)
    seen = set(Visit.objects.for_user(personas["kanto_officer"]).values_list("center", flat=True))
    assert seen == {tokyo.pk, kanagawa.pk}
    assert not Visit.objects.for_user(personas["kanto_officer"], "change").exists()


def test_hq_staff_give_an_expert_a_whole_region(client_for, personas):
    expert = personas["osaka_expert"]
    kinki = Bureau.objects.get(code="kinki")
    response = client_for("hq").post(
        reverse("support:expert_assignments"), {"expert": expert.pk, "bureaus": [kinki.pk]}
    )
    assert response.status_code == 302
    assert set(expert.assigned_centers.values_list("pk", flat=True)) == set(
        Center.objects.filter(prefecture__bureau=kinki).values_list("pk", flat=True)
    )
    assert client_for("tokyo_expert").get(reverse("support:expert_assignments")).status_code == 403
    response = client_for("admin").post(
        reverse("support:expert_assignments"),
        {"expert": expert.pk, "centers": [Center.objects.get(code="13").pk], "replace": "on"},
    )
    assert list(expert.assigned_centers.values_list("code", flat=True)) == ["13"]
