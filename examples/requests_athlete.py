"""Call the Strava API with plain requests and StravaAuth (no stravalib needed).

Set-up once:  strava-auth login
Then:         python examples/requests_athlete.py
"""

from __future__ import annotations

import requests

from strava_auth_helper import StravaAuth

API = "https://www.strava.com/api/v3"


def athlete(api: str = API, token_file: str | None = None) -> dict[str, object]:
    """The logged-in athlete's profile; the token is refreshed (and saved) when needed."""
    answer = requests.get(f"{api}/athlete", auth=StravaAuth(token_file), timeout=30)
    answer.raise_for_status()
    return answer.json()  # type: ignore[no-any-return]


if __name__ == "__main__":
    me = athlete()
    print(f"Logged in as {me['firstname']} {me['lastname']} (id {me['id']})")
