"""What the command line asks the person at the terminal.

What the command line asks the person at the terminal: the app's credentials, and the tokens
to import. Secrets are read without echo, and nothing is asked where there is no terminal.
"""

from __future__ import annotations

import getpass
import sys

from .. import settings
from ..errors import ConfigError, MissingCredentialsError


def credentials(client_id: int | None, profile: settings.Profile) -> settings.Credentials:
    """Credentials from settings; on a terminal, ask for missing ones and offer to save them.

    Raises:
        MissingCredentialsError: none configured, and no terminal to ask at.
        ConfigError: what was typed is not a client ID, or no secret was typed.
    """
    try:
        return settings.load_credentials(client_id, profile=profile)
    except MissingCredentialsError:
        if not (sys.stdin and sys.stdin.isatty()):
            raise
    return _ask_credentials(client_id, profile)


def _ask_credentials(client_id: int | None, profile: settings.Profile) -> settings.Credentials:
    print(
        f"No Strava app credentials found. Create an app at {settings.SETTINGS_URL} "
        "(Authorization Callback Domain: localhost), then copy its values here."
    )
    try:
        if client_id is None:
            client_id = settings.parse_client_id(input("Client ID: "), "your input")
        secret = getpass.getpass("Client Secret (not shown): ").strip()
        if not secret:
            raise ConfigError("no client secret given")
        creds = settings.Credentials(client_id, secret)
        where = settings.config_env_file(profile)
        answer = input(f"Save them to {where} (readable only by you)? [Y/n] ")
    except EOFError:
        raise ConfigError(settings.missing_credentials_message()) from None
    if answer.strip().lower() in ("", "y", "yes"):
        print(f"Saved to {settings.save_credentials(creds, profile)}")
    return creds


def tokens_to_import(name: str, limit: int) -> str:
    """What ``strava-auth import`` adopts: the file ``name``, or standard input.

    What ``strava-auth import`` adopts: the file ``name``, or standard input for ``-``
    (asked for without echo on a terminal); at most ``limit`` + 1 bytes are read, as UTF-8
    (a BOM is dropped).

    Raises:
        ConfigError: there is no standard input, or the input is not UTF-8 text.
        OSError: the file cannot be read.
    """
    if name != "-":
        with open(name, "rb") as f:
            return _utf8(f.read(limit + 1), limit)
    if sys.stdin is None:
        raise ConfigError("no input: give a FILE, or pipe the token in")
    if sys.stdin.isatty():
        return getpass.getpass("Paste the refresh token or the JSON on one line (not shown): ")
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text stream with no bytes under it (tests, embedding)
        return sys.stdin.read(limit + 1)
    return _utf8(stream.read(limit + 1), limit)


def _utf8(data: bytes, limit: int) -> str:
    if len(data) > limit:  # too long anyway (and maybe cut inside a character): said later
        return data.decode("utf-8", "replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError("the input is not UTF-8 text (nothing was imported)") from None
