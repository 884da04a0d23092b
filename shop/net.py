"""The client's address, the one rule every limit and log uses.

Behind the scaled stack's proxy (nginx, docker-compose.yml) every request
comes from the proxy, so the client is the address the proxy appended to
X-Forwarded-For: the right-most entry, one per trusted hop. Entries further
left were sent by the client and can say anything. Without
TRUST_X_FORWARDED_FOR (the default, `make run` has no proxy) the header is
ignored and REMOTE_ADDR is the client.
"""
import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The client's IP address as text ('' when none can be told)."""
    hops = settings.TRUSTED_PROXY_HOPS if settings.TRUST_X_FORWARDED_FOR else 0
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops and _valid(forwarded[-hops]):
            return forwarded[-hops]
    address = request.META.get("REMOTE_ADDR", "") or ""
    return address if _valid(address) else ""


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True
