"""Fenced code blocks highlighted on the server: Pygments' class names in the HTML, their
colours in static/css/highlight.css, and nothing else let through."""

import html
import re

import pytest

from app.articles.markdown import HIGHLIGHT_CLASS, TOKEN_CLASSES, highlight_stylesheet
from app.articles.markdown import render_markdown as render
from config import BASE_DIR

STYLESHEET = BASE_DIR / "static" / "css" / "highlight.css"
PYTHON = 'def greet(name):\n    return f"<b>{name}</b>" if name else None  # hi\n'
TAG = re.compile(r"<[^>]*>")
# WCAG AA for normal text.
MINIMUM_CONTRAST = 4.5
COLOUR_RULE = re.compile(
    r"^\.highlight \.(?P<name>[\w-]+) \{[^}]*(?<![-\w])color: #(?P<hex>[0-9A-Fa-f]+)"
)


def fence(language: str, code: str) -> str:
    return f"```{language}\n{code}```\n"


def text_of(rendered: str) -> str:
    """Return what a reader sees of a rendered code block: its code's text, unescaped."""
    code = re.fullmatch(r"<pre[^>]*><code>(.*)</code></pre>\n", rendered, re.S)
    assert code, rendered
    return html.unescape(TAG.sub("", code.group(1)))


def classes_in(rendered: str) -> set[str]:
    return {name for value in re.findall(r'class="([^"]*)"', rendered) for name in value.split()}


def test_a_python_fence_is_highlighted_with_pygments_classes():
    rendered = render(fence("python", PYTHON))

    assert rendered.startswith(f'<pre class="{HIGHLIGHT_CLASS}"><code>')
    assert '<span class="k">def</span>' in rendered
    assert '<span class="nf">greet</span>' in rendered
    assert '<span class="c1"># hi</span>' in rendered
    assert {"k", "nf", "c1", "kc"} <= classes_in(rendered)
    assert text_of(rendered) == PYTHON


def test_the_language_name_is_read_without_regard_to_case_or_words_after_it():
    assert render(fence("Python linenos", PYTHON)) == render(fence("python", PYTHON))


def test_blank_lines_around_the_code_are_kept():
    code = "\nx = 1\n\n"

    assert text_of(render(fence("python", code))) == code


@pytest.mark.parametrize("language", ["no-such-language", ""])
def test_a_fence_without_a_known_language_stays_a_plain_escaped_block(language):
    rendered = render(fence(language, "if a < b:\n    print('<b>')\n"))

    assert rendered == ("<pre><code>if a &lt; b:\n    print('&lt;b&gt;')\n</code></pre>\n")


@pytest.mark.parametrize(
    "language",
    [
        '"><script>alert(1)</script>',
        "<img src=x onerror=alert(1)>",
        'python"onmouseover="alert(1)',
        "javascript:alert(1)",
        "../../etc/passwd",
    ],
)
def test_a_language_name_that_is_not_a_word_is_text_nowhere_in_the_html(language):
    rendered = render(fence(language, "x < y\n"))

    assert rendered == "<pre><code>x &lt; y\n</code></pre>\n"


@pytest.mark.parametrize("language", ["python", "html", "javascript", "no-such-language"])
def test_hostile_code_inside_a_fence_stays_text(language):
    code = (
        "</code></pre><script>alert(1)</script>\n"
        '<img src=x onerror="alert(2)"><p style="color:red">&amp; &lt;\n'
    )

    rendered = render(fence(language, code))

    assert text_of(rendered) == code
    tags = TAG.findall(rendered)
    assert {re.match(r"</?(\w+)", tag).group(1) for tag in tags} <= {"pre", "code", "span"}
    assert {name for tag in tags for name in re.findall(r"\s([\w-]+)=", tag)} <= {"class"}
    assert classes_in(rendered) <= TOKEN_CLASSES | {HIGHLIGHT_CLASS}


@pytest.mark.parametrize(
    ("language", "code"),
    [
        ("javascript", "const x = `a${b}` / 2; // c\nclass A extends B { #p = 1 }\n"),
        ("html", '<!doctype html><a href="x" class="y">t</a><!-- c -->\n'),
        ("sql", "SELECT count(*) FROM t WHERE a = 'b' -- c\n"),
        ("diff", "--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n"),
        ("pycon", ">>> 1 / 0\nTraceback (most recent call last):\nZeroDivisionError\n"),
    ],
)
def test_what_highlighting_emits_gets_past_the_sanitiser(language, code):
    rendered = render(fence(language, code))

    assert text_of(rendered) == code
    assert len(classes_in(rendered) & TOKEN_CLASSES) >= 3


def test_the_sanitiser_lets_through_only_the_highlighting_classes_and_no_styles():
    rendered = render(
        '<span class="k evil" style="color:red" id="x" onclick="alert(1)">kept</span>\n'
        '<pre class="highlight other" style="x"><code class="language-python">p</code></pre>\n'
        '<div class="highlight">dropped wrapper</div>'
    )

    assert '<span class="k">kept</span>' in rendered
    assert '<pre class="highlight"><code>p</code></pre>' in rendered
    assert "<div" not in rendered and "dropped wrapper" in rendered
    for forbidden in ("evil", "other", "style=", "onclick", "id=", "language-"):
        assert forbidden not in rendered


def test_the_committed_stylesheet_is_what_the_pinned_pygments_writes():
    assert STYLESHEET.read_text() == highlight_stylesheet(), (
        "static/css/highlight.css is out of date: run `make highlight-css` and commit it"
    )


def test_the_stylesheet_colours_only_classes_and_sets_no_inline_style():
    stylesheet = STYLESHEET.read_text()

    assert f".{HIGHLIGHT_CLASS} .k {{" in stylesheet
    assert "style=" not in stylesheet and "@import" not in stylesheet and "url(" not in stylesheet


def _luminance(hex_colour: str) -> float:
    digits = hex_colour if len(hex_colour) == 6 else "".join(digit * 2 for digit in hex_colour)
    channels = [int(digits[index : index + 2], 16) / 255 for index in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_every_token_colour_is_readable_on_the_code_blocks_background():
    stylesheet = STYLESHEET.read_text()
    background = re.search(r"^\.highlight \{ background: #([0-9a-fA-F]+); \}", stylesheet, re.M)
    site_background = re.search(
        r"--code-bg: #([0-9a-fA-F]+);", (BASE_DIR / "static/css/conduit.css").read_text()
    )
    colours = {
        rule["name"]: rule["hex"]
        for rule in map(COLOUR_RULE.match, stylesheet.splitlines())
        if rule
    }

    assert background and site_background
    assert background.group(1).lower() == site_background.group(1).lower()
    assert len(colours) > 30
    # Whitespace is coloured only where a lexer shows it; there is no text to read.
    unreadable = {
        name: round(_contrast(colour, background.group(1)), 2)
        for name, colour in colours.items()
        if name != "w" and _contrast(colour, background.group(1)) < MINIMUM_CONTRAST
    }
    assert unreadable == {}


def test_every_page_links_the_stylesheet(client):
    page = client.get("/").get_data(as_text=True)
    with client.get("/static/css/highlight.css") as stylesheet:
        served = (stylesheet.status_code, stylesheet.mimetype, stylesheet.get_data(as_text=True))

    assert '<link rel="stylesheet" href="/static/css/highlight.css">' in page
    assert served == (200, "text/css", STYLESHEET.read_text())
