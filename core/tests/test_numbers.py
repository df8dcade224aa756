"""Counts and amounts are shown with thousands separators ("91,188 件", "3,850").

Read from the templates rather than from pages, so that the demo's small figures do
not hide a bare number that a national year shows: every value of a number cell
(``class="num"``), every value named as a count or an amount, every value followed by
a counter (件, 人, 円 …) and every count of a plural message goes through ``intcomma``
(``django.contrib.humanize``; ``floatformat`` with ``g`` for amounts rounded to the
yen). The walk of the demo (``core/tests/test_untranslated_walk.py``) checks the pages
as they are shown as well.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines

GROUPED = re.compile(r"\|\s*(intcomma|floatformat:\s*[\"'][-\d]*g[\"'])")
# Values of a number cell that are not counts: labels, names, scores and weights on
# small scales, and filters of their own (percent, score, change).
NOT_COUNTS = re.compile(
    r"(^|\.)(name|label|grade|rank|weight|factor|points|indicator_points|survey_points"
    r"|hearing_points|achievement|mean|used_mean|score|spread|low|high|day|value"
    r"|visits_per_year|difference_reason|share)\b|\|\s*(percent|score|change)\b"
)
# Values named as counts or amounts, wherever they are shown.
COUNT_NAMES = re.compile(
    r"(^|\.|(?<!min)(?<!max)_)(count|answers|recipients|capital|amount|sales|employees|minutes|capacity"
    r"|registered|attended)$"
)
# A number cell whose class is fixed (a class chosen by a template tag is left out).
CELL = re.compile(r"<(td|th|dd|span)\b[^>]*\bclass=\"[^\"{]*\bnum\b[^\"{]*\"[^>]*>(.*?)</\1>", re.S)
VARIABLE = re.compile(r"\{\{\s*(.*?)\s*\}\}", re.S)
COUNTER = re.compile(r"\{\{\s*([^}]*?)\s*\}\}\s*(件|人|名|社|円|回|時間|分|通|行|拠点)")
BLOCK = re.compile(r"\{%\s*blocktranslate\b.*?\{%\s*endblocktranslate\s*%\}", re.S)
BINDINGS = re.compile(r"\{%\s*blocktranslate\b([^%]*)%\}")
BOUND = re.compile(r"\b\w+=(\S+)")
PLURAL = re.compile(
    r"\{%\s*blocktranslate\b[^%]*?\bcount\s+(\w+)\s*=.*?%\}(.*?)\{%\s*endblocktranslate", re.S
)


def _templates():
    directories = {Path(d) for engine in engines.all() for d in engine.template_dirs}
    for directory in sorted(directories):
        if directory.is_relative_to(settings.BASE_DIR) and ".venv" not in directory.parts:
            yield from sorted(directory.rglob("*.html"))
            yield from sorted(directory.rglob("*.txt"))


def _shown(html: str) -> str:
    """The text of a template without its tags' attributes (a link's address is not shown)."""
    return re.sub(r"<[^>]*>", " ", html)


def ungrouped(text: str) -> list[str]:
    found = []
    for _tag, cell in CELL.findall(text):
        for expression in VARIABLE.findall(_shown(cell)):
            if not NOT_COUNTS.search(expression) and not GROUPED.search(expression):
                found.append(f"number cell: {{{{ {expression} }}}}")
    # A message's placeholders are grouped where the message binds them (``with``).
    outside_messages = BLOCK.sub(" ", text)
    bound = [
        value
        for options in BINDINGS.findall(text)
        # the plural's count chooses the form; PLURAL checks that it is not shown
        for value in BOUND.findall(re.sub(r"\bcount\s+\w+=\S+", " ", options))
    ]
    for expression in VARIABLE.findall(_shown(outside_messages)) + bound:
        value = re.split(r"\|\s*default", expression)[0].strip()
        if COUNT_NAMES.search(value) and not GROUPED.search(expression):
            found.append(f"count or amount: {{{{ {expression} }}}}")
    for expression, unit in COUNTER.findall(text):
        if not GROUPED.search(expression):
            found.append(f"count before {unit}: {{{{ {expression} }}}}")
    for name, body in PLURAL.findall(text):
        if re.search(r"\{\{\s*" + name + r"\s*\}\}", body):
            found.append(f"plural count shown as {{{{ {name} }}}}: show a grouped copy")
    return found


def test_the_check_finds_bare_counts():
    assert ungrouped('<td class="num">{{ row.sessions }}</td>') == [
        "number cell: {{ row.sessions }}"
    ]
    assert ungrouped("<b>{{ total.answers }}</b>") == ["count or amount: {{ total.answers }}"]
    assert ungrouped("{{ n }} 件") == ["count before 件: {{ n }}"]
    message = "{% blocktranslate with n=total.answers %}{{ n }} answers{% endblocktranslate %}"
    assert ungrouped(message) == ["count or amount: {{ total.answers }}"]
    plural = (
        "{% blocktranslate count n=x %}{{ n }} row{% plural %}{{ n }} rows{% endblocktranslate %}"
    )
    assert ungrouped(plural) == ["plural count shown as {{ n }}: show a grouped copy"]
    assert ungrouped('<td class="num">{{ row.sessions|intcomma }}</td>') == []
    assert ungrouped('<td class="num"><a href="?c={{ c.pk }}">{{ n|intcomma }}</a></td>') == []
    assert ungrouped('{{ object.envelope|floatformat:"0g" }} 円') == []


def test_templates_are_found():
    names = {path.name for path in _templates()}
    assert {"_list_head.html", "dashboard_center.html", "budget_detail.html"} <= names


@pytest.mark.parametrize(
    "path", list(_templates()), ids=lambda path: str(path.relative_to(settings.BASE_DIR))
)
def test_every_count_a_template_shows_is_grouped(path):
    assert ungrouped(path.read_text()) == []
