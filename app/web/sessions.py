"""The session cookie, which only the pages use."""

from flask.sessions import SecureCookieSessionInterface

from app.errors import is_api_path


class PagesOnlySessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, opened for the pages only.

    The API knows its caller by the Authorization header alone (app/auth/decorators.py), so
    an API request neither reads the cookie nor gets one back.
    """

    def open_session(self, app, request):
        if is_api_path(request.path):
            return self.make_null_session(app)
        return super().open_session(app, request)
