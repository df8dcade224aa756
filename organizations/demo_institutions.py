"""Demo support institutions (中小企業支援機関) for the 47 prefectures.

About 25 partners per prefecture, named after the prefecture and its major
cities the way the real ones are: 商工会議所 of the main cities, the prefecture's
商工会連合会, 信用保証協会 and 中小企業団体中央会, a regional bank, 信用金庫 and a
信用組合, branches of 日本政策金融公庫, 観光協会, 商店街振興組合, the cities and the
prefecture itself, and the professional bodies (税理士会, 中小企業診断士協会, 社会保険労務士会).
"""

import random

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from .models import Prefecture, SupportInstitution, SupportInstitutionType

# Two to four major municipalities per prefecture, the prefectural capital first.
CITIES = {
    "01": ["札幌市", "旭川市", "函館市", "帯広市"],
    "02": ["青森市", "八戸市", "弘前市"],
    "03": ["盛岡市", "一関市", "奥州市"],
    "04": ["仙台市", "石巻市", "大崎市"],
    "05": ["秋田市", "横手市", "大仙市"],
    "06": ["山形市", "鶴岡市", "酒田市"],
    "07": ["福島市", "郡山市", "いわき市", "会津若松市"],
    "08": ["水戸市", "つくば市", "日立市"],
    "09": ["宇都宮市", "小山市", "足利市"],
    "10": ["前橋市", "高崎市", "太田市"],
    "11": ["さいたま市", "川越市", "川口市", "越谷市"],
    "12": ["千葉市", "船橋市", "柏市", "松戸市"],
    "13": ["八王子市", "立川市", "武蔵野市", "町田市"],
    "14": ["横浜市", "川崎市", "相模原市", "藤沢市"],
    "15": ["新潟市", "長岡市", "上越市"],
    "16": ["富山市", "高岡市", "射水市"],
    "17": ["金沢市", "小松市", "白山市"],
    "18": ["福井市", "敦賀市", "坂井市"],
    "19": ["甲府市", "富士吉田市", "甲斐市"],
    "20": ["長野市", "松本市", "上田市"],
    "21": ["岐阜市", "大垣市", "高山市"],
    "22": ["静岡市", "浜松市", "富士市", "沼津市"],
    "23": ["名古屋市", "豊田市", "岡崎市", "豊橋市"],
    "24": ["津市", "四日市市", "鈴鹿市"],
    "25": ["大津市", "草津市", "彦根市"],
    "26": ["京都市", "宇治市", "福知山市"],
    "27": ["大阪市", "堺市", "東大阪市", "豊中市"],
    "28": ["神戸市", "姫路市", "西宮市", "尼崎市"],
    "29": ["奈良市", "橿原市", "生駒市"],
    "30": ["和歌山市", "田辺市", "橋本市"],
    "31": ["鳥取市", "米子市", "倉吉市"],
    "32": ["松江市", "出雲市", "浜田市"],
    "33": ["岡山市", "倉敷市", "津山市"],
    "34": ["広島市", "福山市", "呉市"],
    "35": ["山口市", "下関市", "周南市"],
    "36": ["徳島市", "阿南市", "鳴門市"],
    "37": ["高松市", "丸亀市", "坂出市"],
    "38": ["松山市", "今治市", "新居浜市"],
    "39": ["高知市", "南国市", "四万十市"],
    "40": ["福岡市", "北九州市", "久留米市", "飯塚市"],
    "41": ["佐賀市", "唐津市", "鳥栖市"],
    "42": ["長崎市", "佐世保市", "諫早市"],
    "43": ["熊本市", "八代市", "天草市"],
    "44": ["大分市", "別府市", "中津市"],
    "45": ["宮崎市", "都城市", "延岡市"],
    "46": ["鹿児島市", "霧島市", "鹿屋市"],
    "47": ["那覇市", "沖縄市", "浦添市", "名護市"],
}


def city_base(municipality: str) -> str:
    """'札幌市' -> '札幌', the form used in the names of chambers, banks and branches."""
    return municipality[:-1] if municipality.endswith(("市", "区", "町", "村")) else municipality


def institutions_for(prefecture: Prefecture) -> list[tuple[str, str]]:
    """(type name, institution name) pairs for one prefecture, in a fixed order."""
    pref, short = prefecture.name, prefecture.short_name
    cities = CITIES[prefecture.code]
    bases = [city_base(city) for city in cities]
    rows = []
    if prefecture.code == "13":
        rows.append(("商工会議所", "東京商工会議所"))
    rows += [("商工会議所", f"{base}商工会議所") for base in bases]
    rows.append(("商工会", f"{pref}商工会連合会"))
    rows.append(("金融機関（銀行）", f"{short}銀行"))
    rows += [("金融機関（信用金庫・信用組合）", f"{base}信用金庫") for base in bases[:2]]
    rows.append(("金融機関（信用金庫・信用組合）", f"{pref}信用組合"))
    rows += [("政府系金融機関", f"日本政策金融公庫 {base}支店") for base in bases[:2]]
    rows.append(("信用保証協会", f"{pref}信用保証協会"))
    rows += [("商店街振興組合", f"{base}中央商店街振興組合") for base in bases[:2]]
    rows += [("観光協会", f"{base}観光協会") for base in bases[:2]]
    rows += [("市区町村", city) for city in cities]
    rows.append(("都道府県", pref))
    rows.append(("中小企業団体中央会", f"{pref}中小企業団体中央会"))
    rows.append(("士業団体", f"{pref}税理士会"))
    rows.append(("士業団体", f"{pref}中小企業診断士協会"))
    rows.append(("士業団体", f"{pref}社会保険労務士会"))
    return rows


@transaction.atomic
def build(rng: random.Random, log) -> None:
    if SupportInstitution.objects.exists():
        log("support institutions: already present, skipped")
        return
    types = {t.name: t for t in SupportInstitutionType.objects.all()}
    institutions = [
        SupportInstitution(name=name, institution_type=types[type_name], prefecture=prefecture)
        for prefecture in Prefecture.objects.order_by("code")
        for type_name, name in institutions_for(prefecture)
    ]
    bulk_create_with_history(institutions, SupportInstitution, batch_size=500)
    log(f"support institutions: {len(institutions)} in 47 prefectures")
