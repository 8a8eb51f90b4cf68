"""Use stravalib with the token strava-auth-helper keeps fresh.

Set-up once:  pip install 'strava-auth-helper[stravalib]' && strava-auth login
Then:         python examples/stravalib_client.py

stravalib_client() is a stravalib Client whose every request carries a live token from the
token file: it is refreshed (and the rotated refresh token saved) whenever needed, so the
script can run for days. stravalib's own refresh, which keeps the new refresh token only in
memory, is never used.
"""

from __future__ import annotations

from strava_auth_helper import stravalib_client


def recent_activities(limit: int = 5, token_file: str | None = None) -> list[str]:
    """One line per recent activity: date and name."""
    client = stravalib_client(token_file)
    return [
        f"{activity.start_date_local:%Y-%m-%d} {activity.name}"
        for activity in client.get_activities(limit=limit)
    ]


if __name__ == "__main__":
    athlete = stravalib_client().get_athlete()
    print(f"Hello {athlete.firstname}! Your five most recent activities:")
    for line in recent_activities():
        print(f"- {line}")
