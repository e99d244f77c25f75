"""Help-center articles: their statuses, languages and slugs (plain domain rules)."""

from __future__ import annotations

import hashlib
from enum import StrEnum

from slugify import slugify


class ArticleStatus(StrEnum):
    """Only published articles are shown in the help center and answered from."""

    DRAFT = "draft"
    PUBLISHED = "published"


class ArticleLanguage(StrEnum):
    """The languages kefu speaks."""

    EN = "en"
    ZH = "zh"


SLUG_MAX = 120


def make_slug(title: str) -> str:
    """A URL slug from a title (Chinese transliterated); a short hash when nothing is left."""
    slug = slugify(title, max_length=SLUG_MAX, word_boundary=True)
    return slug or "article-" + hashlib.sha1(title.encode()).hexdigest()[:10]


def clean_slug(value: str) -> str:
    """A given slug normalised the same way (so ``Shipping Canada`` and ``shipping-canada``
    name one article)."""
    return slugify(value, max_length=SLUG_MAX)
