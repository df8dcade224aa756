"""Master data present after a fresh install (domain brief §2).

Loaded by a data migration; every name here can be edited afterwards.
"""

# (code, name, short name)
BUREAUS = [
    ("hokkaido", "北海道経済産業局", "北海道"),
    ("tohoku", "東北経済産業局", "東北"),
    ("kanto", "関東経済産業局", "関東"),
    ("chubu", "中部経済産業局", "中部"),
    ("kinki", "近畿経済産業局", "近畿"),
    ("chugoku", "中国経済産業局", "中国"),
    ("shikoku", "四国経済産業局", "四国"),
    ("kyushu", "九州経済産業局", "九州"),
    ("okinawa", "沖縄総合事務局", "沖縄"),
]

# The 7 training blocks and the bureaus whose prefectures they group by default.
TRAINING_BLOCKS = [
    ("北海道・東北ブロック", ["hokkaido", "tohoku"]),
    ("関東ブロック", ["kanto"]),
    ("中部ブロック", ["chubu"]),
    ("近畿ブロック", ["kinki"]),
    ("中国ブロック", ["chugoku"]),
    ("四国ブロック", ["shikoku"]),
    ("九州・沖縄ブロック", ["kyushu", "okinawa"]),
]

# (JIS code, name, short name, bureau code), in JIS order.
PREFECTURES = [
    ("01", "北海道", "北海道", "hokkaido"),
    ("02", "青森県", "青森", "tohoku"),
    ("03", "岩手県", "岩手", "tohoku"),
    ("04", "宮城県", "宮城", "tohoku"),
    ("05", "秋田県", "秋田", "tohoku"),
    ("06", "山形県", "山形", "tohoku"),
    ("07", "福島県", "福島", "tohoku"),
    ("08", "茨城県", "茨城", "kanto"),
    ("09", "栃木県", "栃木", "kanto"),
    ("10", "群馬県", "群馬", "kanto"),
    ("11", "埼玉県", "埼玉", "kanto"),
    ("12", "千葉県", "千葉", "kanto"),
    ("13", "東京都", "東京", "kanto"),
    ("14", "神奈川県", "神奈川", "kanto"),
    ("15", "新潟県", "新潟", "kanto"),
    ("16", "富山県", "富山", "chubu"),
    ("17", "石川県", "石川", "chubu"),
    ("18", "福井県", "福井", "kinki"),
    ("19", "山梨県", "山梨", "kanto"),
    ("20", "長野県", "長野", "kanto"),
    ("21", "岐阜県", "岐阜", "chubu"),
    ("22", "静岡県", "静岡", "kanto"),
    ("23", "愛知県", "愛知", "chubu"),
    ("24", "三重県", "三重", "chubu"),
    ("25", "滋賀県", "滋賀", "kinki"),
    ("26", "京都府", "京都", "kinki"),
    ("27", "大阪府", "大阪", "kinki"),
    ("28", "兵庫県", "兵庫", "kinki"),
    ("29", "奈良県", "奈良", "kinki"),
    ("30", "和歌山県", "和歌山", "kinki"),
    ("31", "鳥取県", "鳥取", "chugoku"),
    ("32", "島根県", "島根", "chugoku"),
    ("33", "岡山県", "岡山", "chugoku"),
    ("34", "広島県", "広島", "chugoku"),
    ("35", "山口県", "山口", "chugoku"),
    ("36", "徳島県", "徳島", "shikoku"),
    ("37", "香川県", "香川", "shikoku"),
    ("38", "愛媛県", "愛媛", "shikoku"),
    ("39", "高知県", "高知", "shikoku"),
    ("40", "福岡県", "福岡", "kyushu"),
    ("41", "佐賀県", "佐賀", "kyushu"),
    ("42", "長崎県", "長崎", "kyushu"),
    ("43", "熊本県", "熊本", "kyushu"),
    ("44", "大分県", "大分", "kyushu"),
    ("45", "宮崎県", "宮崎", "kyushu"),
    ("46", "鹿児島県", "鹿児島", "kyushu"),
    ("47", "沖縄県", "沖縄", "okinawa"),
]

SUPPORT_INSTITUTION_TYPES = [
    "商工会",
    "商工会議所",
    "金融機関（銀行）",
    "金融機関（信用金庫・信用組合）",
    "政府系金融機関",
    "信用保証協会",
    "商店街振興組合",
    "観光協会",
    "市区町村",
    "都道府県",
    "中小企業団体中央会",
    "士業団体",
    "認定支援機関",
    "大学・研究機関",
    "その他",
]

QUALIFICATIONS = [
    "中小企業診断士",
    "税理士",
    "公認会計士",
    "社会保険労務士",
    "行政書士",
    "司法書士",
    "弁護士",
    "弁理士",
    "技術士",
    "ITコーディネーター",
    "情報処理技術者",
    "ファイナンシャル・プランニング技能士",
    "販売士",
    "ISO審査員",
    "貿易アドバイザー",
    "建築士",
    "不動産鑑定士",
    "ウェブデザイン技能士",
    "カラーコーディネーター",
    "フードコーディネーター",
    "調理師",
    "その他",
]


def center_name(prefecture_name: str) -> str:
    return f"{prefecture_name}よろず支援拠点"


def default_implementing_body_name(prefecture_name: str) -> str:
    # A placeholder the Agency replaces with the contracted body's real name.
    return f"{prefecture_name}中小企業支援センター"


def load(apps) -> None:
    """Create the master data with the models of the migration state ``apps``."""
    Bureau = apps.get_model("organizations", "Bureau")
    TrainingBlock = apps.get_model("organizations", "TrainingBlock")
    Prefecture = apps.get_model("organizations", "Prefecture")
    ImplementingBody = apps.get_model("organizations", "ImplementingBody")
    Center = apps.get_model("organizations", "Center")
    SupportInstitutionType = apps.get_model("organizations", "SupportInstitutionType")
    Qualification = apps.get_model("organizations", "Qualification")

    bureaus = {}
    for order, (code, name, short) in enumerate(BUREAUS, start=1):
        bureaus[code], _ = Bureau.objects.get_or_create(
            code=code, defaults={"name": name, "short_name": short, "order": order}
        )
    block_of_bureau = {}
    for order, (name, bureau_codes) in enumerate(TRAINING_BLOCKS, start=1):
        block, _ = TrainingBlock.objects.get_or_create(name=name, defaults={"order": order})
        for code in bureau_codes:
            block_of_bureau[code] = block
    for code, name, short, bureau_code in PREFECTURES:
        prefecture, _ = Prefecture.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "short_name": short,
                "bureau": bureaus[bureau_code],
                "training_block": block_of_bureau[bureau_code],
            },
        )
        if not Center.objects.filter(code=code).exists():
            body = ImplementingBody.objects.create(
                name=default_implementing_body_name(name), prefecture=prefecture
            )
            Center.objects.create(
                code=code, name=center_name(name), prefecture=prefecture, implementing_body=body
            )
    for order, name in enumerate(SUPPORT_INSTITUTION_TYPES, start=1):
        SupportInstitutionType.objects.get_or_create(name=name, defaults={"order": order})
    for order, name in enumerate(QUALIFICATIONS, start=1):
        Qualification.objects.get_or_create(name=name, defaults={"order": order})
