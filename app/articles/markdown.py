"""Article bodies: CommonMark rendered on the server, then sanitised whatever the author typed.

markdown-it refuses javascript:, vbscript: and data: links itself; nh3 is the real guard and
keeps only the tags, attributes and URL schemes listed here, so raw HTML in the source, event
handlers and inline styles never reach the page.

Fenced code blocks in a language Pygments knows are highlighted here too, as spans with
Pygments' short class names (no inline styles, which the Content-Security-Policy forbids),
coloured by static/css/highlight.css, which `make highlight-css` writes from HIGHLIGHT_STYLE.
"""

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

ALIGNMENTS = ("left", "center", "right")
ALIGNMENT_CLASSES = frozenset(f"align-{side}" for side in ALIGNMENTS)
# One of Pygments' styles, chosen for contrast: each of its colours reaches 4.5:1 (WCAG AA)
# on its own light background.
HIGHLIGHT_STYLE = "default"
HIGHLIGHT_CLASS = "highlight"
TOKEN_CLASSES = frozenset(STANDARD_TYPES.values()) - {""}
# Lexers kept for the languages most recently asked for, known or not (then None).
LEXERS_KEPT = 64

ALLOWED_TAGS = frozenset(
    {"h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "a", "img"}
    | {"strong", "em", "del", "s", "code", "pre", "span", "blockquote", "ul", "ol", "li"}
    | {"table", "thead", "tbody", "tr", "th", "td"}
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
}
LINK_REL = "nofollow noopener noreferrer"
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES = ("http://", "https://")
IMAGE_WITHOUT_SOURCE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
IMAGE_WITHOUT_ALT = re.compile(r"<img(?![^>]*\salt=)")
# A body runs to 100,000 characters, source and HTML up to 2.3 MB kept (measured: a body that
# is one highlighted code block, every token a span): this many cost a worker 37 MB at most.
RENDERED_KEPT = 16


def _demote_headings(state: StateCore) -> None:
    """Shift headings one level down: the article's title is the page's only h1."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"


def _alignment_as_class(state: StateCore) -> None:
    """Turn table cells' inline text-align styles into classes: the CSP allows no inline style."""
    for token in state.tokens:
        style = token.attrs.pop("style", None) if token.type in ("th_open", "td_open") else None
        side = str(style).removeprefix("text-align:") if style else None
        if side in ALIGNMENTS:
            token.attrSet("class", f"align-{side}")


def _only_web_images(tag: str, attribute: str, value: str) -> str | None:
    """Keep an image's src only when it is an absolute http(s) URL."""
    if tag == "img" and attribute == "src" and not value.lower().startswith(IMAGE_SCHEMES):
        return None
    return value


@lru_cache(maxsize=LEXERS_KEPT)
def _lexer(language: str) -> Lexer | None:
    """Return Pygments' lexer for a fence's language name, or None when it knows none.

    It keeps the code's leading and trailing blank lines, which the author typed.
    """
    try:
        return get_lexer_by_name(language, stripnl=False)
    except ClassNotFound:
        return None


_token_spans = HtmlFormatter(style=HIGHLIGHT_STYLE, nowrap=True)


def _highlighted(code: str, language: str, _attributes: str) -> str:
    """Return a fenced code block highlighted, or "" for markdown-it to escape it as it is.

    markdown-it's `highlight` option: an answer that starts with <pre> is the whole block.
    """
    lexer = _lexer(language) if language else None
    if lexer is None:
        return ""
    spans = highlight(code, lexer, _token_spans)
    return f'<pre class="{HIGHLIGHT_CLASS}"><code>{spans}</code></pre>'


def highlight_stylesheet() -> str:
    """Return static/css/highlight.css as HIGHLIGHT_STYLE and the pinned Pygments make it."""
    rules = HtmlFormatter(style=HIGHLIGHT_STYLE).get_style_defs(f".{HIGHLIGHT_CLASS}")
    header = (
        f"/* Pygments' {HIGHLIGHT_STYLE!r} style for highlighted code blocks.\n"
        "   Written by `make highlight-css` (app/articles/markdown.py): do not edit. */"
    )
    return f"{header}\n{rules}\n"


_markdown = MarkdownIt("commonmark", {"html": True, "highlight": _highlighted}).enable(
    ["table", "strikethrough"]
)
_markdown.core.ruler.push("demote_headings", _demote_headings)
_markdown.core.ruler.push("alignment_as_class", _alignment_as_class)

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_only_web_images,
    link_rel=LINK_REL,
    url_schemes=LINK_SCHEMES,
    allowed_classes={
        "th": ALIGNMENT_CLASSES,
        "td": ALIGNMENT_CLASSES,
        "pre": {HIGHLIGHT_CLASS},
        "span": TOKEN_CLASSES,
    },
)


def render_markdown_once(source: str) -> Markup:
    """Return source rendered from CommonMark to HTML that is safe to put in a page, keeping
    nothing: for the editor's previews, whose source changes with every pause in typing."""
    html = _cleaner.clean(_markdown.render(source))
    html = IMAGE_WITHOUT_SOURCE.sub("", html)
    return Markup(IMAGE_WITHOUT_ALT.sub('<img alt=""', html))


# Rendering a 2 KB article takes longer than everything else its page does, and the HTML
# depends on the source alone: the most recently rendered are kept, keyed by their source.
@lru_cache(maxsize=RENDERED_KEPT)
def render_markdown(source: str) -> Markup:
    """Return a saved article's or comment's source rendered as render_markdown_once does."""
    return render_markdown_once(source)
