"""``python -m strava_auth_helper`` runs the ``strava-auth`` command."""

import sys

from .fastpath import main

sys.exit(main())
