"""Default finding categories of a visit, loaded by a data migration and editable afterwards."""

FINDING_CATEGORIES = [
    "相談対応の質",
    "課題解決までのフォローアップ",
    "支援機関との連携",
    "広報・集客",
    "人員体制・役割分担",
    "相談記録・データ管理",
    "重点分野への取組",
    "事業計画の進捗管理",
    "専門家の活用",
    "その他",
]


def load(apps) -> None:
    FindingCategory = apps.get_model("support", "FindingCategory")
    for order, name in enumerate(FINDING_CATEGORIES, start=1):
        FindingCategory.objects.get_or_create(name=name, defaults={"order": order})
