"""The pages' Jinja environment: each value a template writes out is escaped as markupsafe's
escape() escapes it, without the Markup object escape() wraps the text in.

Since markupsafe 3, escape() is a Python function that returns a new Markup, whose
constructor is Python too: 0.75 us a value, and a list page writes some 500 values, a
quarter of its render. Text written into the page needs no wrapper, since Jinja joins the
page's pieces into one string; markupsafe escapes with the same C function either way.
Anything that is not a str (Markup, a number, None) still goes through escape() itself.

Jinja documents code_generator_class as the way to change what templates compile to; the
method overridden and markupsafe's escaping function are private, hence both pinned in
requirements.txt, and tests/test_templating.py compares the output with Jinja's own.
"""

from flask.templating import Environment
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import Expr
from markupsafe import _escape_inner as escape_str
from markupsafe import escape


def escape_text(value) -> str:
    """Return value escaped for HTML: the text of markupsafe.escape(value)."""
    return escape_str(value) if type(value) is str else escape(value)


class EscapingCodeGenerator(CodeGenerator):
    """Compiles each escaped output to escape_text(...) instead of escape(...)."""

    def _output_child_pre(
        self, node: Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo
    ) -> None:
        if _escapes_plainly(frame, finalize):
            self.write("environment.conduit_escape_text(")
        else:
            super()._output_child_pre(node, frame, finalize)


def _escapes_plainly(frame: Frame, finalize: CodeGenerator._FinalizeInfo) -> bool:
    """Return whether this output is always escaped, with no finalize function in between."""
    context = frame.eval_ctx
    return context.autoescape and not context.volatile and finalize.src is None


class ConduitEnvironment(Environment):
    """Flask's Jinja environment, its templates compiled by EscapingCodeGenerator."""

    code_generator_class = EscapingCodeGenerator
    conduit_escape_text = staticmethod(escape_text)
