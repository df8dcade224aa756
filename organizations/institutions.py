"""Support institutions (連携機関) from a spreadsheet: the master data the network
activities name, imported before them. A row is the same institution again when its
prefecture and its name after NFKC normalisation (full-width letters and digits,
spaces) match, so importing the same list twice changes nothing."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import imports
from core.imports import ImportResult, Kind, save_imported
from core.imports.records import prefecture_lookup_table, raw_text
from core.scoping import centers_editable_for
from core.tabular import Problem, Table, text

from .models import Prefecture, SupportInstitution, SupportInstitutionType

HEADERS = {
    "name": "機関名",
    "type": "種別",
    "prefecture": "都道府県",
    "municipality": "市区町村",
    "contact": "連絡先",
    "email": "メール",
}
REQUIRED = ("name", "type", "prefecture")
FIELDS = ("institution_type_id", "municipality", "contact", "email")


def name_key(name: str) -> str:
    """An institution's name as compared: NFKC, without spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or ""))


def import_institutions(spec, table: Table, *, user, stamp, options, **_kwargs) -> ImportResult:
    problems: list[Problem] = []
    prefectures = prefecture_lookup_table()
    editable = set(
        Prefecture.objects.filter(
            center__in=centers_editable_for(user, SupportInstitution)
        ).values_list("pk", flat=True)
    )
    types = {name_key(t.name): t.pk for t in SupportInstitutionType.objects.all()}
    existing = {
        (i.prefecture_id, name_key(i.name)): i
        for i in SupportInstitution.objects.filter(prefecture__in=editable)
    }
    seen: dict[tuple, int] = {}
    rows = []
    for number, values in table.rows:

        def problem(key, message, number=number):
            problems.append(Problem(number, HEADERS[key], message))

        cells = {key: text(values.get(header)) for key, header in HEADERS.items()}
        for key in REQUIRED:
            if not cells[key]:
                problem(key, _("This field is required."))
        name = raw_text(values.get(HEADERS["name"]))
        if len(name) > 200:
            problem(
                "name",
                _("Longer than %(limit)s characters (%(length)s).")
                % {"limit": 200, "length": len(name)},
            )
        prefecture = prefectures.get(cells["prefecture"]) if cells["prefecture"] else None
        if cells["prefecture"] and prefecture is None:
            problem(
                "prefecture", _("Unknown prefecture “%(value)s”.") % {"value": cells["prefecture"]}
            )
        elif prefecture is not None and prefecture not in editable:
            problem("prefecture", _("You cannot import records of this center."))
            prefecture = None
        kind = types.get(name_key(cells["type"])) if cells["type"] else None
        if cells["type"] and kind is None:
            problem(
                "type",
                _("Unknown support institution type “%(value)s”.") % {"value": cells["type"]},
            )
        if cells["email"]:
            try:
                validate_email(cells["email"])
            except ValidationError:
                problem(
                    "email", _("“%(value)s” is not an email address.") % {"value": cells["email"]}
                )
        key = (prefecture, name_key(name))
        if prefecture and name:
            if key in seen:
                problem(
                    "name",
                    _("%(value)s appears twice in the file (also on row %(row)s).")
                    % {"value": name, "row": seen[key]},
                )
            seen[key] = number
        values_of = {
            "institution_type_id": kind,
            "municipality": raw_text(values.get(HEADERS["municipality"]))[:100],
            "contact": raw_text(values.get(HEADERS["contact"]))[:200],
            "email": cells["email"],
        }
        rows.append((key, name, prefecture, values_of))
    result = ImportResult(problems=problems)
    if problems:
        return result
    for key, name, prefecture, values_of in rows:
        institution = existing.get(key)
        if institution is None:
            institution = SupportInstitution(name=name, prefecture_id=prefecture, **values_of)
            result.created += 1
        elif any(getattr(institution, field) != value for field, value in values_of.items()):
            for field, value in values_of.items():
                setattr(institution, field, value)
            result.updated += 1
        else:
            result.unchanged += 1
            continue
        save_imported(institution, user=user, stamp=stamp)
    return result


def template_rows() -> list[list[str]]:
    return [
        [
            "東京商工会議所",
            "商工会議所",
            "東京都",
            "千代田区",
            "中小企業相談部 03-0000-0000",
            "soudan@example.jp",
        ],
        ["日本政策金融公庫 東京支店", "政府系金融機関", "東京", "千代田区", "", ""],
    ]


INSTITUTIONS = imports.register(
    Kind(
        key="institutions",
        title="連携機関",
        label=gettext_lazy("Support institutions (連携機関)"),
        model=SupportInstitution,
        columns=HEADERS,
        required=REQUIRED,
        list_url="organizations:institution_list",
        run=import_institutions,
        template=template_rows,
        notes={
            "name": "the institution's name (up to 200 characters); compared after NFKC "
            "normalisation, spaces ignored",
            "type": "the institution type, a name of the type list (商工会, 商工会議所, …)",
            "prefecture": "the prefecture (`東京都`, `東京` or `13`); a center imports its own "
            "prefecture's institutions",
            "municipality": "municipality",
            "contact": "contact person, phone",
            "email": "email address (survey invitations are sent there)",
        },
        natural_key="(都道府県, 機関名 after NFKC normalisation, spaces ignored)",
        order=5,
    )
)
