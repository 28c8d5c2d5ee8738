"""The API reference at /api/v1/docs: Swagger UI drawing the OpenAPI document in a browser.

Swagger UI's files come from the pinned flask-swagger-ui wheel (its dist/ folder, served as
this blueprint's static folder under /api/v1/docs/assets/); static/js/api-reference.js starts
it, so that the page needs no inline script. Nothing is fetched from another site.
"""

from importlib.resources import files

from flask import Blueprint, render_template

SWAGGER_UI_FILES = files("flask_swagger_ui") / "dist"

# The pages' policy (app/web/security.py) but for one directive: Swagger UI's stylesheet
# draws its icons (the arrows, the locks, the copy button) as data: SVG images, which the
# pages do not allow; the reference shows no picture from another site, so https: goes.
# No 'unsafe-inline' and no 'unsafe-eval': the viewer needs neither
# (tests/browser/test_api_reference.py records every violation).
REFERENCE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

blueprint = Blueprint(
    "docs",
    __name__,
    url_prefix="/docs",
    static_folder=str(SWAGGER_UI_FILES),
    static_url_path="/assets",
)


@blueprint.get("")
def reference():
    """The API reference page; its own policy replaces the pages' one."""
    return render_template("api/reference.html"), {"Content-Security-Policy": REFERENCE_POLICY}
