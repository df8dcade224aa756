import datetime

import pytest
from django.conf import settings
from django.utils import timezone, translation


@pytest.fixture(autouse=True)
def english(client):
    """Messages are matched in English here, in code and on pages; test_i18n checks the
    Japanese catalogue."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


class Clock:
    """Moves ``django.utils.timezone.now`` (and so ``localdate``) forward by whole days.
    A session outlives no such move: log in again after one (``client_for``)."""

    def __init__(self, monkeypatch):
        self.offset = datetime.timedelta()
        real = timezone.now
        monkeypatch.setattr(timezone, "now", lambda: real() + self.offset)

    def next_day(self, days: int = 1) -> None:
        self.offset += datetime.timedelta(days=days)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)
