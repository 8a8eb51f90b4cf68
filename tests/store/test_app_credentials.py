"""The app's credentials saved by a login: read back as typed, forgotten per profile."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from strava_auth_helper.errors import ConfigError
from strava_auth_helper.model.app import Credentials
from strava_auth_helper.model.token import NO_PROFILE, Profile
from strava_auth_helper.settings import find_credentials
from strava_auth_helper.store.app_credentials import save_credentials
from tests.fakes import stored
from tests.helpers import CLIENT_ID, CLIENT_SECRET, Ran

Cli = Callable[..., Ran]


@pytest.mark.parametrize("secret", ["ab${HOME}cd", "a$HOME'b\\c", "x${UNSET:-default}"])
def test_a_saved_secret_reads_back_exactly_as_typed(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("HOME", "/home/someone")
    save_credentials(Credentials(CLIENT_ID, secret), Profile("club"))
    found = find_credentials(profile="club")
    assert found.credentials.client_secret == secret  # python-dotenv expands ${...} unless told


def test_reset_credentials_for_a_profile_does_not_fall_back_to_the_default_app(
    cli: Cli, isolated_env: Path, token_path: Path
) -> None:
    save_credentials(Credentials(999, "the-default-profiles-secret"), NO_PROFILE)
    save_credentials(Credentials(CLIENT_ID, CLIENT_SECRET), Profile("club"))
    ran = cli(
        "--profile",
        "club",
        "login",
        "--reset-credentials",
        "--no-browser",
        "--port",
        "0",
        "--token-file",
        str(token_path),
    )
    assert ran.code == 1
    assert "Forgot the app's credentials" in ran.out
    assert "client_id=999" not in ran.out  # not the default profile's app, silently
    assert "no Strava app credentials" in ran.err  # nobody can be asked here: said so
    assert ran.err.count("\n") == 1


@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff", "\u200d"])
def test_a_secret_with_an_invisible_character_is_refused_where_it_is_read(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, invisible: str
) -> None:
    monkeypatch.setenv("STRAVA_CLIENT_ID", str(CLIENT_ID))
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", CLIENT_SECRET + invisible)
    with pytest.raises(ConfigError) as caught:
        find_credentials()
    message = str(caught.value)
    assert "$STRAVA_CLIENT_SECRET" in message
    assert CLIENT_SECRET not in message
    assert "\n" not in message


@pytest.mark.usefixtures("with_creds")
def test_logout_with_such_a_secret_is_one_line_and_keeps_the_token(
    cli: Cli, token_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored(token_path, 3600)
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", CLIENT_SECRET + "\u200b")
    ran = cli("logout", "--token-file", str(token_path))  # (it crashed building Basic auth)
    assert ran.code == 1
    assert ran.err.count("\n") == 1
    assert "Traceback" not in ran.err
    assert token_path.exists()
