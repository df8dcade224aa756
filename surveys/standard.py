"""The two standard templates, present after ``migrate`` (and loaded again by the demo and
the browser tests, which start from flushed tables). ``load`` is idempotent: it creates a
template's first version only when the template does not exist yet."""

SATISFACTION = [
    {"ja": "不満", "en": "Dissatisfied"},
    {"ja": "やや不満", "en": "Somewhat dissatisfied"},
    {"ja": "どちらともいえない", "en": "Neither"},
    {"ja": "やや満足", "en": "Somewhat satisfied"},
    {"ja": "満足", "en": "Satisfied"},
]
USEFULNESS = [
    {"ja": "役に立たなかった", "en": "Not useful"},
    {"ja": "あまり役に立たなかった", "en": "Not very useful"},
    {"ja": "どちらともいえない", "en": "Neither"},
    {"ja": "ある程度役に立った", "en": "Fairly useful"},
    {"ja": "大いに役に立った", "en": "Very useful"},
]
RECOMMEND = [
    {"ja": "勧めない", "en": "Would not recommend"},
    {"ja": "あまり勧めない", "en": "Would rather not recommend"},
    {"ja": "どちらともいえない", "en": "Not sure"},
    {"ja": "勧めたい", "en": "Would recommend"},
    {"ja": "ぜひ勧めたい", "en": "Would certainly recommend"},
]
GOOD = [
    {"ja": "悪い", "en": "Poor"},
    {"ja": "やや悪い", "en": "Fair"},
    {"ja": "普通", "en": "Average"},
    {"ja": "良い", "en": "Good"},
    {"ja": "大変良い", "en": "Very good"},
]


def _q(code, kind, text, text_en, choices=(), required=True):
    return {
        "code": code,
        "kind": kind,
        "text": text,
        "text_en": text_en,
        "choices": list(choices),
        "required": required,
    }


TEMPLATES = [
    {
        "code": "client-satisfaction",
        "kind": "client",
        "name": "顧客満足度調査（標準）",
        "title": "よろず支援拠点 顧客満足度調査",
        "title_en": "Yorozu Support Center client satisfaction survey",
        "introduction": (
            "このたびはよろず支援拠点をご利用いただき、ありがとうございました。"
            "支援の質を高めるため、アンケートへのご協力をお願いいたします（所要時間 約3分）。"
            "回答は匿名で集計され、どなたが回答したかは拠点にはわかりません。"
        ),
        "introduction_en": (
            "Thank you for using the Yorozu Support Center. Please help us improve our support "
            "by answering this short survey (about 3 minutes). Answers are anonymous: the center "
            "cannot tell who answered."
        ),
        "questions": [
            _q(
                "overall",
                "scale",
                "当拠点の支援に対する総合的な満足度をお聞かせください。",
                "Overall, how satisfied are you with the center's support?",
                SATISFACTION,
            ),
            _q(
                "usefulness",
                "scale",
                "助言の内容は役に立ちましたか。",
                "How useful was the advice you received?",
                USEFULNESS,
            ),
            _q(
                "progress",
                "single",
                "相談した課題は前進しましたか。",
                "Did the problem you consulted about move forward?",
                [
                    {"ja": "解決した", "en": "It was solved"},
                    {"ja": "前進した", "en": "It moved forward"},
                    {"ja": "変わらない", "en": "No change"},
                    {"ja": "まだわからない", "en": "Too early to say"},
                ],
            ),
            _q(
                "recommend",
                "scale",
                "知り合いの事業者に当拠点を勧めたいと思いますか。",
                "Would you recommend the center to other business owners?",
                RECOMMEND,
            ),
            _q(
                "attitude",
                "scale",
                "担当者の対応（説明のわかりやすさ、親身さ）はいかがでしたか。",
                "How were the staff (clear explanations, genuine care)?",
                GOOD,
            ),
            _q(
                "channel",
                "multiple",
                "当拠点を知ったきっかけを教えてください（複数選択可）。",
                "How did you hear of the center? (choose all that apply)",
                [
                    {"ja": "商工会・商工会議所の紹介", "en": "Referred by a chamber of commerce"},
                    {"ja": "金融機関の紹介", "en": "Referred by a bank"},
                    {"ja": "自治体の紹介・広報", "en": "Municipality"},
                    {"ja": "ウェブサイト・SNS", "en": "Website or social media"},
                    {"ja": "知人の紹介", "en": "An acquaintance"},
                    {"ja": "その他", "en": "Other"},
                ],
                required=False,
            ),
            _q(
                "comment",
                "text",
                "ご意見・ご要望がありましたら、ご自由にお書きください。",
                "Any comments or requests? Please write freely.",
                required=False,
            ),
        ],
    },
    {
        "code": "institution-evaluation",
        "kind": "institution",
        "name": "支援機関による評価（標準）",
        "title": "よろず支援拠点 支援機関による評価",
        "title_en": "Evaluation of the Yorozu Support Center by support institutions",
        "introduction": (
            "日頃より当拠点との連携にご協力いただき、ありがとうございます。"
            "今年度の連携について、貴機関のご評価をお聞かせください。"
            "回答は匿名で集計されます。"
        ),
        "introduction_en": (
            "Thank you for working with the center. Please tell us how you rate this year's "
            "collaboration. Answers are anonymous."
        ),
        "questions": [
            _q(
                "collaboration",
                "scale",
                "当拠点との連携の質をどう評価されますか。",
                "How do you rate the quality of the collaboration with the center?",
                GOOD,
            ),
            _q(
                "referrals",
                "scale",
                "貴機関からの紹介・取次ぎへの当拠点の対応（迅速さ・的確さ）はいかがでしたか。",
                "How did the center respond to your referrals (speed and accuracy)?",
                GOOD,
            ),
            _q(
                "members",
                "scale",
                "当拠点の支援は、貴機関の会員・取引先にとって役に立っていますか。",
                "How useful is the center to your institution's members and clients?",
                USEFULNESS,
            ),
            _q(
                "comment",
                "text",
                "連携に関するご意見・ご要望をご自由にお書きください。",
                "Any comments or requests about the collaboration?",
                required=False,
            ),
        ],
    },
]


def load(apps) -> None:
    """Create the standard templates that are missing (works in migrations too)."""
    template_model = apps.get_model("surveys", "SurveyTemplate")
    version_model = apps.get_model("surveys", "TemplateVersion")
    question_model = apps.get_model("surveys", "Question")
    for spec in TEMPLATES:
        if template_model.objects.filter(code=spec["code"]).exists():
            continue
        template = template_model.objects.create(
            code=spec["code"], kind=spec["kind"], name=spec["name"], is_standard=True
        )
        version = version_model.objects.create(
            template=template,
            number=1,
            title=spec["title"],
            title_en=spec["title_en"],
            introduction=spec["introduction"],
            introduction_en=spec["introduction_en"],
        )
        question_model.objects.bulk_create(
            question_model(version=version, order=order, **question)
            for order, question in enumerate(spec["questions"], start=1)
        )


def ensure() -> None:
    from django.apps import apps

    load(apps)
