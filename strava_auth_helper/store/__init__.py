"""The token at rest: where it is, the valid-token read, private files, the lock, the OS keyring.

Also the one interface for where a refresh token lives (``refresh_tokens``), the one save path
(``save``) and the app's credentials a login saved (``app_credentials``).
"""
