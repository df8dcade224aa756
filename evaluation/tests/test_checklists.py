"""Hearing checklists kept in the app: edited while unused, copied once a hearing uses them."""

import datetime

import pytest
from django.urls import reverse

from core.workflow import StepRefused
from evaluation.models import ChecklistItem, ChecklistTemplate, Hearing
from planning.models import FiscalYear


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # messages asserted in English
    return client


def item_data(rows, *, existing=()):
    """The POST data of the item formset: ``existing`` items kept as they are, then ``rows``."""
    data = {
        "items-TOTAL_FORMS": str(len(existing) + len(rows)),
        "items-INITIAL_FORMS": str(len(existing)),
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "1000",
    }
    fields = ("group", "order", "text", "score_0", "score_1", "score_2", "score_3")
    for i, item in enumerate(existing):
        data[f"items-{i}-id"] = str(item.pk)
        data.update({f"items-{i}-{f}": str(getattr(item, f)) for f in fields})
    for i, row in enumerate(rows, start=len(existing)):
        data.update({f"items-{i}-{f}": value for f, value in zip(fields, row, strict=True)})
    return data


def checklist_with_one_item(name):
    checklist = ChecklistTemplate.objects.create(name=name)
    ChecklistItem.objects.create(
        template=checklist,
        group="consultation",
        text="旧項目",
        **{f"score_{n}": "abcd"[n] for n in range(4)},
    )
    return checklist


def hear_with(checklist, center):
    year, _ = FiscalYear.objects.get_or_create(year=2025)
    Hearing.objects.create(
        center=center, fiscal_year=year, template=checklist, held_on=datetime.date(2026, 2, 1)
    )


ROW = ("consultation", "1", "相談記録を当日中に入力している", "未入力", "一部", "概ね", "全件")


def test_hq_creates_a_checklist_and_every_problem_is_reported_before_anything_is_saved(
    client, personas
):
    client.force_login(personas["hq"])
    url = reverse("evaluation:checklist_create")
    bad = ("consultation", "x", "", "未入力", "", "概ね", "全件")
    response = client.post(url, {"name": "2026年度版", "active": "on"} | item_data([bad]))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('class="has-error"') == 3  # the order, the item and what 1 means
    assert "Enter a whole number." in page and "This field is required." in page
    assert not ChecklistTemplate.objects.filter(name="2026年度版").exists()

    response = client.post(url, {"name": "2026年度版", "active": "on"} | item_data([ROW]))
    checklist = ChecklistTemplate.objects.get(name="2026年度版")
    assert response.status_code == 302
    assert list(checklist.items.values_list("text", flat=True)) == [ROW[2]]
    assert checklist.history.first().history_user == personas["hq"]


def test_a_checklist_in_use_is_copied_to_change_and_the_copy_replaces_it(client, personas, tokyo):
    original = checklist_with_one_item("旧版")
    hear_with(original, tokyo)
    item = original.items.get()
    item.text = "書き換え"
    with pytest.raises(StepRefused):  # refused below the pages too
        item.save()
    with pytest.raises(StepRefused):
        item.delete()
    client.force_login(personas["hq"])
    edit = reverse("evaluation:checklist_update", args=[original.pk])
    response = client.post(edit, {"name": "改ざん"} | item_data([ROW]), follow=True)
    assert "copy it to change it" in response.content.decode()
    original.refresh_from_db()
    assert original.name == "旧版" and original.items.count() == 1

    copy_url = reverse("evaluation:checklist_copy", args=[original.pk])
    assert client.post(copy_url, {"name": "旧版"}).status_code == 200  # name taken: reported
    response = client.post(copy_url, {"name": "新版"})
    copy = ChecklistTemplate.objects.get(name="新版")
    assert response.url == reverse("evaluation:checklist_update", args=[copy.pk])
    assert list(copy.items.values_list("text", flat=True)) == ["旧項目"]
    original.refresh_from_db()
    assert copy.active and not original.active  # new hearings get the copy

    # The copy is unused: it is edited in place, an item replaced in one save.
    item = copy.items.get()
    data = {"name": "新版", "active": "on"} | item_data([ROW], existing=[item])
    data["items-0-DELETE"] = "on"
    assert (
        client.post(reverse("evaluation:checklist_update", args=[copy.pk]), data).status_code == 302
    )
    assert list(copy.items.values_list("text", flat=True)) == [ROW[2]]
    assert list(original.items.values_list("text", flat=True)) == ["旧項目"]
    hearing_form = client.get(reverse("evaluation:hearing_create")).content.decode()
    assert "新版" in hearing_form and "旧版" not in hearing_form


@pytest.mark.parametrize("name", ["tokyo_manager", "tokyo_coordinator", "kanto_officer"])
def test_only_hq_and_the_agency_change_checklists(client, personas, name):
    checklist = ChecklistTemplate.objects.create(name="版")
    client.force_login(personas[name])
    assert client.get(checklist.get_absolute_url()).status_code == 200  # everyone may read
    for url in (
        reverse("evaluation:checklist_update", args=[checklist.pk]),
        reverse("evaluation:checklist_copy", args=[checklist.pk]),
    ):
        assert client.post(url, {"name": "x"} | item_data([ROW])).status_code in (403, 404)
    assert (
        client.post(
            reverse("evaluation:checklist_create"), {"name": "x"} | item_data([ROW])
        ).status_code
        == 403
    )
    checklist.refresh_from_db()
    assert checklist.name == "版" and not checklist.items.exists()
    assert not ChecklistTemplate.objects.filter(name="x").exists()


def test_the_admin_shows_the_items_of_a_checklist_in_use_read_only(client, personas, tokyo):
    from django.contrib.auth import get_user_model

    checklist = checklist_with_one_item("旧版")
    superuser = get_user_model().objects.create_superuser("root", password="x")
    client.force_login(superuser)
    url = reverse("admin:evaluation_checklisttemplate_change", args=[checklist.pk])
    assert 'name="items-0-text"' in client.get(url).content.decode()
    hear_with(checklist, tokyo)
    page = client.get(url).content.decode()
    assert 'name="items-0-text"' not in page and "旧項目" in page
