"""Strava's rate limits as its answers report them: the overall pair and the read pair."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # (requests is imported by whoever has a response)
    import requests

#: The two limits and the headers that carry them: (name, limit header, usage header).
PAIRS = (
    ("overall", "X-RateLimit-Limit", "X-RateLimit-Usage"),
    ("read", "X-ReadRateLimit-Limit", "X-ReadRateLimit-Usage"),
)


@dataclass(frozen=True)
class RateLimit:
    """One of Strava's limits (``name``: "overall" or "read"), as an answer reported it."""

    name: str
    limit_15min: int
    usage_15min: int
    limit_daily: int
    usage_daily: int

    @property
    def left_15min(self) -> int:
        """Requests left in this 15-minute window."""
        return max(0, self.limit_15min - self.usage_15min)

    @property
    def left_daily(self) -> int:
        """Requests left today (UTC)."""
        return max(0, self.limit_daily - self.usage_daily)

    def exhausted(self) -> str | None:
        """The window used up: "daily" (looked at first) or "15-minute"; else None."""
        if self.usage_daily >= self.limit_daily:
            return "daily"
        return "15-minute" if self.usage_15min >= self.limit_15min else None


@dataclass(frozen=True)
class RateLimits:
    """What one answer of Strava's said of both limits (None: that pair was not sent)."""

    overall: RateLimit | None
    read: RateLimit | None

    def exhausted(self) -> tuple[RateLimit, str] | None:
        """The limit that is used up and which window of it, a daily one first; else None."""
        found = [(limit, limit.exhausted()) for limit in (self.overall, self.read) if limit]
        used_up = [(limit, window) for limit, window in found if window is not None]
        used_up.sort(key=lambda pair: pair[1] != "daily")
        return used_up[0] if used_up else None


def rate_limits(response: requests.Response) -> RateLimits:
    """What Strava's answer says of its two rate limits, overall and for reads.

    For example ``rate_limits(r).read.left_daily`` is how many reads are left today (UTC);
    a limit the answer did not report is None. stravalib's own limiter is left as it is.
    """
    return read_rate_limits(response.headers)


def read_rate_limits(headers: Mapping[str, str]) -> RateLimits:
    """Both limits from an answer's headers (a pair that is missing or malformed is None).

    ``headers`` may be any mapping: names are matched in any case, as HTTP has them (other
    code hands them on as plain dicts with lower-case names).
    """
    named = {str(k).lower(): v for k, v in headers.items()}
    found = {}
    for name, limit_header, usage_header in PAIRS:
        limits = _pair(named.get(limit_header.lower()))
        usage = _pair(named.get(usage_header.lower()))
        found[name] = (
            RateLimit(name, limits[0], usage[0], limits[1], usage[1])
            if (limits and usage)
            else None
        )
    return RateLimits(found["overall"], found["read"])


def resets_at(window: str, now: datetime) -> datetime:
    """When ``window`` ("daily" or "15-minute") starts again after ``now`` (UTC)."""
    if window == "daily":
        return (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    start = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    return start + timedelta(minutes=15)


def describe_limit_hit(headers: Mapping[str, str], now: datetime | None = None) -> str:
    """Which limit a 429 hit and when it resets, from the pair that is used up.

    For example "daily read limit 1000/1000, resets at 00:00 UTC (in about 9 h 12 min)".
    """
    now = now or datetime.now(UTC)
    hit = read_rate_limits(headers).exhausted()
    if hit is None:  # no (usable) headers: the 15-minute window is the likely one
        which, window = "15-minute limit", "15-minute"
    else:
        limit, window = hit
        kind = "" if limit.name == "overall" else "read "
        usage, most = (
            (limit.usage_daily, limit.limit_daily)
            if window == "daily"
            else (limit.usage_15min, limit.limit_15min)
        )
        which = f"{window} {kind}limit {usage}/{most}"
    reset = resets_at(window, now)
    return f"{which}, resets at {reset:%H:%M} UTC (in about {_span(reset - now)})"


def _span(delta: timedelta) -> str:
    minutes = max(1, round(delta.total_seconds() / 60))
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def _pair(header: object) -> tuple[int, int] | None:
    """Usage or limit as two numbers ("601,602"; "601, 602" too), else None."""
    if not isinstance(header, str):
        return None
    try:
        first, second = (int(x) for x in header.split(",")[:2])
    except ValueError:
        return None
    return (first, second) if first >= 0 and second >= 0 else None
