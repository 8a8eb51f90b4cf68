"""Call the Strava API with plain requests and StravaAuth (no stravalib needed).

Set-up once:  strava-auth login
Then:         python examples/requests_athlete.py

It follows STRAVA_BASE_URL, so it also runs against `strava-auth demo --serve`.
"""

from __future__ import annotations

import sys

import requests

from strava_auth_helper import StravaAuth, StravaAuthError, api_base_url, raise_for_status


def athlete(token_file: str | None = None) -> dict[str, object]:
    """The logged-in athlete's profile; the token is refreshed (and saved) when needed."""
    answer = requests.get(f"{api_base_url()}/athlete", auth=StravaAuth(token_file), timeout=30)
    raise_for_status(answer)  # a missing permission says which scope and how to grant it
    return answer.json()  # type: ignore[no-any-return]


if __name__ == "__main__":
    try:
        me = athlete()
    except (StravaAuthError, requests.RequestException) as exc:  # one line, no traceback
        sys.exit(f"error: {exc}")
    print(f"Logged in as {me['firstname']} {me['lastname']} (id {me['id']})")
