"""Bulk import of consultation records: clients, cases, sessions and network activities.

The files come from the centers' own systems as .xlsx or CSV with the Japanese
headers declared below (docs/import-format.md is generated from the declarations).
The source system's IDs are the key (``external_id`` on every model), so importing
the same file twice changes nothing and a changed row updates its record. The
checking and writing is the record importer of ``core.imports``; this module says
what each kind's columns mean.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import imports
from core.imports import Kind, Row, choice, choice_words, word_key
from core.imports.records import (
    RecordImporter,
    by_id,
    date_cell,
    integer,
    max_length,
    objects_of,
    one_of,
    pairs,
    prefecture_lookup_table,
    raw_text,
    runner,
    time_of_day,
)
from core.scoping import CHANGE
from core.tabular import split_list, text
from organizations.models import Center, Person, SupportInstitution

from . import summaries
from .models import (
    Case,
    CaseStatus,
    Client,
    ClientCenter,
    ClientForm,
    Consultation,
    Industry,
    Mode,
    NetworkActivity,
    NetworkKind,
    PriorityField,
    ResolutionKind,
    Topic,
    case_errors,
    normalize_name,
    normalize_phone,
    validate_corporate_number,
)

# --- Choice words: code, Japanese label, English label, and the centers' own words ---

CLIENT_FORMS = choice_words(
    ClientForm,
    {
        ClientForm.CORPORATION: ["法人"],
        ClientForm.SOLE_PROPRIETOR: ["個人事業主", "個人"],
        ClientForm.PROSPECTIVE_FOUNDER: ["創業予定", "創業予定者"],
    },
)
STATUSES = choice_words(
    CaseStatus,
    {CaseStatus.OPEN: ["対応中"], CaseStatus.SOLVED: ["解決"], CaseStatus.CLOSED: ["終了"]},
)
RESOLUTIONS = choice_words(
    ResolutionKind,
    {
        ResolutionKind.SALES_UP: ["売上増加"],
        ResolutionKind.FINANCING: ["資金調達"],
        ResolutionKind.FOUNDED: ["創業実現"],
        ResolutionKind.SUCCESSION: ["事業承継実現"],
        ResolutionKind.COST_DOWN: ["コスト削減"],
        ResolutionKind.OTHER: ["その他"],
    },
)
MODES = choice_words(
    Mode,
    {
        Mode.VISIT: ["来訪"],
        Mode.OUTREACH: ["出張・サテライト", "出張", "サテライト"],
        Mode.PHONE: ["電話"],
        Mode.ONLINE: ["オンライン"],
        Mode.EMAIL: ["メール"],
    },
)
NETWORK_KINDS = choice_words(
    NetworkKind,
    {
        NetworkKind.MEETING: ["訪問・連携会議"],
        NetworkKind.SEMINAR: ["共催セミナー"],
        NetworkKind.OUTREACH: ["出張相談会"],
        NetworkKind.PUBLICITY: ["広報依頼"],
        NetworkKind.REFERRAL: ["紹介・取次"],
    },
)
# Yes and no in every language an export writes them, and as the centers write them.
YES_WORDS = ["有", "はい", "1", "true", "yes", "あり", "○", "同意"]
NO_WORDS = ["無", "いいえ", "0", "false", "no", "なし", "×"]

# 日本標準産業分類 (JSIC) major divisions, Japanese names.
JSIC_NAMES = {
    "A": "農業，林業",
    "B": "漁業",
    "C": "鉱業，採石業，砂利採取業",
    "D": "建設業",
    "E": "製造業",
    "F": "電気・ガス・熱供給・水道業",
    "G": "情報通信業",
    "H": "運輸業，郵便業",
    "I": "卸売業，小売業",
    "J": "金融業，保険業",
    "K": "不動産業，物品賃貸業",
    "L": "学術研究，専門・技術サービス業",
    "M": "宿泊業，飲食サービス業",
    "N": "生活関連サービス業，娯楽業",
    "O": "教育，学習支援業",
    "P": "医療，福祉",
    "Q": "複合サービス事業",
    "R": "サービス業（他に分類されないもの）",
    "S": "公務（他に分類されるものを除く）",
    "T": "分類不能の産業",
}


def _name_key(value: str) -> str:
    return re.sub(r"[\s,、・()]", "", unicodedata.normalize("NFKC", value))


CONSENT = {word_key(w): True for w in YES_WORDS} | {word_key(w): False for w in NO_WORDS}
INDUSTRY_BY_NAME = {_name_key(name): letter for letter, name in JSIC_NAMES.items()}
INDUSTRY_LETTERS = frozenset(Industry.values)


# --- Cell parsers: raise ValueError with the message for the user ---------------------


def _industry(txt: str) -> str:
    letter, after = txt[:1].upper(), txt[1:2]
    if letter in INDUSTRY_LETTERS and not (after.isascii() and after.isalpha()):
        rest = txt[1:].strip(" :.-")
        named = INDUSTRY_BY_NAME.get(_name_key(rest))
        if named and named != letter:
            raise ValueError(
                _("The JSIC letter %(letter)s does not match the name “%(name)s”.")
                % {"letter": letter, "name": rest}
            )
        return letter
    named = INDUSTRY_BY_NAME.get(_name_key(txt))
    if named:
        return named
    raise ValueError(
        _(
            "“%(value)s” is not a JSIC division: use its letter A–T, optionally followed by its name."
        )
        % {"value": txt}
    )


def _consent(txt: str) -> bool:
    if not txt:
        return False
    answer = CONSENT.get(word_key(txt))
    if answer is None:
        raise ValueError(_("“%(value)s” is not yes or no (use 有 or 無).") % {"value": txt})
    return answer


# --- The importers ------------------------------------------------------------------


class _Importer(RecordImporter):
    """A record importer that also knows the references records share: staff codes and
    client IDs, looked up among what the user may see."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff_words: dict = {}  # staff(): cell text -> (pks, unknown codes)

    def count_new(self, pks):
        summaries.add(self.model, pks)

    # References resolve among the records the user may see, as the forms' choices do:
    # naming another center's ID gets the same answer as naming no record at all.
    def load_persons(self):
        codes = {code for value in set(self.texts["staff"]) for code in split_list(value)}
        self.persons = dict(
            pairs(Person.objects.for_user(self.user), "staff_code", codes, "staff_code", "pk")
        )

    def staff(self, number, word, key="staff") -> list[int]:
        if not word:
            return []
        found = self.staff_words.get(word)
        if found is None:
            pks, unknown = [], []
            for code in split_list(word):
                pk = self.persons.get(code)
                if pk is None:
                    unknown.append(code)
                elif pk not in pks:
                    pks.append(pk)
            found = self.staff_words[word] = (pks, unknown)
        pks, unknown = found
        for code in unknown:
            self.problem(number, key, _("Unknown staff code “%(value)s”.") % {"value": code})
        return list(pks)

    def load_clients(self):
        ids = set(self.texts["client"]) - {""}
        visible = Client.objects.for_user(self.user)
        self.clients = by_id(
            pairs(visible, "external_id", ids, "external_id", "home_center_id", "pk")
        )
        self.served, self.served_asked = set(), set()
        self.load_served(
            {v[-1] for found in self.clients.values() if len(found) == 1 for v in found}
        )

    def load_served(self, client_ids):
        """Which centers serve these clients (for records found at another center); each
        client is asked for once (a file's cases are mostly its sessions' clients')."""
        client_ids = set(client_ids) - self.served_asked
        self.served_asked |= client_ids
        self.served |= set(
            pairs(ClientCenter.objects.all(), "client_id", client_ids, "client_id", "center_id")
        )

    def serves(self, center, client_id) -> bool:
        return (client_id, center) in self.served

    def client(self, number, external_id, center):
        if not external_id or center is None:  # an unknown center is reported already
            return None
        found = one_of(
            self.clients.get(external_id, []), center, lambda v: self.serves(center, v[0])
        )
        if found is None:
            self.problem(
                number,
                "client",
                _("Unknown client ID “%(value)s”: import the client first.")
                % {"value": external_id},
            )
            return None
        return found[0]


class _ClientImporter(_Importer):
    center_field = "home_center_id"
    fields = (
        "external_id",
        "home_center_id",
        "business_name",
        "name_key",
        "corporate_number",
        "form",
        "industry",
        "employees",
        "capital",
        "prefecture_id",
        "municipality",
        "phone",
        "phone_key",
        "email",
        "survey_consent",
    )

    def load(self):
        self.prefectures = prefecture_lookup_table()

    def check_row(self, number, cells, texts, external_id):
        p = self.parse
        name = raw_text(cells["business_name"])
        p(number, "business_name", max_length, name, Client, "business_name")
        corporate_number = texts["corporate_number"].replace("-", "")
        if corporate_number:
            try:
                validate_corporate_number(corporate_number)
            except ValidationError as exc:
                self.problem(number, "corporate_number", exc.messages[0])
        form = ""
        if texts["form"]:
            form = p(number, "form", choice, texts["form"], CLIENT_FORMS)
        industry = p(number, "industry", _industry, texts["industry"]) if texts["industry"] else ""
        employees = capital = None
        if texts["employees"]:
            employees = p(
                number, "employees", integer, cells["employees"], texts["employees"], 0, 10**9
            )
        if texts["capital"]:
            capital = p(number, "capital", integer, cells["capital"], texts["capital"], 0, 10**18)
        prefecture = None
        if word := texts["prefecture"]:
            prefecture = self.prefectures.get(word)
            if prefecture is None:
                self.problem(
                    number, "prefecture", _("Unknown prefecture “%(value)s”.") % {"value": word}
                )
        municipality = raw_text(cells["municipality"])
        p(number, "municipality", max_length, municipality, Client, "municipality")
        phone = texts["phone"]
        p(number, "phone", max_length, phone, Client, "phone")
        email = texts["email"]
        if email:
            try:
                validate_email(email)
                max_length(email, Client, "email")
            except (ValidationError, ValueError):
                self.problem(
                    number, "email", _("“%(value)s” is not an email address.") % {"value": email}
                )
        consent = p(number, "survey_consent", _consent, texts["survey_consent"])
        center = self.center(number, texts["center"])
        values = {
            "external_id": external_id,
            "home_center_id": center,
            "business_name": name,
            "name_key": normalize_name(name),
            "corporate_number": corporate_number,
            "form": form or "",
            "industry": industry or "",
            "employees": employees,
            "capital": capital,
            "prefecture_id": prefecture,
            "municipality": municipality,
            "phone": phone,
            "phone_key": normalize_phone(phone),
            "email": email,
            "survey_consent": bool(consent),
        }
        return Row(number, external_id, values)

    def after_rows(self):
        """Warn about (or, when asked, link) new clients that look like existing ones:
        the same corporate number, or the same normalised name and phone
        (``find_duplicates``), among the clients the user may change."""
        new = [row for row in self.rows if self.existing_pk(row) is None]
        if not new:
            return
        scope = Client.objects.for_user(self.user, CHANGE)
        numbers = {r.values["corporate_number"] for r in new} - {""}
        names = {
            r.values["name_key"] for r in new if r.values["name_key"] and r.values["phone_key"]
        }
        candidates = {c.pk: c for c in objects_of(scope, "corporate_number", numbers)}
        candidates.update((c.pk, c) for c in objects_of(scope, "name_key", names))
        by_number, by_name = {}, {}
        for client in candidates.values():
            if client.corporate_number:
                by_number.setdefault(client.corporate_number, []).append(client)
            if client.name_key and client.phone_key:
                by_name.setdefault((client.name_key, client.phone_key), []).append(client)
        updated_by = {
            self.existing_pk(r): r.number for r in self.rows if self.existing_pk(r) is not None
        }
        linked: dict[int, int] = {}
        for row in new:
            v = row.values
            matches = {}
            for client in by_number.get(v["corporate_number"], []) if v["corporate_number"] else []:
                matches[client.pk] = (client, _("same corporate number"), "corporate_number")
            for client in (
                by_name.get((v["name_key"], v["phone_key"]), []) if v["phone_key"] else []
            ):
                matches.setdefault(client.pk, (client, _("same name and phone"), "business_name"))
            if not matches:
                continue
            label = "、".join(_client_label(c) for c, _reason, _key in matches.values())
            client, reason, key = next(iter(matches.values()))
            if not self.link_duplicates:
                self.warn(
                    row.number,
                    key,
                    _(
                        "Looks like the existing client %(client)s (%(reason)s). Without "
                        "“link duplicates” it is added as a new client."
                    )
                    % {"client": label, "reason": reason},
                )
            elif len(matches) > 1:
                self.problem(
                    row.number,
                    key,
                    _(
                        "Looks like several existing clients (%(clients)s), so it cannot be "
                        "linked to one of them."
                    )
                    % {"clients": label},
                )
            elif client.home_center_id != v["home_center_id"]:
                # Its ID lives in its registering center's numbering, not this row's.
                self.problem(
                    row.number,
                    key,
                    _(
                        "Looks like the existing client %(client)s, which another center "
                        "registered, so it cannot take this center's ID."
                    )
                    % {"client": label},
                )
            elif client.pk in linked:
                self.problem(
                    row.number,
                    key,
                    _("Row %(row)s is already linked to the existing client %(client)s.")
                    % {"row": linked[client.pk], "client": label},
                )
            elif client.pk in updated_by:
                self.problem(
                    row.number,
                    key,
                    _(
                        "Looks like the existing client %(client)s, which row %(row)s updates, "
                        "so it cannot be linked to it."
                    )
                    % {"client": label, "row": updated_by[client.pk]},
                )
            else:
                linked[client.pk] = row.number
                row.target = client
                row.values = {"external_id": row.external_id}
                self.warn(
                    row.number,
                    key,
                    _(
                        "Linked to the existing client %(client)s (%(reason)s): its client ID "
                        "becomes %(id)s and nothing else is changed."
                    )
                    % {"client": label, "reason": reason, "id": row.external_id},
                )


def _client_label(client) -> str:
    return client.external_id or f"#{client.pk}"


class _CaseImporter(_Importer):
    early_writes = True  # check_row uses only what load() looked up
    fields = (
        "external_id",
        "client_id",
        "center_id",
        "opened_on",
        "status",
        "resolved_on",
        "resolution_kind",
        "evidence",
    )

    def load(self):
        self.load_clients()
        self.topics = {_name_key(n): pk for pk, n in Topic.objects.values_list("pk", "name")}
        self.priority_fields = {
            _name_key(n): pk for pk, n in PriorityField.objects.values_list("pk", "name")
        }

    def names(self, number, key, word, table, message) -> list[int]:
        pks = []
        for name in split_list(word):
            pk = table.get(_name_key(name))
            if pk is None:
                self.problem(number, key, message % {"value": name})
            elif pk not in pks:
                pks.append(pk)
        return pks

    def check_row(self, number, cells, texts, external_id):
        p = self.parse
        topics = self.names(
            number, "topics", texts["topics"], self.topics, _("Unknown topic “%(value)s”.")
        )
        fields = self.names(
            number,
            "priority_fields",
            texts["priority_fields"],
            self.priority_fields,
            _("Unknown priority field “%(value)s”."),
        )
        opened = resolved = None
        if texts["opened_on"]:
            opened = p(number, "opened_on", date_cell, cells["opened_on"], texts["opened_on"])
        if texts["resolved_on"]:
            resolved = p(
                number, "resolved_on", date_cell, cells["resolved_on"], texts["resolved_on"]
            )
        status = CaseStatus.OPEN.value
        if texts["status"]:
            status = p(number, "status", choice, texts["status"], STATUSES)
        kind = ""
        if texts["resolution_kind"]:
            kind = p(
                number,
                "resolution_kind",
                choice,
                texts["resolution_kind"],
                RESOLUTIONS,
            )
        if status is not None and kind is not None:
            errors = case_errors(
                status=status, opened_on=opened, resolved_on=resolved, resolution_kind=kind
            )
            for name, message in errors.items():
                if not (name == "resolved_on" and texts["resolved_on"] and resolved is None):
                    self.problem(number, name, message)
        center = self.center(number, texts["center"])
        values = {
            "external_id": external_id,
            "client_id": self.client(number, texts["client"], center),
            "center_id": center,
            "opened_on": opened,
            "status": status,
            "resolved_on": resolved,
            "resolution_kind": kind,
            "evidence": raw_text(cells["evidence"]),
        }
        return Row(number, external_id, values, m2m={"topics": topics, "priority_fields": fields})

    def refresh_summaries(self, written, changed):
        keys = ("center_id", "resolved_on")
        existed = set(changed)
        solved = [tuple(row.values[name] for name in keys) for pk, row in written if pk in existed]
        solved += [self.old_values(pk, *keys) for pk in changed]
        # New cases' tags were counted in with them (they have no sessions yet).
        current = self.current_m2m["priority_fields"]
        retagged = [
            pk
            for pk, row in written
            if pk in existed and set(current.get(pk, ())) != set(row.m2m.get("priority_fields", ()))
        ]
        days, visits = summaries.case_keys(retagged)
        days |= {("cases_solved", center, day) for center, day in solved}
        summaries.refresh(days=days, visits=visits)


class _SessionImporter(_Importer):
    early_writes = True  # check_row uses only what load() looked up
    fields = (
        "external_id",
        "center_id",
        "client_id",
        "case_id",
        "date",
        "start_time",
        "minutes",
        "mode",
        "lead_staff_id",
        "summary",
    )

    def load(self):
        self.load_clients()
        self.load_persons()
        ids = set(self.texts["case"]) - {""}
        visible = Case.objects.for_user(self.user)
        self.cases = by_id(
            pairs(visible, "external_id", ids, "external_id", "center_id", "pk", "client_id")
        )
        self.load_served({v[-1] for found in self.cases.values() if len(found) == 1 for v in found})

    def check_row(self, number, cells, texts, external_id):
        center = self.center(number, texts["center"])
        client = self.client(number, texts["client"], center)
        case = None
        if (case_id := texts["case"]) and center is not None:
            found = one_of(self.cases.get(case_id, []), center, lambda v: self.serves(center, v[1]))
            if found is None:
                self.problem(number, "case", _("Unknown case ID “%(value)s”.") % {"value": case_id})
            elif client is not None and found[1] != client:
                self.problem(
                    number,
                    "case",
                    _("Case %(value)s belongs to another client.") % {"value": case_id},
                )
            else:
                case = found[0]
        day = start = mode = None
        if texts["date"]:
            day = self.parse(number, "date", date_cell, cells["date"], texts["date"])
        if texts["start_time"]:
            start = self.parse(
                number, "start_time", time_of_day, cells["start_time"], texts["start_time"]
            )
        minutes = 60
        if texts["minutes"]:
            minutes = self.parse(
                number, "minutes", integer, cells["minutes"], texts["minutes"], 1, 1440
            )
        if texts["mode"]:
            mode = self.parse(number, "mode", choice, texts["mode"], MODES)
        staff = self.staff(number, texts["staff"])
        values = {
            "external_id": external_id,
            "center_id": center,
            "client_id": client,
            "case_id": case,
            "date": day,
            "start_time": start,
            "minutes": minutes,
            "mode": mode,
            "lead_staff_id": staff[0] if staff else None,
            "summary": raw_text(cells["summary"]),
        }
        return Row(number, external_id, values, m2m={"other_staff": staff[1:]})

    def refresh_summaries(self, written, changed):
        keys = ("center_id", "client_id", "date")
        existed = set(changed)
        rows = [tuple(row.values[name] for name in keys) for pk, row in written if pk in existed]
        rows += [self.old_values(pk, *keys) for pk in changed]
        days, visits = summaries.session_keys(rows)
        summaries.refresh(days=days, visits=visits)


class _NetworkImporter(_Importer):
    early_writes = True  # check_row uses only what load() looked up
    fields = ("external_id", "center_id", "date", "kind", "description")

    def load(self):
        self.load_persons()
        # All of them (a few per prefecture): names compare after NFKC, which SQL cannot do.
        self.institutions: dict[str, list[tuple[int, str]]] = {}
        for pk, name, prefecture in SupportInstitution.objects.for_user(self.user).values_list(
            "pk", "name", "prefecture_id"
        ):
            self.institutions.setdefault(text(name), []).append((pk, prefecture))
        self.center_prefecture = dict(Center.objects.values_list("pk", "prefecture_id"))

    def institution_pks(self, number, word, center) -> list[int]:
        pks = []
        for name in split_list(word):
            found = self.institutions.get(name, [])
            here = self.center_prefecture.get(center)
            local = [pk for pk, prefecture in found if prefecture == here]
            if local:
                pk = local[0]
            elif len(found) == 1:
                pk = found[0][0]
            elif not found:
                self.problem(
                    number,
                    "institutions",
                    _("Unknown support institution “%(value)s”.") % {"value": name},
                )
                continue
            else:
                self.problem(
                    number,
                    "institutions",
                    _(
                        "Several support institutions are named “%(value)s” and none of them "
                        "is in this center's prefecture."
                    )
                    % {"value": name},
                )
                continue
            if pk not in pks:
                pks.append(pk)
        return pks

    def check_row(self, number, cells, texts, external_id):
        center = self.center(number, texts["center"])
        day = kind = None
        if texts["date"]:
            day = self.parse(number, "date", date_cell, cells["date"], texts["date"])
        if texts["kind"]:
            kind = self.parse(number, "kind", choice, texts["kind"], NETWORK_KINDS)
        values = {
            "external_id": external_id,
            "center_id": center,
            "date": day,
            "kind": kind,
            "description": raw_text(cells["description"]),
        }
        m2m = {
            "institutions": self.institution_pks(number, texts["institutions"], center),
            "staff": self.staff(number, texts["staff"]),
        }
        return Row(number, external_id, values, m2m=m2m)

    def refresh_summaries(self, written, changed):
        keys = ("center_id", "date")
        existed = set(changed)
        rows = [tuple(row.values[name] for name in keys) for pk, row in written if pk in existed]
        rows += [self.old_values(pk, *keys) for pk in changed]
        summaries.refresh(days={("network_activities", center, day) for center, day in rows})


# --- The kinds of file --------------------------------------------------------------

CENTER_NOTE = "the center (拠点)"

CLIENTS = imports.register(
    Kind(
        key="clients",
        title="相談者",
        label=gettext_lazy("Clients (相談者)"),
        model=Client,
        columns={
            "external_id": "相談者ID",
            "center": "拠点",
            "business_name": "事業者名",
            "corporate_number": "法人番号",
            "form": "形態",
            "industry": "業種",
            "employees": "従業員数",
            "capital": "資本金",
            "prefecture": "都道府県",
            "municipality": "市区町村",
            "phone": "電話",
            "email": "メール",
            "survey_consent": "調査同意",
        },
        required=("external_id", "center", "business_name", "form"),
        list_url="consultations:client_list",
        run=runner(_ClientImporter),
        template=lambda: TEMPLATES["clients"],
        notes={
            "external_id": "the client's ID in your system (up to 40 characters), unique within "
            "the center. Sessions and cases refer to it.",
            "center": "the registering center",
            "business_name": "business name (up to 200 characters)",
            "corporate_number": "corporate number: 13 digits with a correct check digit "
            "(hyphens are ignored)",
            "form": "the client's form",
            "industry": "the JSIC (日本標準産業分類) division letter A–T, optionally followed by "
            "its name (`E`, `E 製造業`, `E製造業`), or the name alone (`製造業`). A name that is "
            "another division's is a problem.",
            "employees": "number of employees",
            "capital": "capital in yen",
            "prefecture": "the client's prefecture (`東京都`, `東京` or `13`)",
            "municipality": "municipality",
            "phone": "phone",
            "email": "email address",
            "survey_consent": "consents to surveys: 有/はい/yes/1/TRUE or 無/いいえ/no/0/FALSE; "
            "empty = no",
        },
        choices={"form": CLIENT_FORMS},
        natural_key="相談者ID within the center (拠点)",
        link_duplicates=True,
        order=20,
        description="**Probable duplicates.** A row with a new 相談者ID that looks like an "
        "existing client the user may change — the same corporate number, or the same business "
        "name (ignoring spaces and 株式会社/（株） etc.) and phone — is reported as a *warning* "
        "naming the existing client's ID, and the client is created. With **link duplicates** "
        "(the checkbox on the page, `--link-duplicates` on the command line) such a row instead "
        "takes over the existing client: the client's ID becomes the row's 相談者ID and nothing "
        "else is changed. A row that looks like several existing clients, or like one that "
        "another row of the file links to or updates, is reported as a problem.",
    )
)
CASES = imports.register(
    Kind(
        key="cases",
        title="課題",
        label=gettext_lazy("Cases (課題)"),
        model=Case,
        columns={
            "external_id": "課題ID",
            "client": "相談者ID",
            "center": "拠点",
            "topics": "相談分野",
            "priority_fields": "重点分野",
            "opened_on": "開始日",
            "status": "状態",
            "resolved_on": "解決日",
            "resolution_kind": "解決区分",
            "evidence": "成果",
        },
        required=("external_id", "client", "center", "opened_on"),
        list_url="consultations:case_list",
        run=runner(_CaseImporter),
        template=lambda: TEMPLATES["cases"],
        notes={
            "external_id": "the case's ID in your system",
            "client": "the client; must already exist (import the clients first)",
            "center": "the center working the case",
            "topics": "topics, names of the topic list (相談分野マスタ), several joined by `;`; "
            "the case's topics are set to exactly these",
            "priority_fields": "priority fields, names of the priority field list, several "
            "joined by `;`",
            "opened_on": "date the case was opened",
            "status": "empty = in progress",
            "resolved_on": "resolution date; required when solved, not before 開始日",
            "resolution_kind": "required when solved",
            "evidence": "evidence of the result (free text)",
        },
        choices={"status": STATUSES, "resolution_kind": RESOLUTIONS},
        natural_key="課題ID within the center (拠点)",
        order=30,
    )
)
SESSIONS = imports.register(
    Kind(
        key="sessions",
        title="相談対応",
        label=gettext_lazy("Consultation sessions (相談対応)"),
        model=Consultation,
        columns={
            "external_id": "対応ID",
            "center": "拠点",
            "client": "相談者ID",
            "case": "課題ID",
            "date": "対応日",
            "start_time": "開始時刻",
            "minutes": "時間(分)",
            "mode": "対応方法",
            "staff": "担当者",
            "summary": "概要",
        },
        required=("external_id", "center", "client", "date", "mode"),
        list_url="consultations:consultation_list",
        run=runner(_SessionImporter),
        template=lambda: TEMPLATES["sessions"],
        notes={
            "external_id": "the session's ID in your system",
            "center": "the center that held the session (a client may consult several centers)",
            "client": "the client; must already exist",
            "case": "the case the session worked on; must exist and belong to the same client",
            "date": "date of the session",
            "start_time": "start time",
            "minutes": "length in minutes, 1–1440; empty = 60",
            "mode": "how the session was held",
            "staff": "staff codes (職員コード) joined by `;`: the first is the lead, the others "
            "joined the session",
            "summary": "summary (free text)",
        },
        choices={"mode": MODES},
        natural_key="対応ID within the center (拠点)",
        order=40,
    )
)
NETWORK = imports.register(
    Kind(
        key="network",
        title="ネットワーク活動",
        label=gettext_lazy("Network activities (ネットワーク活動)"),
        model=NetworkActivity,
        columns={
            "external_id": "活動ID",
            "center": "拠点",
            "date": "実施日",
            "institutions": "連携機関",
            "kind": "区分",
            "description": "内容",
            "staff": "担当者",
        },
        required=("external_id", "center", "date", "institutions", "kind"),
        list_url="consultations:activity_list",
        run=runner(_NetworkImporter),
        template=lambda: TEMPLATES["network"],
        notes={
            "external_id": "the activity's ID in your system",
            "center": "the center",
            "date": "date",
            "institutions": "support institutions by name, several joined by `;` (import them "
            "first: `institutions`). A name is looked up among the institutions the user sees: "
            "in the center's prefecture first, then elsewhere if only one institution has it.",
            "kind": "the kind of activity",
            "description": "description (free text)",
            "staff": "staff codes joined by `;`",
        },
        choices={"kind": NETWORK_KINDS},
        natural_key="活動ID within the center (拠点)",
        order=50,
    )
)

TEMPLATES = {
    "clients": [
        [
            "C0001",
            "東京都",
            "株式会社よろず製作所",
            "7000012050002",
            "法人",
            "E 製造業",
            25,
            10000000,
            "東京都",
            "千代田区",
            "03-1234-5678",
            "info@example.jp",
            "有",
        ],
        [
            "C0002",
            "13",
            "やまだ商店",
            "",
            "個人事業主",
            "I",
            2,
            "",
            "東京",
            "八王子市",
            "042-000-0000",
            "",
            "無",
        ],
        ["C0003", "東京", "山田 花子", "", "創業予定", "", "", "", "", "", "", "", ""],
    ],
    "cases": [
        [
            "K0001",
            "C0001",
            "東京都",
            "売上拡大;IT・DX",
            "DX推進",
            "2025-04-01",
            "解決",
            "2025-09-30",
            "売上増加",
            "ECサイト開設で売上が前年比120%",
        ],
        ["K0002", "C0003", "13", "創業", "創業支援", "2025/5/1", "対応中", "", "", ""],
    ],
    "sessions": [
        [
            "S000001",
            "東京都",
            "C0001",
            "K0001",
            "2025-04-01",
            "10:00",
            60,
            "来訪",
            "T0001;T0002",
            "販路開拓の相談",
        ],
        ["S000002", "13", "C0002", "", "2025/4/3", "", 30, "電話", "", "資金繰りの相談"],
    ],
    "network": [
        [
            "N0001",
            "東京都",
            "2025-04-10",
            "東京商工会議所;日本政策金融公庫 東京支店",
            "訪問・連携会議",
            "連携会議で相談事例を共有",
            "T0001",
        ],
        ["N0002", "13", "2025/5/20", "東京商工会議所", "共催セミナー", "創業セミナー", ""],
    ],
}
