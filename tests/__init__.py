"""The suite (its helpers are ``tests.helpers``, its fixtures ``tests/conftest.py``).

It runs as in an activated venv: the venv's ``bin`` is put first on ``PATH`` here, before
any test module imports the package (which words its messages on first use), so messages
name the command ``strava-auth``. How they name it where it is not on ``PATH``:
``tests/test_command_name.py``, in processes of their own.
"""

import os
import sys

os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]])
