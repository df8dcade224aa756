"""Japanese by default, English on request; the Japanese catalogue is complete."""

from pathlib import Path

import polib
from django.conf import settings
from django.urls import reverse


def test_pages_are_japanese_by_default_even_for_an_english_browser(client, db):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "ログイン" in page and 'lang="ja"' in page


def test_english_can_be_chosen(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("accounts:login")).content.decode()
    assert "Log in" in page and 'lang="en"' in page


def test_every_message_has_a_japanese_translation():
    catalogue = polib.pofile(str(Path(settings.BASE_DIR) / "locale/ja/LC_MESSAGES/django.po"))
    missing = [e.msgid for e in catalogue.untranslated_entries() + catalogue.fuzzy_entries()]
    assert missing == []
