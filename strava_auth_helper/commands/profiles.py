"""``strava-auth profiles``: every profile's athlete, client ID, scopes and expiry; no token."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import HandedOverError, NotLoggedInError, StravaAuthError
from ..model.rules import profile_folder_name
from ..model.token import NO_PROFILE, Profile, describe_expiry
from ..store.app_credentials import saved_client_id
from ..store.paths import profiles_dir, token_path
from ..store.token_file import read_token


def list_profiles() -> list[Profile]:
    """The default profile (when it has a token), then every named one by name."""
    profiles: list[Profile] = []
    if token_path(None, NO_PROFILE).exists():
        profiles.append(NO_PROFILE)
    folder = profiles_dir()
    if folder.is_dir():
        names = (d.name for d in folder.iterdir() if d.is_dir())
        profiles += [Profile(n) for n in sorted(names) if profile_folder_name(n) == n]
    return profiles


def profile_summary(profile: Profile) -> dict[str, object]:
    """What ``strava-auth profiles`` shows of one profile: never a token."""
    path = token_path(None, profile)
    summary: dict[str, object] = {
        "profile": profile.name,
        "athlete": "-",
        "athlete_id": None,
        "client_id": saved_client_id(profile),
        "scope": None,
        "expires_at": None,
        "expires": "not logged in",
        "token_file": str(path),
        "refresh_token_in": None,
    }
    try:
        token = read_token(path)
    except HandedOverError:
        summary["expires"] = "handed over (strava-auth export --move)"
        return summary
    except NotLoggedInError:
        return summary
    except StravaAuthError as exc:
        summary["expires"] = f"unreadable token file ({exc.__class__.__name__})"
        return summary
    summary.update(
        athlete=token.athlete_name,
        athlete_id=token.athlete.get("id"),
        client_id=token.client_id or summary["client_id"],
        scope=token.scope,
        expires_at=token.expires_at,
        expires=describe_expiry(token.seconds_left()),
        refresh_token_in=token.refresh_token_in,
    )
    return summary


def athletes_per_app(rows: Iterable[dict[str, object]]) -> dict[object, dict[object, list[str]]]:
    """Each app's client ID -> each athlete with a token of it -> their profiles, of ``rows``.

    ``rows`` are :func:`profile_summary`'s.
    """
    apps: dict[object, dict[object, list[str]]] = {}
    for row in rows:
        if row["athlete_id"] is not None:
            athletes = apps.setdefault(row["client_id"], {})
            athletes.setdefault(row["athlete_id"], []).append(str(row["profile"] or "(default)"))
    return apps
