"""Default taxonomies, loaded by a data migration and editable afterwards."""

TOPICS = [
    "売上拡大",
    "経営改善・事業再生",
    "創業",
    "事業承継",
    "廃業",
    "資金繰り",
    "IT・DX",
    "人材",
    "海外展開",
    "生産性向上",
    "知的財産",
    "その他",
]

PRIORITY_FIELDS = [
    "創業支援",
    "事業承継",
    "DX推進",
    "販路開拓",
    "経営改善・事業再生",
    "観光・地域資源活用",
    "海外展開",
    "人材確保・育成",
]


def load(apps) -> None:
    Topic = apps.get_model("consultations", "Topic")
    PriorityField = apps.get_model("consultations", "PriorityField")
    for order, name in enumerate(TOPICS, start=1):
        Topic.objects.get_or_create(name=name, defaults={"order": order})
    for order, name in enumerate(PRIORITY_FIELDS, start=1):
        PriorityField.objects.get_or_create(name=name, defaults={"order": order})
