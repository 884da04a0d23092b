"""Which requests may read the replica (shop/db/router.py, docs/scaling.md).

An anonymous GET or HEAD request may: the catalogue, search, the GraphQL queries sent by GET and
the trace pages. Everything else reads the primary:

- any other method (POST: every GraphQL request sent by POST, mutations included, checkout, forms);
- any signed-in request (session or `Authorization: Bearer`): staff, the console, producers;
- the paths of DATABASE_PRIMARY_PATHS (the admin, the staff console, the producers' portal, cart,
  checkout and order pages), whatever the method;
- for DATABASE_REPLICA_STICKY_SECONDS after a request that could write (any method but GET, HEAD,
  OPTIONS, TRACE): the response sets a short cookie, and the same browser's next pages read the
  primary, so a visitor sees what they have just done (read-your-writes) even on a lagging replica.

Installed by shop/settings.py right after the authentication middlewares, only with a replica.
"""
from django.conf import settings

from shop.db.router import replica_reads

READ_METHODS = frozenset({"GET", "HEAD"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
STICKY_COOKIE = "ocop_primary"


class ReplicaReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.primary_paths = tuple(settings.DATABASE_PRIMARY_PATHS)
        self.sticky_seconds = settings.DATABASE_REPLICA_STICKY_SECONDS

    def __call__(self, request):
        if self.may_read_replica(request):
            with replica_reads():
                response = self.get_response(request)
        else:
            response = self.get_response(request)
        if self.sticky_seconds and request.method not in SAFE_METHODS:
            response.set_cookie(STICKY_COOKIE, "1", max_age=self.sticky_seconds, httponly=True, samesite="Lax",
                                secure=settings.SESSION_COOKIE_SECURE)
        return response

    def may_read_replica(self, request) -> bool:
        if request.method not in READ_METHODS or STICKY_COOKIE in request.COOKIES:
            return False
        if request.path_info.startswith(self.primary_paths):
            return False
        return not _signed_in(request)


def _signed_in(request) -> bool:
    """Signed in by session or bearer token. A visitor with neither cookie nor header is anonymous
    without a query; otherwise the (lazy) user is looked at, which reads the session on the primary."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES and "HTTP_AUTHORIZATION" not in request.META:
        return False
    user = getattr(request, "user", None)
    if user is None:
        return True  # placed before the authentication middlewares: cannot tell, so the primary
    return bool(user.is_authenticated)
