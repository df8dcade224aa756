"""Roles in one place: their stored values are written in ``core/roles.py`` alone.

Querysets, workflows, views, templates and the menu name a role through ``core.roles``
(``roles.CENTER_MANAGER``, ``roles.NATIONAL``, ``roles.editors(...)``). Left out of the
search: migrations (they freeze the values as they were) and the tests, whose personas
are named after the roles they have ("supporter", "committee") and whose data spell
the stored values on purpose.
"""

import pathlib
import re

from core import roles

ROOT = pathlib.Path(__file__).resolve().parents[2]
SKIPPED = (".venv/", "var/", "node_modules/", "static/vendor/", "tests_browser/")

# "supporter" and "coordinator" are also staff roles of an assignment (organizations.Role),
# a form field and a demo login: they count as a user role where the line speaks of roles.
# "implementing_body" is also a center's field.
AMBIGUOUS = {roles.SUPPORTER, roles.COORDINATOR, roles.IMPLEMENTING_BODY}
UNAMBIGUOUS = set(roles.Role.values) - AMBIGUOUS
VALUES = "|".join(sorted(roles.Role.values))
QUOTED = re.compile(rf"""["']({VALUES})["']""")
ROLE_CONTEXT = re.compile(r"role|ROLES")


def role_strings(text: str):
    for number, line in enumerate(text.splitlines(), 1):
        for match in QUOTED.finditer(line):
            value = match.group(1)
            if value in UNAMBIGUOUS or ROLE_CONTEXT.search(line):
                yield number, value


def test_role_values_are_written_only_in_core_roles():
    found = []
    for path in ROOT.rglob("*"):
        if path.suffix not in {".py", ".html", ".js", ".txt"} or not path.is_file():
            continue
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(SKIPPED) or "/migrations/" in relative:
            continue
        if "/tests/" in relative or relative == "conftest.py" or relative == "core/roles.py":
            continue
        found += [f"{relative}:{n}: {v}" for n, v in role_strings(path.read_text())]
    assert not found, "\n".join(found)


def test_the_search_finds_a_role_string():
    # The test above cannot pass by finding nothing: it sees the kinds it must refuse.
    assert list(role_strings('if role_of(user) == "center_manager":')) == [(1, "center_manager")]
    assert list(role_strings('editor_roles = frozenset({"supporter"})')) == [(1, "supporter")]
    assert list(role_strings('{% if user_role == "hq_expert" %}')) == [(1, "hq_expert")]
    assert not list(role_strings('self.fields["supporter"].queryset = experts'))


def test_every_role_is_in_a_group_and_every_model_editor_is_a_role():
    grouped = roles.NATIONAL | roles.BUREAU | roles.HQ | roles.CENTER_STAFF
    assert grouped | roles.COMMITTEE | roles.BOARD | roles.SUPPORTERS | roles.BODY == roles.ALL
    for label, editors in roles.EDITORS.items():
        assert editors <= roles.ALL, label
