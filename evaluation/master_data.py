"""The standard hearing checklist: items in four groups, each scored 0–3 (idempotent)."""

NAME = "標準ヒアリングチェックリスト"
LEVELS = ("取組なし", "一部で実施", "概ね実施", "十分に実施し成果あり")

# (group, item, what 3 means); 0–2 follow the common scale above.
ITEMS = [
    (
        "consultation",
        "相談者の課題を的確に把握し、解決まで継続的に支援しているか",
        "全案件で課題を整理し、解決まで追跡している",
    ),
    (
        "consultation",
        "チーフコーディネーターが全相談の対応状況を把握しているか",
        "定例で全案件を確認し、対応を指示している",
    ),
    (
        "consultation",
        "相談対応の質を高める仕組み（事例共有・同席）があるか",
        "定期的な事例検討と同席指導を行っている",
    ),
    (
        "consultation",
        "相談記録が適時・正確に入力されているか",
        "全件が当日中に記録され、内容も十分",
    ),
    (
        "collaboration",
        "地域の支援機関と役割分担し、相互に紹介しているか",
        "主要機関と紹介の実績が双方向にある",
    ),
    (
        "collaboration",
        "支援機関向けの研修・勉強会等で地域の支援力向上に寄与しているか",
        "定期開催し、参加機関から評価されている",
    ),
    (
        "collaboration",
        "金融機関との連携により資金面の課題に対応しているか",
        "複数の金融機関と案件単位で連携している",
    ),
    (
        "organisation",
        "事業計画の進捗を定期的に確認し、必要な対策を講じているか",
        "月次で確認し、遅れに対策を講じている",
    ),
    (
        "organisation",
        "コーディネーターの育成・研修受講が計画的に行われているか",
        "全員が計画的に研修を受講している",
    ),
    (
        "organisation",
        "個人情報・相談情報の管理が適切に行われているか",
        "規程に沿って管理し、点検も行っている",
    ),
    (
        "initiatives",
        "地域の特性を踏まえた独自の取組があるか",
        "独自の取組が成果を上げ、他拠点の参考になる",
    ),
    (
        "initiatives",
        "広報・周知により新たな相談者を開拓しているか",
        "多様な手段で周知し、新規相談が増えている",
    ),
]


def load(apps):
    Template = apps.get_model("evaluation", "ChecklistTemplate")
    Item = apps.get_model("evaluation", "ChecklistItem")
    template, _created = Template.objects.get_or_create(name=NAME)
    for order, (group, text, best) in enumerate(ITEMS, start=1):
        Item.objects.get_or_create(
            template=template,
            order=order,
            defaults={
                "group": group,
                "text": text,
                "score_0": LEVELS[0],
                "score_1": LEVELS[1],
                "score_2": LEVELS[2],
                "score_3": best,
            },
        )
