"""The simulated Strava and the demo that runs the real login against it."""
