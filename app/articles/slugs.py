"""Slugs: readable, unique, derived from the title, never a fixed route's name."""

import re
import secrets

from slugify import slugify

from app.articles.models import Article
from app.articles.redirects import SlugRedirect

# Fixed routes under /articles/ and /article/: no slug may take their place.
RESERVED = frozenset({"feed", "popular"})
MAX_BASE_LENGTH = 200
SUFFIX_PATTERN = r"-[0-9a-f]{6}"


def _derived_from(slug: str, base: str) -> bool:
    return slug == base or re.fullmatch(re.escape(base) + SUFFIX_PATTERN, slug) is not None


def _retired_by_another(slug: str, current_slug: str | None) -> bool:
    holder = SlugRedirect.current_slug_for(slug)
    return holder is not None and holder != current_slug


def unique_slug(title: str, current_slug: str | None = None) -> str:
    """Return a slug for title that no other article has or had; unicode letters are kept.

    An article whose new title gives the same base as its current slug keeps that slug.
    """
    base = slugify(title, allow_unicode=True, max_length=MAX_BASE_LENGTH) or "article"
    if current_slug is not None and _derived_from(current_slug, base):
        return current_slug
    candidate = base
    while (
        candidate in RESERVED
        or Article.slug_taken(candidate)
        or _retired_by_another(candidate, current_slug)
    ):
        candidate = f"{base}-{secrets.token_hex(3)}"
    return candidate
