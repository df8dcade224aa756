"""What a published case study must not say: who the client is, unless they agreed.

Compared after NFKC normalisation and case folding, without spaces, so ＡＢＣ商事 and
ABC商事, 03-1234-5678 and ０３（１２３４）５６７８ are the same.
"""

import re
import unicodedata

from django.utils.translation import gettext as _

from consultations.models import normalize_name


def _flat(text: str) -> str:
    return re.sub(r"[\s\u3000・]", "", unicodedata.normalize("NFKC", text or "").casefold())


def _digit_runs(text: str) -> list[str]:
    """Every number the text writes, its separators (hyphens, brackets, spaces) left out."""
    normalised = unicodedata.normalize("NFKC", text or "")
    runs = re.findall(r"\d[\d\-‐−ー() ]*\d|\d", normalised)
    return [re.sub(r"\D", "", run) for run in runs]


def identity_leaks(text: str, client, *, name_allowed: bool) -> list[str]:
    """The client's identifying details ``text`` contains, as messages (empty: none)."""
    flat = _flat(text)
    numbers = _digit_runs(text)
    found = []
    if not name_allowed:
        names = {_flat(client.business_name), normalize_name(client.business_name)}
        if any(name and name in flat for name in names):
            found.append(_("the client's registered name"))
    if client.corporate_number and any(client.corporate_number in n for n in numbers):
        found.append(_("the corporate number"))
    phone = re.sub(r"\D", "", unicodedata.normalize("NFKC", client.phone or ""))
    if len(phone) >= 6 and any(phone in n for n in numbers):
        found.append(_("the phone number"))
    if client.email and _flat(client.email) in flat:
        found.append(_("the e-mail address"))
    return found
