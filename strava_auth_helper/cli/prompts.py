"""What the command line asks the person at the terminal.

What the command line asks the person at the terminal: the app's credentials, and the tokens
to import. Secrets are read without echo, and nothing is asked where there is no terminal.
"""

from __future__ import annotations

import getpass
import sys
from functools import partial

from .. import settings
from ..browser_login.flow import refused_advice
from ..browser_login.login import Prompter, plain_text
from ..errors import ConfigError
from ..strava import api


def credentials_prompter(client_id: int | None = None) -> Prompter | None:
    """The terminal's way to ask for the app's credentials; None where there is no terminal.

    A ``client_id`` given (``--client-id``) is not asked for again.
    """
    if not (sys.stdin and sys.stdin.isatty()):
        return None
    return Prompter(ask=partial(_ask_credentials, client_id=client_id), again=_ask_again)


#: How many times the terminal asks before it gives up.
_TRIES = 5


def _ask_credentials(
    problem: str | None, *, client_id: int | None = None
) -> tuple[settings.Credentials, bool]:
    """Ask for both values, check them with Strava, and whether to keep them.

    Raises:
        ConfigError: what was typed is not a client ID, no secret was typed, or Strava
            refused them every time.
    """
    if problem:
        print(problem)
        print("Type the app's values again; they replace the saved ones once Strava accepts them.")
    else:
        print(
            f"No Strava app credentials found. Create an app at {settings.SETTINGS_URL} "
            "(Authorization Callback Domain: localhost), then copy its values here."
        )
    for _ in range(_TRIES):
        creds = _typed(client_id)
        refused = api.refused_credential(settings.base_url(), creds)
        if refused is None:
            break
        print(plain_text(refused_advice(refused, creds.client_id)))
        client_id = None if refused == "client_id" else creds.client_id
    else:
        raise ConfigError(f"Strava refused the app's values {_TRIES} times; nothing was saved")
    try:
        answer = input(
            "Save them on this computer (readable only by you) once Strava accepts them? [Y/n] "
        )
    except EOFError:
        raise ConfigError(settings.missing_credentials_message()) from None
    return creds, answer.strip().lower() in ("", "y", "yes")


def _ask_again(refused: str, creds: settings.Credentials) -> settings.Credentials:
    """Strava refused one of the values at the code exchange: ask for it again."""
    print(plain_text(refused_advice(refused, creds.client_id)))
    return _typed(None if refused == "client_id" else creds.client_id)


def _typed(client_id: int | None) -> settings.Credentials:
    try:
        if client_id is None:
            client_id = settings.parse_client_id(input("Client ID: "), "your input")
        else:
            print(f"Client ID: {client_id}")
        secret = getpass.getpass("Client Secret (not shown): ").strip()
    except EOFError:
        raise ConfigError(settings.missing_credentials_message()) from None
    if not secret:
        raise ConfigError("no client secret given")
    return settings.Credentials(client_id, secret)


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
