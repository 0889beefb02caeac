"""Fetching an address a user gave (pictures, journey webhooks) without reaching our own network.

Every hop is checked: the host is resolved once, every address it resolves to must be public,
and the connection goes to exactly those checked addresses (a pinned resolver), so a DNS
answer that changes between the check and the connect cannot slip in. Redirects are followed
by hand, each target checked again. Whatever goes wrong, callers see one `FetchError` with
one text, so the error cannot tell an internal port scan apart."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

FETCH_FAILED = "无法获取该地址的内容"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(Exception):
    """Refused or failed; `str()` is always FETCH_FAILED, the reason stays in `reason` for logs."""

    def __init__(self, reason: str) -> None:
        super().__init__(FETCH_FAILED)
        self.reason = reason


@dataclass(frozen=True)
class Fetched:
    status: int
    body: bytes
    content_type: str


def allow_list(setting: str) -> frozenset[str]:
    """`SCRM_FETCH_ALLOW_HOSTS`: comma-separated `host` or `host:port`, compared lower-case."""
    return frozenset(part.strip().lower() for part in setting.split(",") if part.strip())


def is_public(ip: IPAddress) -> bool:
    """Only globally routable unicast; IPv6 forms that embed an IPv4 address are judged by it."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and not is_public(embedded):
            return False
    return ip.is_global and not ip.is_multicast


class _PinnedResolver(AbstractResolver):
    """Hands aiohttp the addresses we checked, never a fresh DNS answer."""

    def __init__(self, host: str, addresses: list[tuple[int, str]]) -> None:
        self.host, self.addresses = host, addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host != self.host:  # pragma: no cover - one session serves one checked host
            raise OSError(f"unchecked host {host}")
        flags = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV
        return [
            {"hostname": host, "host": ip, "port": port, "family": fam, "proto": 0, "flags": flags}
            for fam, ip in self.addresses
        ]

    async def close(self) -> None:
        return None


async def _checked(url: URL, allowed: frozenset[str]) -> list[tuple[int, str]] | None:
    """The addresses to connect to; None when the host is on the allow-list (normal DNS)."""
    if url.scheme not in ("http", "https") or not url.host:
        raise FetchError(f"scheme or host: {url.scheme}://{url.host}")
    host = url.host.lower()
    if host in allowed or f"{host}:{url.port}" in allowed:
        return None
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, url.port, type=socket.SOCK_STREAM
        )
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"resolve {host}: {exc}") from exc
    addresses = [(int(fam), str(sockaddr[0])) for fam, _, _, _, sockaddr in infos]
    bad = [ip for _, ip in addresses if not is_public(ipaddress.ip_address(ip.split("%")[0]))]
    if not addresses or bad:
        raise FetchError(f"{host} resolves to non-public {bad}")
    return addresses


async def fetch(
    url: str,
    *,
    allow_hosts: str = "",
    method: str = "GET",
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    max_bytes: int = 10 << 20,
    timeout: float = 10.0,
    max_redirects: int = 3,
) -> Fetched:
    """One request to a user-given address, its redirects followed (at most `max_redirects`)."""
    allowed = allow_list(allow_hosts)
    try:
        target = URL(url)
    except (ValueError, TypeError) as exc:
        raise FetchError(f"bad url: {exc}") from exc
    for _ in range(max_redirects + 1):
        pinned = await _checked(target, allowed)
        resolver = _PinnedResolver(target.host or "", pinned) if pinned is not None else None
        connector = aiohttp.TCPConnector(resolver=resolver, use_dns_cache=False, limit=1)
        try:
            async with (
                aiohttp.ClientSession(
                    connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)
                ) as http,
                http.request(
                    method, target, data=data, headers=headers, allow_redirects=False
                ) as resp,
            ):
                if resp.status in REDIRECTS and "Location" in resp.headers:
                    target = target.join(URL(resp.headers["Location"]))
                    if resp.status == 303 or (resp.status in (301, 302) and method != "GET"):
                        method, data = "GET", None
                    continue
                if (resp.content_length or 0) > max_bytes:
                    raise FetchError(f"declared {resp.content_length} bytes")
                body = await resp.content.read(max_bytes + 1)
                if len(body) > max_bytes:
                    raise FetchError(f"more than {max_bytes} bytes")
                return Fetched(resp.status, body, resp.content_type)
        except (aiohttp.ClientError, TimeoutError, ValueError, OSError) as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}") from exc
    raise FetchError(f"more than {max_redirects} redirects")
