from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Cursor pages in the order records were created: stable while rows are added and
    as fast on the last page of ten years as on the first (no OFFSET, no COUNT)."""

    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
