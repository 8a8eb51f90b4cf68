"""Use stravalib with the token strava-auth-helper keeps fresh.

Set-up once:  pip install '.[stravalib]' && strava-auth login   (from the clone, in its venv)
Then:         python examples/stravalib_client.py

stravalib_client() is a stravalib Client whose every request carries a live token from the
token file: it is refreshed (and the rotated refresh token saved) whenever needed, so the
script can run for days. stravalib's own refresh, which keeps the new refresh token only in
memory, is never used.
"""

from __future__ import annotations

import sys

import requests

import strava_auth_helper
from strava_auth_helper import StravaAuthError


def recent_activities(limit: int = 5, token_file: str | None = None) -> list[str]:
    """One line per recent activity: date and name."""
    client = strava_auth_helper.stravalib_client(token_file)  # (needs the stravalib extra)
    return [
        f"{activity.start_date_local:%Y-%m-%d} {activity.name}"
        for activity in client.get_activities(limit=limit)
    ]


def main() -> int:
    """Greet the athlete and list their recent activities; one line on an error."""
    try:
        athlete = strava_auth_helper.stravalib_client().get_athlete()
        lines = recent_activities()
    except (StravaAuthError, requests.HTTPError) as exc:  # not logged in, no stravalib (the
        # extra), Strava refused: stravalib's errors are requests' (a missing permission too)
        print("error: " + " ".join(str(exc).split()), file=sys.stderr)
        return 1
    print(f"Hello {athlete.firstname}! Your five most recent activities:")
    for line in lines:
        print(f"- {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
