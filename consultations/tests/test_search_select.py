"""The session and case forms choose among a center's clients and cases by searching,
not from a list of every client in scope (hundreds of thousands at a large center)."""

import datetime

from django.urls import reverse

from conftest import make_case, make_client, make_session

DAY = datetime.date(2025, 6, 2)


def test_the_session_form_holds_only_the_chosen_client_not_every_client(client_for, tokyo):
    others = [make_client(tokyo, f"株式会社一覧{n}") for n in range(3)]
    page = client_for("tokyo_coordinator").get(reverse("consultations:consultation_create"))
    html = page.content.decode()
    assert all(other.business_name not in html for other in others)
    assert reverse("consultations:client_choices") in html

    session = make_session(others[0], DAY)
    edit = client_for("tokyo_coordinator").get(
        reverse("consultations:consultation_update", args=[session.pk])
    )
    assert f'<option value="{others[0].pk}" selected>' in edit.content.decode()
    assert others[1].business_name not in edit.content.decode()


def test_the_client_search_finds_clients_of_the_users_scope_only(client_for, tokyo, osaka):
    mine, theirs = make_client(tokyo, "株式会社検索東京"), make_client(osaka, "株式会社検索大阪")
    found = client_for("tokyo_coordinator").get(
        reverse("consultations:client_choices"), {"q": "検索"}
    )
    html = found.content.decode()
    assert f'value="{mine.pk}"' in html and f'value="{theirs.pk}"' not in html


def test_the_case_search_offers_the_chosen_clients_cases(client_for, tokyo, osaka):
    first, second = make_client(tokyo), make_client(tokyo)
    wanted = make_case(first, title="販路の課題")
    other = make_case(second, title="販路の別件")
    foreign = make_case(make_client(osaka), title="販路の大阪")
    html = (
        client_for("tokyo_coordinator")
        .get(reverse("consultations:case_choices"), {"client": first.pk, "q": "販路"})
        .content.decode()
    )
    assert f'value="{wanted.pk}"' in html
    assert f'value="{other.pk}"' not in html and f'value="{foreign.pk}"' not in html


def test_a_client_outside_the_scope_is_refused_by_the_form(client_for, tokyo, osaka):
    foreign = make_client(osaka)
    response = client_for("tokyo_coordinator").post(
        reverse("consultations:consultation_create"),
        {"center": tokyo.pk, "date": DAY, "minutes": 30, "mode": "phone", "client": foreign.pk},
    )
    assert response.status_code == 200
    assert "client" in response.context["form"].errors


def test_the_client_search_finds_a_name_however_it_is_typed(client_for, tokyo):
    # Searched through the name's key where that loses nothing of what was typed
    # (one trigram index, docs/benchmarks.md issue 14), by the name itself where it does.
    wanted = make_client(tokyo, "株式会社 山本フーズ")
    other = make_client(tokyo, "有限会社山田商店")
    for typed in ("山本フ", "本フー", "山本ﾌｰｽﾞ", "山本 フ", "株式会社 山本", "会社 山本フ"):
        html = client_for("tokyo_coordinator").get(
            reverse("consultations:client_choices"), {"q": typed}
        ).content.decode()
        assert f'value="{wanted.pk}"' in html, typed
        assert f'value="{other.pk}"' not in html, typed


def test_the_sessions_text_search_finds_the_same_whichever_way_it_reads(client_for, tokyo):
    # A center's year is read session by session, longer periods and wider scopes
    # through the trigram indexes: the same sessions either way, case and width aside.
    customer = make_client(tokyo)
    wanted = make_session(customer, DAY, summary="事業承継の相談", advice="ECサイトの改善")
    other = make_session(customer, DAY, summary="資金繰りの相談")
    url = reverse("consultations:consultation_list")
    for query in (
        {"q": "事業承継", "fy": "2025"},
        {"q": "事業承継", "date_from": "2025-04-01", "date_to": "2025-06-30"},
        {"q": "事業承継", "date_from": "2020-04-01", "date_to": "2026-03-31"},
        {"q": "事業承継"},
        {"q": "ｅｃサイト", "fy": "2025"},
        {"q": "ecサイト"},
        {"q": "承継", "fy": "2025"},
    ):
        for user in ("tokyo_coordinator", "admin"):
            html = client_for(user).get(url, query).content.decode()
            found = reverse("consultations:consultation_detail", args=[wanted.pk])
            missed = reverse("consultations:consultation_detail", args=[other.pk])
            assert found in html and missed not in html, (user, query)
