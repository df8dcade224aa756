"""Demo: one import on 取込の履歴, as the Tokyo center makes it when it starts — its
partner list with the municipalities and contacts its spreadsheet kept (undoable for 7
days after the demo is built)."""

import random

from accounts.models import User
from core.imports import run_import
from core.models import ImportBatch
from core.tabular import Table
from organizations.institutions import HEADERS

ROWS = [
    ("東京商工会議所", "商工会議所", "東京都", "千代田区", "中小企業相談センター 03-3283-7700"),
    ("八王子商工会議所", "商工会議所", "東京都", "八王子市", "経営支援課 042-623-6311"),
    ("ｼﾝｷﾝ多摩 創業支援ﾃﾞｽｸ", "金融機関（信用金庫・信用組合）", "東京", "立川市", "担当 山本"),
    ("東京都中小企業診断士協会", "士業団体", "13", "中央区", "事務局 03-5550-0033"),
]


def build(rng: random.Random, log) -> None:
    if ImportBatch.objects.exists():
        log("import batches: already present, skipped")
        return
    manager = User.objects.filter(username="tokyo-cc").first()
    if manager is None:
        log("import batches: no tokyo-cc, skipped")
        return
    keys = list(HEADERS)
    rows = [
        (number, dict(zip([HEADERS[k] for k in keys], [*row, ""], strict=False)))
        for number, row in enumerate(ROWS, start=2)
    ]
    result = run_import(
        "institutions",
        Table(headers=list(HEADERS.values()), rows=rows),
        user=manager,
        file_name="東京_連携機関一覧.xlsx",
    )
    if not result.ok:
        log(f"import batches: the demo import failed: {result.problems[:3]}")
        return
    log(f"import batches: 1 ({result.created} created, {result.updated} updated)")
