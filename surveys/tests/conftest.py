import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation


@pytest.fixture(autouse=True)
def english(client):
    """Messages are matched in English here, in code and on pages; test_i18n checks the
    Japanese catalogue. The rate limiter's counters start afresh in every test."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    cache.clear()
    with translation.override("en"):
        yield
