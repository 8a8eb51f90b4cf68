"""What each command does: one module per command, each orchestrating the store and Strava.

``refresh`` is also the home of ``get_access_token()``'s ordinary path and of the faces users
import; ``rotation_hook`` hands a rotated refresh token to the person's secret store.
"""
