"""Profiles: several athletes and apps, end to end against the simulated Strava."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from strava_auth_helper import (
    ConfigError,
    StravaAuth,
    api_base_url,
    get_access_token,
    load_token,
    stravalib_client,
)
from strava_auth_helper.demo.simulated_strava import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    SimulatedStrava,
    press_authorize,
)
from strava_auth_helper.model.app import Credentials
from strava_auth_helper.model.token import Profile
from strava_auth_helper.settings import load_credentials, resolve_profile
from strava_auth_helper.store.app_credentials import save_credentials
from strava_auth_helper.store.paths import token_path
from strava_auth_helper.store.token_file import read_token
from tests.fakes import stored
from tests.helpers import PY_M, Ran
from tests.terminals import CliLogin, sim_login

Cli = Callable[..., Ran]


def cli_login(*args: str) -> subprocess.CompletedProcess[str]:
    """`strava-auth ... login --no-browser`, the athlete pressing Authorize on the simulation."""
    login = CliLogin([*PY_M, *args])
    press_authorize(login.url)
    code, out, err = login.finish()
    return subprocess.CompletedProcess(login.proc.args, code, out, err)


@pytest.fixture
def club_app(sim: SimulatedStrava, monkeypatch: pytest.MonkeyPatch) -> SimulatedStrava:
    """The simulation's app, configured only in the 'club' profile's own .env.

    The simulation's app configured only in the 'club' profile's own .env; the config
    folder's .env holds another app's (wrong) credentials.
    """
    monkeypatch.setenv("STRAVA_BASE_URL", sim.base_url)
    save_credentials(Credentials(999, "another-apps-secret"))
    save_credentials(Credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), Profile("club"))
    return sim


def test_a_profile_logs_in_with_its_own_app_and_keeps_its_own_token(
    cli: Cli, club_app: SimulatedStrava, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = cli_login("--profile", "club")
    assert result.returncode == 0, result.stderr
    club_file = isolated_env / "profiles" / "club" / "token.json"
    assert f"token saved to {club_file}" in result.stdout
    assert read_token(club_file).client_id == DEMO_CLIENT_ID
    assert not (isolated_env / "token.json").exists()  # the default profile is untouched

    token = cli("token", "--profile", "club")
    assert token.out.strip() == read_token(club_file).access_token
    assert cli("token").code == 1  # no default token: each profile is its own
    monkeypatch.setenv("STRAVA_AUTH_PROFILE", "club")
    assert cli("token").out == token.out


def test_the_python_api_takes_the_profile(club_app: SimulatedStrava, isolated_env: Path) -> None:
    sim_login(club_app, isolated_env / "profiles" / "club" / "token.json")
    access = get_access_token(profile="club")
    assert load_token(profile="club").access_token == access
    assert get_access_token(profile="club", force=True)  # refreshed with the profile's app
    assert club_app.requests.count("POST /oauth/token refresh_token") == 1
    me = requests.get(f"{api_base_url()}/athlete", auth=StravaAuth(profile="club"), timeout=10)
    assert me.json()["firstname"] == "Demo"
    auth = stravalib_client(profile="club").protocol.rsession.auth
    assert isinstance(auth, StravaAuth)
    assert auth.profile == "club"


def test_an_explicit_token_file_wins_over_a_profile(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, isolated_env: Path
) -> None:
    monkeypatch.setenv("STRAVA_AUTH_PROFILE", "club")
    monkeypatch.setenv("STRAVA_TOKEN_FILE", str(tmp_path / "from-env.json"))
    assert token_path(tmp_path / "flag.json", resolve_profile()) == tmp_path / "flag.json"
    assert token_path(None, resolve_profile()) == isolated_env / "profiles" / "club" / "token.json"
    assert token_path(None, resolve_profile("")) == tmp_path / "from-env.json"  # "": no profile


def test_credentials_precedence_with_a_profile(
    monkeypatch: pytest.MonkeyPatch, isolated_env: Path
) -> None:
    save_credentials(Credentials(3, "config-secret"))
    assert load_credentials(profile="club") == Credentials(3, "config-secret")
    save_credentials(Credentials(4, "profile-secret"), Profile("club"))
    assert load_credentials(profile="club") == Credentials(4, "profile-secret")
    assert load_credentials() == Credentials(3, "config-secret")  # other profiles: unchanged
    Path(".env").write_text("STRAVA_CLIENT_ID=5\nSTRAVA_CLIENT_SECRET=cwd-secret\n")
    assert load_credentials(profile="club") == Credentials(5, "cwd-secret")
    monkeypatch.setenv("STRAVA_CLIENT_ID", "6")
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", "env-secret")
    assert load_credentials(profile="club") == Credentials(6, "env-secret")
    assert load_credentials(7, profile="club") == Credentials(7, "env-secret")


@pytest.mark.parametrize("name", ["../evil", "a/b", ".hidden", "-x", "x" * 41, "café", " ", "a b"])
def test_a_profile_name_is_never_a_path(
    cli: Cli, name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError, match="profile name"):
        get_access_token(profile=name)
    flag = cli(f"--profile={name}", "status")
    assert flag.code == 2  # a usage error
    assert "profile name" in flag.err.splitlines()[-1]
    monkeypatch.setenv("STRAVA_AUTH_PROFILE", name)
    from_env = cli("status")
    assert from_env.code == 1
    assert from_env.err.count("\n") == 1
    assert "profile name" in from_env.err
    assert not (tmp_path / "evil").exists()


def test_profiles_lists_each_without_a_token(
    cli: Cli, club_app: SimulatedStrava, isolated_env: Path
) -> None:
    club = sim_login(club_app, isolated_env / "profiles" / "club" / "token.json").token
    default = sim_login(club_app, isolated_env / "token.json").token
    save_credentials(Credentials(4242, "s"), Profile("empty"))
    listed = cli("profiles", "--json")
    assert listed.code == 0, listed.err
    rows = {row["profile"]: row for row in json.loads(listed.out)}
    assert set(rows) == {None, "club", "empty"}
    assert rows["club"]["athlete"] == "Demo Athlete"
    assert rows["club"]["client_id"] == DEMO_CLIENT_ID
    assert rows["club"]["scope"] == "read,activity:read_all"
    assert rows["club"]["expires"].startswith("in 5 h")
    assert rows["empty"]["client_id"] == 4242
    assert rows["empty"]["expires"] == "not logged in"
    table = cli("profiles")
    assert "(default)" in table.out
    assert "club" in table.out
    for token in (club, default):
        for secret in (token.access_token, token.refresh_token):
            assert secret not in listed.out + table.out


def test_profiles_counts_each_apps_athletes_and_warns_of_one_athlete_twice(
    cli: Cli, isolated_env: Path
) -> None:
    def token_of(profile: str, app: int, athlete: int) -> None:
        stored(token_path(None, Profile(profile)), 3600, client_id=app, athlete={"id": athlete})

    token_of("anna", 1, 10)
    token_of("ben", 1, 11)
    token_of("club", 77, 10)  # the same athlete in another app: no conflict
    ran = cli("profiles")
    assert ran.code == 0, ran.err
    assert "App 1: 2 athlete(s) here, of the 10 a Standard Tier app serves" in ran.out
    assert "'Athlete Capacity' on https://www.strava.com/settings/api" in ran.out
    assert "App 77: 1 athlete(s) here" in ran.out
    assert "Warning" not in ran.out
    token_of("anna-again", 1, 10)
    ran = cli("profiles")
    assert "App 1: 2 athlete(s) here" in ran.out  # two athletes, one of them twice
    assert "Warning: profiles anna, anna-again hold one athlete of this app" in ran.out
    assert "--profile NAME logout --local-only" in ran.out
    assert cli("profiles", "--json").out[0] == "["  # the JSON stays a list of profiles


def test_logout_with_a_profile_removes_only_that_profile(
    cli: Cli, club_app: SimulatedStrava, isolated_env: Path
) -> None:
    club_file = isolated_env / "profiles" / "club" / "token.json"
    sim_login(club_app, club_file)
    sim_login(club_app, isolated_env / "profiles" / "other" / "token.json")
    result = cli("--profile", "other", "logout", "--local-only")
    assert result.code == 0, result.err
    assert not (isolated_env / "profiles" / "other").exists()  # nothing else was in it
    assert club_file.exists()
    cli("logout", "--local-only", "--profile", "club")
    assert not club_file.exists()
    assert (isolated_env / "profiles" / "club" / ".env").exists()  # the app's settings stay


def test_no_profile_means_no_profile_whatever_the_environment_says(
    cli: Cli, club_app: SimulatedStrava, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # club's own .env holds the simulation's app; the config folder's .env another app's.
    monkeypatch.setenv("STRAVA_AUTH_PROFILE", "club")
    assert load_credentials(profile="") == Credentials(999, "another-apps-secret")
    assert token_path(None, resolve_profile("")) == isolated_env / "token.json"
    # The command line's --profile '' is the same "none" as the API's profile="".
    result = cli("--profile", "", "login", "--no-browser", "--timeout", "0.3")
    # The config folder's app, not club's: Strava (the simulation) knows no app 999, and
    # saved credentials are checked before a login.
    assert f"client id saved in {isolated_env / '.env'}" in result.err
    status = cli("--profile=", "status")
    assert str(isolated_env / "token.json") in status.err  # not club's token file


@pytest.mark.parametrize("spelling", ["Club", "CLUB", "club"])
def test_a_profile_is_one_folder_whatever_its_case(
    cli: Cli, spelling: str, club_app: SimulatedStrava, isolated_env: Path
) -> None:
    sim_login(club_app, isolated_env / "profiles" / "club" / "token.json")
    assert (
        token_path(None, resolve_profile(spelling))
        == isolated_env / "profiles" / "club" / "token.json"
    )
    assert get_access_token(profile=spelling) == load_token(profile="club").access_token
    assert (
        cli("--profile", spelling, "token").out.strip() == load_token(profile="club").access_token
    )


@pytest.mark.parametrize("name", ["CON", "nul", "Aux", "prn", "com1", "LPT9"])
def test_a_windows_device_name_is_no_profile_anywhere(
    cli: Cli, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError, match="device name"):
        get_access_token(profile=name)
    assert cli(f"--profile={name}", "status").code == 2
    monkeypatch.setenv("STRAVA_AUTH_PROFILE", name)
    assert cli("status").code == 1
