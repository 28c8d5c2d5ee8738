"""HTTP methods by what they may do (RFC 9110, 9.2.1), and which requests write."""

from collections.abc import Callable

from flask import current_app, has_request_context, request

# Methods that only read: no view answering them writes.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Methods that change something: rate-limited per user, and never cached.
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def in_safe_request() -> bool:
    """Return whether a request with a safe method is being answered."""
    return has_request_context() and request.method in SAFE_METHODS


# The views a write method reaches that change nothing (the editor's live preview).
VIEWS_THAT_ONLY_READ: set[Callable] = set()


def only_reads(view: Callable) -> Callable:
    """Mark a view that takes a POST but changes nothing: the write limits, read-your-writes
    and the verified-email rule leave it alone. The route's outermost decorator, so that it
    marks the function the route calls."""
    VIEWS_THAT_ONLY_READ.add(view)
    return view


def is_write_request() -> bool:
    """Return whether the request being answered may change something."""
    if request.method not in WRITE_METHODS:
        return False
    return current_app.view_functions.get(request.endpoint or "") not in VIEWS_THAT_ONLY_READ
