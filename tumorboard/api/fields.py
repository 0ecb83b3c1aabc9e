"""The API's own field rules (tumorboard.fields): the page size of its lists."""

from tumorboard.fields import Number


class PageFields:
    limit = Number("How many records a page holds", "page size", 1, 100, whole=True)
    default = 25
