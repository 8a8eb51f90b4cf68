"""Strava over HTTP: the OAuth calls, the API's athlete call, rate limits; nothing of the disk."""
