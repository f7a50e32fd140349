"""Where a webhook may be sent: an http(s) URL whose host resolves only to public addresses.

Private, loopback, link-local (the cloud metadata services at 169.254.169.254 among them),
shared, multicast, reserved and unspecified addresses are refused, unless the operator's
RELEASEDESK_WEBHOOK_ALLOWED_NETWORKS lists a network holding them. The host is resolved
once when a subscription is saved and again at each delivery, and the connection is made
to the address that check passed (the sender pins it), so a name that later resolves
somewhere private reaches nothing there."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from releasedesk.core.errors import Invalid

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[Address]]]
URL_FIELD = "url"
MAX_URL = 2000


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL: what to connect to (`address`, `port`) and what to say it is."""

    url: str
    scheme: str
    host: str
    port: int
    address: Address


def parse_networks(text: str) -> tuple[Network, ...]:
    """RELEASEDESK_WEBHOOK_ALLOWED_NETWORKS: comma-separated CIDRs (checked by settings)."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()
    )


def refusal(address: Address, allowed: Sequence[Network]) -> str | None:
    """Why `address` may not be sent to, or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in allowed):
        return None
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (cloud metadata services live there)"
    if address.is_private or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local):
        return "a private address"
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return "not a unicast address"
    if not address.is_global:
        return "not a public address"
    return None


async def system_resolver(host: str, port: int) -> list[Address]:
    """Every address the system resolver gives for `host`."""
    loop = asyncio.get_running_loop()
    found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[Address] = []
    for *_, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def parse_url(url: object) -> tuple[str, str, int]:
    """The scheme, host and port of a webhook URL, or Invalid naming `url`."""
    if not isinstance(url, str) or not url.strip():
        raise Invalid("'url' must be an http or https URL", URL_FIELD)
    url = url.strip()
    if len(url) > MAX_URL:
        raise Invalid(f"'url' holds at most {MAX_URL:,} characters", URL_FIELD)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise Invalid(f"'url' is not a URL: {error}", URL_FIELD) from None
    if parts.scheme not in ("http", "https"):
        raise Invalid("'url' must start with https:// or http://", URL_FIELD)
    if not parts.hostname:
        raise Invalid("'url' names no host", URL_FIELD)
    if parts.username is not None or parts.password is not None:
        raise Invalid(
            "'url' must not carry a user or password: the webhook's signature authenticates"
            " the sender",
            URL_FIELD,
        )
    if parts.fragment:
        raise Invalid("'url' must not have a #fragment", URL_FIELD)
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise Invalid("'url' must not contain spaces or control characters", URL_FIELD)
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def check(url: object, allowed: Sequence[Network], resolve: Resolver) -> Target:
    """The URL checked and its host resolved once: every address it resolves to must be
    allowed (one private answer among public ones would let a resolver choose), and the
    first is the one to connect to. Invalid naming `url` otherwise."""
    scheme, host, port = parse_url(url)
    assert isinstance(url, str)
    try:
        addresses = await resolve(host, port)
    except (OSError, UnicodeError) as error:
        raise Invalid(f"'url': the host {host!r} does not resolve ({error})", URL_FIELD) from None
    if not addresses:
        raise Invalid(f"'url': the host {host!r} resolves to no address", URL_FIELD)
    for address in addresses:
        why = refusal(address, allowed)
        if why is not None:
            raise Invalid(
                f"'url': {host} resolves to {address}, {why}; webhooks are sent only to"
                " public addresses unless RELEASEDESK_WEBHOOK_ALLOWED_NETWORKS lists it",
                URL_FIELD,
            )
    return Target(url.strip(), scheme, host, port, addresses[0])
