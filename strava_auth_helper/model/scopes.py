"""Strava's scopes: the ones that exist, the default request, and lists of them."""

from __future__ import annotations

import re

from ..errors import ConfigError

#: Every scope Strava knows, with the words its authorize page uses for it.
SCOPES = {
    "read": "View data about your public segments, routes and profile",
    "read_all": "View data about your private routes and segments",
    "profile:read_all": "View your complete profile",
    "profile:write": "Update your weight and FTP",
    "activity:read": "View data about your public activities",
    "activity:read_all": "View data about your private activities",
    "activity:write": "Upload and edit your activities",
}
DEFAULT_SCOPE = "read,activity:read_all"
# What a scope name can be (Strava may add scopes: a grant is kept as long as it looks like one).
_SCOPE_NAME = re.compile(r"[a-z0-9_:.-]{1,64}")
_MAX_GRANTED = 16


def split_scopes(scope: str | None) -> list[str]:
    """'read, activity:read_all' (or separated by spaces) -> ['read', 'activity:read_all']."""
    return [s for s in re.split(r"[,\s]+", scope or "") if s]


def granted_scope(value: object) -> str | None:
    """A granted scope as stored and shown, or None.

    The comma-separated items that look like scope names, each once, at most 16 of them; None when
    there are none (or it is not a string). Every token is built through this, so no scope can grow
    a token file or carry anything that is not a scope name.
    """
    if not isinstance(value, str):
        return None
    items = [s for s in dict.fromkeys(split_scopes(value)) if _SCOPE_NAME.fullmatch(s)]
    return ",".join(items[:_MAX_GRANTED]) or None


def check_scopes(text: str, *, source: str | None = None) -> str:
    """``text`` as a clean comma-separated list of scopes Strava knows, each once.

    Args:
        text: what the user gave (a ``--scope`` flag, a file's ``scope``).
        source: where it came from, for text that may hold anything (a token in the wrong
            place): the message then counts what is wrong instead of repeating it.

    Raises:
        ConfigError: it names no scope, or one Strava does not know.
    """
    scopes = list(dict.fromkeys(split_scopes(text)))
    unknown = [s for s in scopes if s not in SCOPES]
    if scopes and not unknown:
        return ",".join(scopes)
    known = ",".join(SCOPES)
    if source is not None:
        raise ConfigError(
            f"{source} holds {len(unknown) or 'no'} item(s) that are not Strava scopes "
            f"({known}); fix it, or leave it out"
        )
    raise ConfigError(f"unknown scope {', '.join(unknown) or text!r}; known: {known}")


def missing_scopes(requested: str, granted: str | None) -> list[str]:
    """Requested scopes absent from the granted list (none when the grant is unknown)."""
    if granted is None:
        return []
    have = set(split_scopes(granted))
    return [s for s in split_scopes(requested) if s not in have]
