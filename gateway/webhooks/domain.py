"""Webhook subscriptions of partner clients: the rules, without a framework.

Standard Webhooks 1.0 (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
secrets are `whsec_` + base64 of 24 to 64 random bytes; several signatures may be sent, space-separated,
which is how a rotated secret keeps working for an overlap. Its "Security considerations" ask senders to
refuse targets inside their own network (SSRF): https only, and no address a public host cannot be."""

from __future__ import annotations

import base64
import ipaddress
import re
import secrets
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
ROTATION_OVERLAP = timedelta(hours=24)
MAX_URL_LENGTH = 2000
# Cloud metadata endpoints that are not in a private or link-local range already (AWS IPv6, Alibaba).
_METADATA = frozenset({ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")})


class SubscriptionError(Exception):
    """Base of the subscriptions' rules."""


@dataclass(frozen=True, slots=True)
class RefusedInputError(SubscriptionError):
    """A field of the subscription breaks a rule: answered 422 naming the field and the rule."""

    field: str
    rule: str
    message: str


class SubscriptionNotFoundError(SubscriptionError):
    """No subscription of that id belongs to the caller (another client's is answered the same)."""


class NotAClientError(SubscriptionError):
    """Subscriptions belong to partner clients: a person's token has none."""


def new_secret() -> str:
    """A Standard Webhooks secret: 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _loopback_host(host: str) -> bool:
    """`localhost` (RFC 6761: names under it resolve to loopback) or a loopback address written as such."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _canonical_host(host: str) -> bool:
    """An IP address as `ipaddress` reads it, or an ASCII host name (IDNs in their `xn--` form) whose last
    label is not all digits: `010.0.0.1` or `0177.0.0.1` is no address to Python (it rejects leading zeros)
    but one to the resolver (octal: 8.0.0.1, 127.0.0.1), and a full-width `ｌｏｃａｌｈｏｓｔ` is no name
    the HTTP client sends; the check and the delivery would not mean the same host."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        labels = host.removesuffix(".").split(".")  # `example.org.`: the fully qualified form of the name
        return len(host) <= 253 and all(_LABEL.fullmatch(label) for label in labels) and not labels[-1].isdigit()
    return True


def target_problem(url: str, allow_local: bool) -> RefusedInputError | None:
    """What is wrong with the target URL itself (before its name is resolved), if anything. Plain http is
    for a receiver on the machine itself only, and only where `allow_local` (development and tests): a
    public host is reached over https, whatever the settings."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "http" and allow_local and host and not _loopback_host(host):
        return RefusedInputError("url", "https", "plain http is for a loopback target (localhost) only: use https")
    schemes = {"https", "http"} if allow_local else {"https"}
    if parts.scheme not in schemes or not host:
        return RefusedInputError("url", "https", "the target must be an https URL")
    if parts.username or parts.password:
        return RefusedInputError("url", "no-credentials", "credentials do not belong in the URL: sign, do not log in")
    if not _canonical_host(host):
        message = "the host is an IP address written as Python reads it, or an ASCII name (xn-- for an IDN)"
        return RefusedInputError("url", "canonical-host", message)
    return None


def refused_address(address: str, allow_local: bool) -> str | None:
    """Why a resolved address may not be a target (None: it may). `allow_local` admits loopback only."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.teredo is not None:  # a tunnel through a relay: where it lands is the relay's choice
            return "tunnel (Teredo)"
        # An IPv4 address carried in IPv6 (mapped, 6to4) is judged as that address.
        carried = ip.ipv4_mapped or ip.sixtofour
        if carried is not None:
            ip = carried
    if ip.is_loopback:
        return None if allow_local else "loopback"
    if ip in _METADATA or ip.is_link_local:  # 169.254.169.254 is link-local
        return "link-local or metadata"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private or ip.is_reserved or ip.is_unspecified or not ip.is_global:
        return "private"
    return None


def check_addresses(addresses: Iterable[str], allow_local: bool) -> None:
    """Every address the name resolves to must be allowed (a name with one private address is refused)."""
    found = list(addresses)
    if not found:
        raise RefusedInputError("url", "resolvable", "the target's host name does not resolve")
    for address in found:
        reason = refused_address(address, allow_local)
        if reason is not None:
            raise RefusedInputError("url", "public-address", f"the target resolves to a {reason} address")


def check_types(asked: Collection[str], known: Mapping[str, frozenset[str]], scopes: Collection[str]) -> None:
    """Each type must be published (the aggregated document's `webhooks`) by a service the client may read."""
    if not asked:
        raise RefusedInputError("types", "required", "name at least one event type")
    readable = frozenset().union(*(types for service, types in known.items() if f"{service}:read" in scopes))
    unknown = sorted(set(asked) - frozenset().union(*known.values()))
    if unknown:
        raise RefusedInputError("types", "known-type", "unknown event types: " + ", ".join(unknown))
    outside = sorted(set(asked) - readable)
    if outside:
        raise RefusedInputError("types", "client-scopes", "outside the client's scopes: " + ", ".join(outside))


def check_contract(contract_code: str | None, contracts: Collection[str]) -> None:
    if contract_code is not None and contract_code not in contracts:
        raise RefusedInputError("contractCode", "client-contract", f"the client does not work on {contract_code}")


def signing_secrets(current: str, previous: str | None, previous_until: datetime | None, now: datetime) -> list[str]:
    """The secrets a delivery is signed with: the current one, and the previous one during its overlap."""
    if previous is not None and previous_until is not None and now < previous_until:
        return [current, previous]
    return [current]


# Standard Webhooks' suggested schedule after the first attempt (made at once): 5 s, 5 min, 30 min, 2 h,
# 5 h, 10 h, 10 h; 8 attempts over 27.6 h, then the subscription is disabled. Jitter only lengthens a
# delay (up to +20 %), so the whole stays above 24 h and retries of many endpoints do not fall together.
RETRY_DELAYS_SECONDS = (5, 300, 1800, 7200, 18000, 36000, 36000)
JITTER = 0.2
ERROR_TEXT_LIMIT = 500


def retry_delay(failed_attempts: int, delays: Sequence[float], draw: float) -> float | None:
    """Seconds before the next attempt after `failed_attempts` failures (None: give up); `draw` in [0, 1)."""
    if failed_attempts > len(delays):
        return None
    return delays[failed_attempts - 1] * (1 + JITTER * draw)


def exhausted_reason(attempts: int, last_error: str | None) -> str:
    return f"{attempts} attempts failed over the retry schedule; the last: {last_error or 'no answer'}"[
        :ERROR_TEXT_LIMIT
    ]


@dataclass(frozen=True, slots=True)
class PendingDelivery:
    event_id: str
    resource_key: str
    payload: dict[str, Any]
    failed_attempts: int  # before this one


@dataclass(frozen=True, slots=True)
class Outcome:
    """An attempt of a pending delivery and what follows: delivered, retried at `retry_at`, or (neither)
    given up, the schedule being over."""

    event_id: str
    attempted_at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None
    succeeded: bool
    retry_at: datetime | None

    @property
    def given_up(self) -> bool:
        return not self.succeeded and self.retry_at is None


def chains(pending: Iterable[PendingDelivery]) -> list[list[PendingDelivery]]:
    """The deliveries of each resource, in their order (`pending` is in the subscription's order): chains
    are delivered side by side, each one event after the other, a failure ending its chain (its later
    events wait for its retry: order per resource per endpoint)."""
    by_resource: dict[str, list[PendingDelivery]] = {}
    for delivery in pending:
        by_resource.setdefault(delivery.resource_key, []).append(delivery)
    return list(by_resource.values())


def next_step(
    delivery: PendingDelivery, succeeded: bool, at: datetime, delays: Sequence[float], draw: float
) -> datetime | None:
    """When a failed attempt is tried again (None: delivered, or the schedule is over)."""
    if succeeded:
        return None
    delay = retry_delay(delivery.failed_attempts + 1, delays, draw)
    return None if delay is None else at + timedelta(seconds=delay)
