"""HTTP methods by what they may do (RFC 9110, 9.2.1)."""

from flask import has_request_context, request

# Methods that only read: no view answering them writes.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Methods that change something: rate-limited per user, and never cached.
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def in_safe_request() -> bool:
    """Return whether a request with a safe method is being answered."""
    return has_request_context() and request.method in SAFE_METHODS
