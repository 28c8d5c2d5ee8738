import re

import pytest
from markupsafe import Markup

from app.articles.markdown import render_markdown

HOSTILE_PAYLOADS = {
    "script tag": "<script>alert(1)</script>",
    "script tag, odd case": "<ScRiPt>alert(1)</sCrIpT>",
    "script split across lines": "<script\n>alert(1)</script\n>",
    "img onerror": '<img src="https://example.com/x.png" onerror="alert(1)">',
    "img onerror, no quotes": "<img src=x onerror=alert(1)>",
    "svg onload": "<svg onload=alert(1)><circle r=5></svg>",
    "body onload": "<body onload=alert(1)>",
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "iframe srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "object": '<object data="javascript:alert(1)"></object>',
    "embed": '<embed src="javascript:alert(1)">',
    "form action": '<form action="javascript:alert(1)"><button>go</button></form>',
    "style tag": "<style>body{background:url(javascript:alert(1))}</style>",
    "style attribute": '<p style="background:url(javascript:alert(1))">hi</p>',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "base href": '<base href="javascript:alert(1)//">',
    "link stylesheet": '<link rel="stylesheet" href="https://evil.example/x.css">',
    "markdown javascript link": "[click](javascript:alert(1))",
    "markdown javascript link, odd case": "[click](JaVaScRiPt:alert(1))",
    "markdown javascript link, entity": "[click](javascript&#58;alert(1))",
    "markdown vbscript link": "[click](vbscript:msgbox(1))",
    "markdown data link": "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "markdown javascript image": "![x](javascript:alert(1))",
    "markdown data image": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "html javascript link": '<a href="javascript:alert(1)">click</a>',
    "html javascript link, tab inside": '<a href="jav&#x09;ascript:alert(1)">click</a>',
    "html javascript link, entities": '<a href="&#106;avascript:alert(1)">click</a>',
    "html javascript link, spaces": '<a href="  javascript:alert(1)">click</a>',
    "html link onclick": '<a href="https://example.com" onclick="alert(1)">click</a>',
    "html link onmouseover": '<a href="https://example.com" onmouseover="alert(1)">x</a>',
    "html link target": '<a href="https://example.com" target="_blank">x</a>',
    "reference javascript link": "[click][evil]\n\n[evil]: javascript:alert(1)",
    "autolink javascript": "<javascript:alert(1)>",
    "details ontoggle": "<details open ontoggle=alert(1)><summary>x</summary></details>",
    "input autofocus onfocus": "<input autofocus onfocus=alert(1)>",
    "video onerror": "<video><source onerror=alert(1)></video>",
    "math href": '<math><a xlink:href="javascript:alert(1)">x</a></math>',
    "comment breakout": "<!--><script>alert(1)</script>-->",
    "unclosed attribute": '<img src="x" alt="a" onerror="alert(1)',
    "html in a table cell": "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "heading with handler": '# Title <span onclick="alert(1)">x</span>',
    "id clobbering": '<img name="cookie" id="location">',
}

FORBIDDEN_TAGS = re.compile(
    r"<\s*/?\s*(script|style|iframe|object|embed|form|meta|base|link|svg|math|input|body)\b", re.I
)
FORBIDDEN_IN_A_TAG = [
    re.compile(r"\son\w+\s*=", re.I),
    re.compile(r"javascript:|vbscript:|data:|&#", re.I),
    re.compile(r"\s(style|target|id|name|srcdoc|xlink:href)\s*=", re.I),
]


@pytest.mark.parametrize("source", HOSTILE_PAYLOADS.values(), ids=HOSTILE_PAYLOADS.keys())
def test_hostile_markdown_is_rendered_harmless(source):
    html = render_markdown(source)
    assert not FORBIDDEN_TAGS.search(html), html
    for tag in re.findall(r"<[^>]*>", html):
        for pattern in FORBIDDEN_IN_A_TAG:
            assert not pattern.search(tag), f"{pattern.pattern!r} survived in {tag!r}"


def test_script_content_is_dropped_not_shown():
    html = render_markdown("Before <script>alert('stolen')</script> after")
    assert "alert" not in html
    assert "Before" in html and "after" in html


def test_rendering_returns_markup_that_templates_do_not_escape_again():
    assert isinstance(render_markdown("*hi*"), Markup)


def test_headings_render_one_level_below_the_article_title():
    html = render_markdown("# Intro\n\n## Details\n\n###### Small")
    assert "<h2>Intro</h2>" in html
    assert "<h3>Details</h3>" in html
    assert "<h6>Small</h6>" in html
    assert "<h1" not in html


def test_links_keep_their_url_and_get_a_safe_rel():
    html = render_markdown('[Flask](https://flask.palletsprojects.com "Flask docs")')
    assert 'href="https://flask.palletsprojects.com"' in html
    assert 'title="Flask docs"' in html
    assert 'rel="nofollow noopener noreferrer"' in html


def test_relative_and_mailto_links_are_kept():
    html = render_markdown("[home](/) and [mail](mailto:jake@example.com)")
    assert 'href="/"' in html
    assert 'href="mailto:jake@example.com"' in html


def test_an_authors_rel_is_replaced():
    html = render_markdown('<a href="https://example.com" rel="opener">x</a>')
    assert 'rel="nofollow noopener noreferrer"' in html
    assert 'rel="opener"' not in html


def test_code_blocks_keep_their_text_escaped():
    html = render_markdown("```\nif a < b:\n    print('<b>')\n```")
    assert "<pre><code>" in html
    assert "if a &lt; b:" in html
    assert "&lt;b&gt;" in html


def test_inline_code_emphasis_lists_and_quotes_render():
    html = render_markdown(
        "*em* **strong** `code` ~~gone~~\n\n- one\n- two\n\n1. first\n\n> quoted"
    )
    for fragment in ("<em>em</em>", "<strong>strong</strong>", "<code>code</code>", "<s>gone</s>"):
        assert fragment in html
    assert "<ul>" in html and "<li>one</li>" in html
    assert "<ol>" in html and "<li>first</li>" in html
    assert "<blockquote>" in html


def test_http_and_https_images_are_kept():
    html = render_markdown("![cat](https://example.com/cat.png) ![dog](http://example.com/d.png)")
    assert '<img src="https://example.com/cat.png" alt="cat">' in html
    assert '<img src="http://example.com/d.png" alt="dog">' in html


@pytest.mark.parametrize(
    "source", ["![x](/local.png)", "![x](//evil.example/x.png)", "![x](ftp://example.com/x.png)"]
)
def test_images_from_anywhere_but_an_http_url_are_dropped(source):
    assert "<img" not in render_markdown(source)


def test_an_image_without_alt_text_gets_an_empty_one():
    html = render_markdown('<img src="https://example.com/a.png">')
    assert '<img alt="" src="https://example.com/a.png">' in html


def test_tables_render_with_alignment_as_classes_not_styles():
    html = render_markdown("| left | right |\n|:-----|------:|\n| 1 | 2 |")
    assert "<table>" in html and "<th" in html and "<td" in html
    assert '<th class="align-left">left</th>' in html
    assert '<td class="align-right">2</td>' in html
    assert "style=" not in html


def test_plain_text_is_escaped():
    assert "a &lt; b &amp;&amp; c &gt; d" in render_markdown("a < b && c > d")
