"""``makemessages -l ja`` leaves no untranslated or fuzzy entry (a CI check).

The check runs the real command on a scratch copy of the tree: every top-level entry
of the project is linked into a temporary directory, the catalogue is copied there, and
``makemessages`` (followed links, the scratch catalogue as the only locale path) merges
what the code marks for translation into the copy. The real ``django.po`` is never
written. Any message of the merged copy that is new to the real catalogue, left empty
or marked fuzzy by ``msgmerge`` is named in the failure.

There is no JavaScript catalogue (``djangojs``): the scripts in ``static/js`` take the
texts they show from ``data-`` attributes the templates fill with translated strings.

``makemessages`` needs GNU gettext (``xgettext``, ``msgmerge``); without it the check is
skipped, unless YOROZU_REQUIRE_GETTEXT=1 (as in CI), where it is a failure.
"""

import os
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

CATALOGUE = Path("locale/ja/LC_MESSAGES/django.po")


def _scratch_tree(root: Path, scratch: Path) -> None:
    """Link the project's sources into ``scratch``, with a copy of the catalogue."""
    runtime = Path(settings.VAR_DIR).resolve()
    for entry in root.iterdir():
        if entry.name.startswith(".") or entry.name == "locale" or entry.resolve() == runtime:
            continue
        (scratch / entry.name).symlink_to(entry)
    (scratch / CATALOGUE).parent.mkdir(parents=True)
    shutil.copyfile(root / CATALOGUE, scratch / CATALOGUE)


def _key(entry: polib.POEntry):
    return entry.msgctxt, entry.msgid


def _problems(real: polib.POFile, merged: polib.POFile) -> list[str]:
    known = {_key(entry) for entry in real if not entry.obsolete}
    problems = []
    for entry in merged:
        if entry.obsolete:
            continue
        if _key(entry) not in known:
            kind = "missing from django.po"
        elif entry.fuzzy:
            kind = "fuzzy"
        elif not entry.translated():
            kind = "untranslated"
        else:
            continue
        where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
        context = f" (context {entry.msgctxt!r})" if entry.msgctxt else ""
        problems.append(f"{kind}: {entry.msgid!r}{context} at {where}")
    return problems


def test_makemessages_leaves_no_untranslated_or_fuzzy_entry(tmp_path, monkeypatch, settings):
    if not (shutil.which("xgettext") and shutil.which("msgmerge")):
        if os.environ.get("YOROZU_REQUIRE_GETTEXT") == "1":
            pytest.fail("GNU gettext is not installed (YOROZU_REQUIRE_GETTEXT is set)")
        pytest.skip("GNU gettext is not installed (apt-get install gettext)")
    root = Path(settings.BASE_DIR)
    _scratch_tree(root, tmp_path)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)

    call_command("makemessages", locale=["ja"], symlinks=True, verbosity=0)

    merged = polib.pofile(str(tmp_path / CATALOGUE))
    assert len(merged) > 1000, "makemessages found hardly any message: the scratch tree is wrong"
    problems = _problems(polib.pofile(str(root / CATALOGUE)), merged)
    assert problems == [], (
        "Translate these in locale/ja/LC_MESSAGES/django.po "
        "(manage.py makemessages -l ja, then compilemessages):\n" + "\n".join(problems)
    )
