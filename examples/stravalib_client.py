"""Use the token strava-auth-helper keeps fresh with stravalib.

Set-up once:  pip install stravalib strava-auth-helper && strava-auth login
Then:         python examples/stravalib_client.py

stravalib refreshes only in memory and never saves the rotated refresh token, so let
get_access_token() do the refreshing (it saves the new refresh token before returning).
"""

from __future__ import annotations

from stravalib import Client

from strava_auth_helper import get_access_token, load_token


def make_client(token_file: str | None = None) -> Client:
    """A stravalib client with an access token valid for at least 5 more minutes."""
    access_token = get_access_token(token_file)  # refreshes and saves first if needed
    token = load_token(token_file)
    # The three stored fields are what stravalib's own refresh needs, should a long-running
    # script outlive the token; but prefer calling make_client() again: it saves rotations.
    return Client(
        access_token=access_token,
        refresh_token=token.refresh_token,
        token_expires=token.expires_at,
    )


if __name__ == "__main__":
    client = make_client()
    athlete = client.get_athlete()
    print(f"Hello {athlete.firstname}! Your five most recent activities:")
    for activity in client.get_activities(limit=5):
        print(f"- {activity.start_date_local:%Y-%m-%d} {activity.name}")
