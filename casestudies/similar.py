"""Similar cases: the published case studies closest to a case, so a coordinator sees how
another center solved the same problem.

Candidates are the published studies that share a topic or the industry (one query);
they are ranked by shared topics, the same industry, then the overlap of their text's
character bigrams with the case's (Japanese needs no word splitting for that).
"""

from django.db.models import Count, Q

from .models import CaseStudy
from .search import normalise

CANDIDATES = 200


def bigrams(text: str) -> set[str]:
    text = normalise(text).replace(" ", "")
    return {text[i : i + 2] for i in range(len(text) - 1)}


def similar_case_studies(case, *, limit: int = 5, exclude=None) -> list[CaseStudy]:
    topic_ids = list(case.topics.values_list("pk", flat=True))
    industry = case.client.industry
    candidates = (
        CaseStudy.objects.published()
        .exclude(case=case)
        .filter(
            Q(topics__in=topic_ids) | Q(industry=industry) if industry else Q(topics__in=topic_ids)
        )
        .annotate(shared=Count("topics", filter=Q(topics__in=topic_ids), distinct=True))
        .select_related("center", "prefecture")
        .order_by("-shared", "-published_on", "-id")[:CANDIDATES]
    )
    words = bigrams(" ".join([case.title, case.evidence]))

    def score(study):
        overlap = len(words & bigrams(study.search_text)) / (len(words) or 1)
        return (study.shared, study.industry == industry and bool(industry), overlap)

    ranked = sorted(
        (s for s in candidates if exclude is None or s.pk != exclude.pk), key=score, reverse=True
    )
    return ranked[:limit]
