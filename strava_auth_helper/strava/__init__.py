"""Strava itself: the HTTP calls and the scopes."""
