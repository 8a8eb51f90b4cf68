"""``python -m strava_auth_helper`` runs the ``strava-auth`` command."""

import sys

from .entry import main

sys.exit(main())
