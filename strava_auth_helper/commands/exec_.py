"""``strava-auth exec``: run a command with a live access token in its environment, no secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping

from ..errors import ConfigError, os_reason
from ..model.app import ENV_CLIENT_SECRET
from ..model.token import Profile, Token
from ..settings import ENV_REFRESH_TOKEN
from ..store.location import PathArg
from .refresh import token_result

ENV_ACCESS_TOKEN = "STRAVA_ACCESS_TOKEN"
ENV_EXPIRES_AT = "STRAVA_ACCESS_TOKEN_EXPIRES_AT"
#: Never handed on unless asked (``--pass-secrets``): with them a program refreshes by itself,
#: and the refresh token kept here dies at its first rotation. (Their ``_FILE`` forms too.)
SECRETS = tuple(f"{n}{e}" for n in (ENV_CLIENT_SECRET, ENV_REFRESH_TOKEN) for e in ("", "_FILE"))


def environment(token: Token, base: Mapping[str, str], *, pass_secrets: bool) -> dict[str, str]:
    """``base`` with the live access token and its expiry set, and (unless asked) no secret."""
    env = {k: v for k, v in base.items() if pass_secrets or k not in SECRETS}
    env[ENV_ACCESS_TOKEN] = token.access_token
    env[ENV_EXPIRES_AT] = str(token.expires_at)
    return env


def run_with_token(
    argv: list[str], token_file: PathArg, profile: Profile, *, min_ttl: int, pass_secrets: bool
) -> int:
    """Run ``argv`` with a live token; its exit status (this process becomes it, but on Windows).

    Raises:
        ConfigError: the command cannot be run (not found, not executable).
        StravaAuthError: there is no live token to give it.
    """
    token = token_result(token_file, min_ttl=min_ttl, force=False, profile=profile).token
    env = environment(token, os.environ, pass_secrets=pass_secrets)
    sys.stdout.flush()
    try:
        if os.name != "nt":  # it becomes the command: signals reach it, its status is ours
            os.execvpe(argv[0], argv, env)
        child = subprocess.Popen(argv, env=env)  # Windows' exec would not wait for it
    except OSError as exc:
        raise ConfigError(f"cannot run {argv[0]!r}: {os_reason(exc)}") from None
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            continue  # it got the Ctrl-C too: its own exit status is ours
