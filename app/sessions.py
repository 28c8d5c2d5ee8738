"""The session cookie, which only the pages use."""

from flask.sessions import SecureCookieSessionInterface

from app.errors import is_api_path


class PagesOnlySessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, opened for the pages only.

    The API knows its caller by the Authorization header alone (app/auth/decorators.py), so
    an API request neither reads the cookie nor gets one back, and skips the signing work
    (about a tenth of a cached API answer's CPU). A page requested without the cookie gets
    a new, empty session without the signing serializer, which Flask builds for every
    request: 13 us, to find nothing to verify.
    """

    def open_session(self, app, request):
        if is_api_path(request.path):
            return self.make_null_session(app)
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)
