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


def similar_case_studies(case, *, limit: int = 5) -> list[CaseStudy]:
    """One query: the case's topics are joined in (``Topic.cases``), not read first."""
    industry = case.client.industry
    same_topic = Q(topics__cases=case)
    candidates = (
        CaseStudy.objects.published()
        .exclude(case=case)
        .filter(same_topic | Q(industry=industry) if industry else same_topic)
        .annotate(shared=Count("topics", filter=Q(topics__cases=case), distinct=True))
        .select_related("center")
        .order_by("-shared", "-published_on", "-id")[:CANDIDATES]
    )
    words = bigrams(" ".join([case.title, case.evidence]))

    def score(study):
        overlap = len(words & bigrams(study.search_text)) / (len(words) or 1)
        return (study.shared, bool(industry) and study.industry == industry, overlap)

    return sorted(candidates, key=score, reverse=True)[:limit]
