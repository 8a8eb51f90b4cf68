"""The ``strava-auth`` command line: the parser's shared options and one module per command."""
