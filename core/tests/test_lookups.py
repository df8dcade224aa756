"""Rows selected by their ids (``with_ids``) and written from a query (``insert_from``),
on SQLite and PostgreSQL: the importer and the indicator summaries rely on both."""

import pytest
from django.db.models import F, Value

from conftest import make_client
from consultations.models import Client, ClientCenter
from core.lookups import insert_from, with_ids


@pytest.fixture
def clients(tokyo):
    return sorted(make_client(tokyo).pk for _ in range(50))


@pytest.mark.parametrize(
    "pick",
    [
        lambda pks: pks,  # one run of consecutive ids
        lambda pks: pks[:10] + pks[20:30],  # a few runs
        lambda pks: pks[::2],  # more than 20 runs: sent as one list
        lambda pks: pks[7:8],
    ],
)
def test_with_ids_selects_exactly_the_ids_given(clients, pick):
    wanted = pick(clients)
    found = with_ids(Client.objects.all(), wanted).values_list("pk", flat=True)
    assert sorted(found) == wanted


def test_insert_from_writes_the_rows_the_query_selects_into_the_columns_named(clients, osaka):
    chosen = clients[:5]
    source = with_ids(Client.objects.all(), chosen).values(
        s_client=F("pk"), s_center=Value(osaka.pk)
    )
    insert_from(ClientCenter, {"client_id": "s_client", "center_id": "s_center"}, source)
    assert set(
        ClientCenter.objects.filter(center_id=osaka.pk).values_list("client_id", flat=True)
    ) == set(chosen)
