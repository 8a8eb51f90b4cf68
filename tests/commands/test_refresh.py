"""get_access_token(): cheap when valid, correct under faults, one refresh across processes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from strava_auth_helper import (
    AppInactiveError,
    NotLoggedInError,
    RateLimitError,
    ReauthorizationRequiredError,
    StravaError,
    StravaUnavailableError,
    TokenFileError,
    get_access_token,
    load_token,
)
from strava_auth_helper.demo.simulated_strava import SimulatedStrava
from strava_auth_helper.errors import ConfigError, MissingCredentialsError
from strava_auth_helper.model.token import NO_PROFILE
from strava_auth_helper.settings import load_credentials
from strava_auth_helper.store.private_files import temp_path
from strava_auth_helper.store.token_file import read_token
from strava_auth_helper.strava import api
from strava_auth_helper.strava import api as strava_api
from tests.fakes import expect_refresh, race_for_a_refresh, refresh_tokens_sent, save, stored
from tests.helpers import (
    ACCESS,
    CLIENT_ID,
    CLIENT_SECRET,
    NEW_ACCESS,
    NEW_REFRESH,
    REFRESH,
    SECRETS,
    WINDOWS,
    Ran,
    assert_private,
)
from tests.terminals import kill_hard, sim_login


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(strava_api, "RETRY_DELAYS", (0.0, 0.0, 0.0))


def test_valid_token_makes_no_http_call(strava: HTTPServer, token_path: Path) -> None:
    stored(token_path, 3600)
    before = token_path.read_bytes()
    assert get_access_token(token_path) == ACCESS
    assert strava.log == []
    assert token_path.read_bytes() == before


@pytest.mark.usefixtures("with_creds")
@pytest.mark.parametrize("expires_in", [-100, 10, 299])
def test_expired_or_near_expiry_refreshes_and_saves_rotation(
    strava: HTTPServer, token_path: Path, expires_in: int
) -> None:
    stored(token_path, expires_in)
    expect_refresh(strava)
    assert get_access_token(token_path) == NEW_ACCESS
    strava.check_assertions()
    assert strava.log[0][0].form.to_dict() == {
        "client_id": str(CLIENT_ID),
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH,
        "grant_type": "refresh_token",
    }
    saved = json.loads(token_path.read_text())
    assert saved["refresh_token"] == NEW_REFRESH
    assert saved["access_token"] == NEW_ACCESS
    assert saved["athlete"]["firstname"] == "Jane"  # kept from the login
    assert saved["scope"] == "read,activity:read_all"
    assert saved["client_id"] == CLIENT_ID
    assert_private(token_path)


@pytest.mark.usefixtures("with_creds")
def test_min_ttl_and_force(strava: HTTPServer, token_path: Path) -> None:
    stored(token_path, 1000)
    assert get_access_token(token_path, min_ttl=900) == ACCESS
    assert strava.log == []
    expect_refresh(strava)
    assert get_access_token(token_path, min_ttl=900, force=True) == NEW_ACCESS
    assert len(strava.log) == 1


def test_min_ttl_strava_cannot_meet_is_refused(token_path: Path) -> None:
    stored(token_path, 3600)
    with pytest.raises(ValueError, match="min_ttl"):
        get_access_token(token_path, min_ttl=7200)


@pytest.mark.usefixtures("with_creds")
def test_revoked_refresh_token_asks_for_login_and_keeps_file(
    strava: HTTPServer, token_path: Path
) -> None:
    stored(token_path, -10)
    before = token_path.read_bytes()
    expect_refresh(
        strava,
        400,
        {
            "message": "Bad Request",
            "errors": [{"resource": "RefreshToken", "field": "refresh_token", "code": "invalid"}],
        },
    )
    with pytest.raises(ReauthorizationRequiredError, match="strava-auth login"):
        get_access_token(token_path)
    assert token_path.read_bytes() == before


@pytest.mark.usefixtures("with_creds")
@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried(strava: HTTPServer, token_path: Path, status: int) -> None:
    stored(token_path, -10)
    expect_refresh(strava, status, {"message": "unavailable"})
    expect_refresh(strava)
    assert get_access_token(token_path) == NEW_ACCESS
    assert len(strava.log) == 2


@pytest.mark.usefixtures("with_creds")
def test_persistent_outage_gives_up_and_keeps_file(strava: HTTPServer, token_path: Path) -> None:
    stored(token_path, -10)
    before = token_path.read_bytes()
    strava.expect_request("/oauth/token", method="POST").respond_with_json({}, status=503)
    with pytest.raises(StravaUnavailableError, match="503"):
        get_access_token(token_path)
    assert len(strava.log) == 1 + len(strava_api.RETRY_DELAYS)
    assert token_path.read_bytes() == before


@pytest.mark.usefixtures("with_creds")
def test_connection_errors_are_retried_then_reported(
    resetting_server: str, token_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRAVA_BASE_URL", resetting_server)
    stored(token_path, -10)
    before = token_path.read_bytes()
    with pytest.raises(StravaUnavailableError, match="could not reach Strava"):
        get_access_token(token_path)
    assert token_path.read_bytes() == before


@pytest.mark.usefixtures("with_creds")
def test_timeout_is_retried(
    threaded_strava: HTTPServer, token_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    strava = threaded_strava
    monkeypatch.setattr(strava_api, "TIMEOUT", (2.0, 0.3))
    release = threading.Event()

    def stall(request: Request) -> Response:
        release.wait(5)  # holds the answer past the client's read timeout
        return Response("{}", status=500)

    stored(token_path, -10)
    strava.expect_oneshot_request("/oauth/token", method="POST").respond_with_handler(stall)
    expect_refresh(strava)
    try:
        assert get_access_token(token_path) == NEW_ACCESS
    finally:
        release.set()
    assert read_token(token_path).refresh_token == NEW_REFRESH


@pytest.mark.usefixtures("with_creds")
def test_rate_limit_says_when_it_resets(strava: HTTPServer, token_path: Path) -> None:
    stored(token_path, -10)
    before = token_path.read_bytes()
    strava.expect_oneshot_request("/oauth/token", method="POST").respond_with_json(
        {"message": "Rate Limit Exceeded"},
        status=429,
        headers={"X-RateLimit-Limit": "200,2000", "X-RateLimit-Usage": "201,540"},
    )
    with pytest.raises(RateLimitError, match=r"15-minute limit 201/200, resets at \d\d:\d\d UTC"):
        get_access_token(token_path)
    assert len(strava.log) == 1  # not retried
    assert token_path.read_bytes() == before


@pytest.mark.usefixtures("with_creds")
def test_invalid_json_is_an_error_not_a_crash(strava: HTTPServer, token_path: Path) -> None:
    stored(token_path, -10)
    before = token_path.read_bytes()
    strava.expect_oneshot_request("/oauth/token", method="POST").respond_with_data("<html>")
    with pytest.raises(StravaError, match="not valid JSON"):
        get_access_token(token_path)
    assert token_path.read_bytes() == before


def test_missing_credentials_name_the_variables(token_path: Path) -> None:
    stored(token_path, -10)
    with pytest.raises(MissingCredentialsError, match="STRAVA_CLIENT_SECRET"):
        get_access_token(token_path)


@pytest.mark.usefixtures("with_creds")
def test_token_of_another_app_is_refused(token_path: Path) -> None:
    stored(token_path, -10, client_id=CLIENT_ID + 1)
    with pytest.raises(ConfigError, match=f"client ID {CLIENT_ID + 1}"):
        get_access_token(token_path)


def test_not_logged_in_and_corrupt(token_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRAVA_TOKEN_FILE", str(token_path))
    with pytest.raises(NotLoggedInError, match=re.escape(str(token_path))):
        get_access_token()
    token_path.parent.mkdir(parents=True)
    token_path.write_text("{oops")
    with pytest.raises(TokenFileError, match="strava-auth login"):
        load_token()
    assert token_path.read_text() == "{oops"


def test_load_token_repr_hides_secrets(token_path: Path) -> None:
    stored(token_path, 100)
    token = load_token(token_path)
    assert token.athlete["id"] == 134815
    for secret in SECRETS:
        assert secret not in repr(token)


# Sixteen processes; six on Windows, where the leg runs each Python under Wine at ~1.5 s.
PROCESSES = 6 if WINDOWS else 8  # on 2 cores, 8 interpreters contend as 16 do


@pytest.mark.usefixtures("with_creds")
def test_many_processes_make_exactly_one_refresh(strava: HTTPServer, token_path: Path) -> None:
    stored(token_path, -10)
    outputs = race_for_a_refresh(strava, PROCESSES, str(token_path))
    assert set(outputs) == {NEW_ACCESS}
    assert refresh_tokens_sent(strava) == [REFRESH]
    assert read_token(token_path).refresh_token == NEW_REFRESH


WRITER = """
import os, sys, time
from pathlib import Path
from strava_auth_helper.store.private_files import write_private
from strava_auth_helper.model.token import Token, token_bytes
path = Path(sys.argv[1])
n = 0
while True:
    n += 1
    token = Token(access_token="a" * 2000 + str(n), refresh_token="r" * 2000 + str(n),
                  expires_at=n, athlete={"id": n})
    write_private(path, token_bytes(token))
    if n == 20:
        print(os.getpid(), flush=True)  # the interpreter's own pid (not a venv launcher's)
"""


@pytest.mark.parametrize("run", range(8))
def test_kill_during_write_leaves_a_whole_file(token_path: Path, run: int) -> None:
    stored(token_path, 100)
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(token_path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    writer = int(proc.stdout.readline())
    for _ in range(run * 50):  # let it run a varying while, so the kill lands anywhere
        read_token(token_path)
    kill_hard(writer)
    proc.wait()
    token = read_token(token_path)  # parses: the old file or a new one, never a mix
    assert token.access_token.endswith(str(token.expires_at)) or token.access_token == ACCESS
    leftovers = set(os.listdir(token_path.parent)) - {token_path.name, token_path.name + ".lock"}
    assert leftovers <= {temp_path(token_path).name}
    save(token_path, token)  # the next write sweeps the leftover away
    assert set(os.listdir(token_path.parent)) <= {token_path.name, token_path.name + ".lock"}


@pytest.mark.usefixtures("with_creds")
def test_lock_wait_is_bounded_with_a_clear_error(
    strava: HTTPServer, token_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from strava_auth_helper.errors import LockTimeoutError
    from strava_auth_helper.store import lock as token_lock

    stored(token_path, -10)
    before = token_path.read_bytes()
    monkeypatch.setattr(token_lock, "LOCK_TIMEOUT", 0.2)
    holder = subprocess.Popen(  # another process holds the lock and does not let go
        [
            sys.executable,
            "-c",
            "import sys, filelock; l = filelock.FileLock(sys.argv[1]); l.acquire();"
            "print('held', flush=True); sys.stdin.read()",
            str(token_path) + ".lock",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(LockTimeoutError, match="held the lock"):
            get_access_token(token_path)
    finally:
        holder.communicate("")
    assert strava.log == []
    assert token_path.read_bytes() == before


ODD_ANSWERS = {
    "Infinity": '{"access_token": "a", "refresh_token": "r", "expires_at": Infinity}',
    "1e300": '{"access_token": "a", "refresh_token": "r", "expires_at": 1e300}',
    "huge int": '{"access_token": "a", "refresh_token": "r", "expires_at": ' + "9" * 5000 + "}",
    "deep nesting": "[" * 100_000 + "]" * 100_000,
    "header injection": '{"access_token": "a\\r\\nX-Evil: 1", "refresh_token": "r", '
    '"expires_at": 4000000000}',
    "numbers for tokens": '{"access_token": 1, "refresh_token": 2, "expires_at": 4000000000}',
}


@pytest.mark.usefixtures("with_creds")
@pytest.mark.parametrize("name", list(ODD_ANSWERS))
def test_an_odd_answer_from_strava_is_a_clear_error_and_saves_nothing(
    strava: HTTPServer, token_path: Path, name: str
) -> None:
    stored(token_path, -10)
    before = token_path.read_bytes()
    strava.expect_oneshot_request("/oauth/token", method="POST").respond_with_data(
        ODD_ANSWERS[name], content_type="application/json"
    )
    with pytest.raises(StravaError, match="Strava's answer"):
        get_access_token(token_path)
    assert token_path.read_bytes() == before


@pytest.mark.usefixtures("with_creds")
def test_lock_and_folder_errors_are_the_packages_own(tmp_path: Path, token_path: Path) -> None:
    stored(token_path, -10)
    (token_path.parent / "token.json.lock").mkdir()  # the lock cannot be opened
    with pytest.raises(TokenFileError, match="cannot lock"):
        get_access_token(token_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    # A file where a folder should be: Linux says "Not a directory", Windows "path not found".
    error = NotLoggedInError if WINDOWS else TokenFileError
    with pytest.raises(error, match=re.escape(str(blocker / "sub" / "token.json"))):
        get_access_token(blocker / "sub" / "token.json")
    with pytest.raises(TokenFileError, match="cannot create the folder"):
        save(blocker / "sub" / "token.json", read_token(token_path))


INACTIVE = {
    "message": "Forbidden",
    "errors": [{"resource": "Application", "field": "Status", "code": "Inactive"}],
}


@pytest.mark.usefixtures("with_creds")
def test_a_lapsed_app_is_not_a_dead_token_and_the_file_is_kept(
    strava: HTTPServer, token_path: Path, cli: Callable[..., Ran]
) -> None:
    stored(token_path, -10)
    before = token_path.read_bytes()
    strava.expect_request("/oauth/token", method="POST").respond_with_json(INACTIVE, status=403)
    with pytest.raises(AppInactiveError) as caught:
        get_access_token(token_path)
    assert not isinstance(caught.value, ReauthorizationRequiredError)
    assert "reactivate it at https://www.strava.com/settings/api" in str(caught.value)
    assert "logging in again cannot help" in str(caught.value)
    assert token_path.read_bytes() == before
    ran = cli("token", "--token-file", str(token_path))
    assert ran.code == 6  # a scheduled job can tell it from a dead token (1)
    assert ran.err.count("\n") == 1
    assert "app is inactive" in ran.err
    assert token_path.read_bytes() == before


@pytest.mark.usefixtures("rotating")
def test_a_forced_refresh_cannot_end_an_access_token_early_and_says_so(
    sim_env: SimulatedStrava, token_path: Path, cli: Callable[..., Ran]
) -> None:
    # Strava: "a refresh while more than 1 hour remains returns the same access token".
    first = sim_login(sim_env, token_path).token
    ran = cli("refresh", "--token-file", str(token_path))
    assert ran.code == 0, ran.err
    after = read_token(token_path)
    assert after.access_token == first.access_token
    assert after.refresh_token != first.refresh_token  # the refresh token still rotated
    assert "Strava kept the same access token" in ran.out
    sim_env.expire_access_tokens()  # in its last hour (here: past it), a new one comes
    ran = cli("refresh", "--token-file", str(token_path))
    assert read_token(token_path).access_token != first.access_token
    assert "kept the same" not in ran.out


@pytest.mark.usefixtures("rotating")
def test_once_strava_rotates_the_old_refresh_token_is_dead_and_the_new_one_already_saved(
    sim_env: SimulatedStrava, token_path: Path
) -> None:
    # Strava: "once a new refresh token is returned, the older refresh token is invalidated
    # immediately": the new one is in the file before get_access_token() returns.
    old = sim_login(sim_env, token_path).token.refresh_token
    get_access_token(token_path, force=True)
    saved = read_token(token_path).refresh_token
    assert saved == sim_env.state.refresh_token != old
    with pytest.raises(ReauthorizationRequiredError):
        api.refresh(sim_env.base_url, load_credentials(profile=NO_PROFILE), old)
