"""The simulated Strava: the demo and the tests run the real login and refresh against it."""
