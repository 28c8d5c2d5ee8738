"""The pages' templates escape exactly as Jinja's own autoescaping does (app/templating.py)."""

import pytest
from jinja2 import Environment
from markupsafe import Markup, escape

from app.templating import escape_text


class Fragment:
    """An object that renders itself as HTML, as Markup does."""

    def __html__(self):
        return "<b>made safe by itself</b>"


VALUES = [
    "plain",
    "",
    "<script>alert('x')</script> & \"quoted\"",
    "ünïcode 🙂 <",
    Markup("<em>already safe</em>"),
    Fragment(),
    42,
    3.5,
    None,
    ["<list>"],
]

TEMPLATES = {
    "output": "<p title='{{ value }}'>{{ value }}</p>",
    "macro": "{% macro card(v) %}<li>{{ v }}</li>{% endmacro %}<ul>{{ card(value) }}</ul>",
    "set block": "{% set held %}<i>{{ value }}</i>{% endset %}{{ held }}|{{ held }}",
    "loop and filter": "{% for v in [value, value] %}{{ v | string }}{{ loop.index }}{% endfor %}",
    "safe filter": "{{ value | safe }}",
    "escape off": "{% autoescape false %}{{ value }}{% endautoescape %}",
    "concatenation": "{{ value ~ '<&>' }}",
}


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_escape_text_is_the_text_of_markupsafe_escape(value):
    assert escape_text(value) == str(escape(value))


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_templates_render_as_with_jinja_autoescaping(app, name, value):
    jinja = Environment(autoescape=True)
    expected = jinja.from_string(TEMPLATES[name]).render(value=value)

    assert app.jinja_env.from_string(TEMPLATES[name]).render(value=value) == expected


def test_escaped_output_compiles_to_escape_text(app):
    compiled = app.jinja_env.compile(
        "{{ value }}{% autoescape false %}{{ value }}{% endautoescape %}", raw=True
    )

    assert compiled.count("environment.conduit_escape_text(") == 1
    assert "str(" in compiled


def test_a_page_escapes_a_hostile_title(client, make_article):
    make_article(title="<img src=x onerror=alert(1)> & co")

    page = client.get("/").get_data(as_text=True)

    assert "&lt;img src=x onerror=alert(1)&gt; &amp; co" in page
    assert "<img src=x onerror" not in page
