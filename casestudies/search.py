"""Text search over case studies for Japanese: one function for every database.

The searched column (``CaseStudy.search_text``) and the query are both normalised (NFKC,
case-folded), so ＩＴ導入 finds IT導入. Each word of the query must occur in the text
(``LIKE '%word%'``): substring matching finds 資金繰り inside 資金繰りの改善 with no word
splitting, and gives the same answer on SQLite and PostgreSQL. On PostgreSQL a pg_trgm GIN
index on the column serves the LIKE for words of three characters or more (migration
0002); a shorter word is read without it, within the filtered rows.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation


def normalise(text: str) -> str:
    """NFKC, case-folded, runs of spaces made one."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "").casefold()).strip()


def words(query: str) -> list[str]:
    return [w for w in normalise(query).split(" ") if w][:10]


@dataclass
class SearchFilters:
    query: str = ""
    industry: str = ""
    prefecture: str = ""
    topic: int | None = None
    priority_field: int | None = None
    support_kind: str = ""
    min_growth: Decimal | None = None  # value added up by at least this many %
    raw: dict = field(default_factory=dict)

    @classmethod
    def from_query(cls, params) -> "SearchFilters":
        """Filters from a page's query string; a value that makes no sense is ignored."""

        def number(name, kind=int):
            try:
                return kind(params.get(name, ""))
            except (ValueError, TypeError, InvalidOperation):
                return None

        return cls(
            query=params.get("q", "")[:200],
            industry=params.get("industry", "")[:1],
            prefecture=params.get("prefecture", "")[:2],
            topic=number("topic"),
            priority_field=number("priority_field"),
            support_kind=params.get("support_kind", "")[:20],
            min_growth=number("min_growth", Decimal),
            raw={
                k: params.get(k, "")
                for k in (
                    "q",
                    "industry",
                    "prefecture",
                    "topic",
                    "priority_field",
                    "support_kind",
                    "min_growth",
                )
            },
        )


def search(queryset, filters: SearchFilters):
    """``queryset`` narrowed to the case studies that match every word and filter."""
    for word in words(filters.query):
        queryset = queryset.filter(search_text__contains=word)
    if filters.industry:
        queryset = queryset.filter(industry=filters.industry)
    if filters.prefecture:
        queryset = queryset.filter(prefecture_id=filters.prefecture)
    if filters.topic:
        queryset = queryset.filter(topics=filters.topic)
    if filters.priority_field:
        queryset = queryset.filter(priority_fields=filters.priority_field)
    if filters.support_kind:
        # The list's JSON text holds each kind in quotes (no JSON containment on SQLite).
        queryset = queryset.filter(support_kinds__icontains=f'"{filters.support_kind}"')
    if filters.min_growth is not None:
        queryset = queryset.filter(value_added_growth__gte=filters.min_growth)
    return queryset.distinct()
