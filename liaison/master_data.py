"""The national support organisations HQ works with (master data, present after migrate)."""

# (name, kind)
NATIONAL_INSTITUTIONS = [
    ("日本商工会議所", "business"),
    ("全国商工会連合会", "business"),
    ("全国中小企業団体中央会", "business"),
    ("全国商店街振興組合連合会", "business"),
    ("株式会社日本政策金融公庫", "finance"),
    ("株式会社商工組合中央金庫", "finance"),
    ("全国信用保証協会連合会", "finance"),
    ("独立行政法人日本貿易振興機構（JETRO）", "public"),
    ("独立行政法人中小企業基盤整備機構", "public"),
    ("独立行政法人情報処理推進機構（IPA）", "public"),
    ("一般社団法人全国銀行協会", "finance"),
    ("一般社団法人全国地方銀行協会", "finance"),
    ("一般社団法人全国信用金庫協会", "finance"),
    ("一般社団法人中小企業診断協会", "professional"),
    ("日本税理士会連合会", "professional"),
    ("日本弁理士会", "professional"),
]


def load(apps) -> None:
    NationalInstitution = apps.get_model("liaison", "NationalInstitution")
    for order, (name, kind) in enumerate(NATIONAL_INSTITUTIONS, start=1):
        NationalInstitution.objects.get_or_create(
            name=name, defaults={"kind": kind, "order": order}
        )
