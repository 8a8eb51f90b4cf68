"""Where credentials, the token path and the base URL come from, and in which order."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from strava_auth_helper import settings
from strava_auth_helper.errors import ConfigError, MissingCredentialsError
from strava_auth_helper.model.app import Credentials
from strava_auth_helper.settings import load_credentials
from strava_auth_helper.store.app_credentials import save_credentials
from strava_auth_helper.store.paths import config_dir, token_path
from tests.helpers import assert_private


def write_env(folder: Path, **values: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))


def test_flag_beats_env_beats_dotenv(monkeypatch: pytest.MonkeyPatch, isolated_env: Path) -> None:
    write_env(isolated_env, STRAVA_CLIENT_ID="3", STRAVA_CLIENT_SECRET="from-config")
    assert load_credentials() == Credentials(3, "from-config")

    write_env(Path.cwd(), STRAVA_CLIENT_ID="2", STRAVA_CLIENT_SECRET="from-cwd")
    assert load_credentials() == Credentials(2, "from-cwd")

    monkeypatch.setenv("STRAVA_CLIENT_ID", "1")
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", "from-env")
    assert load_credentials() == Credentials(1, "from-env")

    assert load_credentials("99") == Credentials(99, "from-env")


def test_dotenv_never_overrides_environment_or_touches_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    write_env(Path.cwd(), STRAVA_CLIENT_ID="2", STRAVA_CLIENT_SECRET="from-cwd")
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", "from-env")
    assert load_credentials() == Credentials(2, "from-env")
    assert "STRAVA_CLIENT_ID" not in os.environ


def test_each_value_found_on_its_own(monkeypatch: pytest.MonkeyPatch, isolated_env: Path) -> None:
    write_env(isolated_env, STRAVA_CLIENT_SECRET="from-config")
    monkeypatch.setenv("STRAVA_CLIENT_ID", "7")
    assert load_credentials() == Credentials(7, "from-config")


def test_missing_credentials_name_both_variables_and_where_to_look() -> None:
    with pytest.raises(MissingCredentialsError) as caught:
        load_credentials()
    message = str(caught.value)
    assert "STRAVA_CLIENT_ID" in message
    assert "STRAVA_CLIENT_SECRET" in message
    assert "strava.com/settings/api" in message
    assert "\n" not in message


@pytest.mark.parametrize("bad", ["abc", "12.5", "-3", "0", ""])
def test_client_id_must_be_a_whole_number(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", "x")
    if bad:
        with pytest.raises(ConfigError, match="whole number"):
            load_credentials(bad)
    else:
        with pytest.raises(MissingCredentialsError):
            load_credentials()


def test_env_client_id_error_names_its_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRAVA_CLIENT_ID", "my-app")
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", "x")
    with pytest.raises(ConfigError, match=r"\$STRAVA_CLIENT_ID"):
        load_credentials()


def test_repr_hides_the_secret() -> None:
    assert "hunter2" not in repr(Credentials(1, "hunter2"))


def test_token_path_order(monkeypatch: pytest.MonkeyPatch, isolated_env: Path) -> None:
    assert token_path(None, settings.resolve_profile()) == isolated_env / "token.json"
    monkeypatch.setenv("STRAVA_TOKEN_FILE", "/tmp/from-env.json")
    assert token_path(None, settings.resolve_profile()) == Path("/tmp/from-env.json")
    assert token_path("/tmp/flag.json", settings.resolve_profile()) == Path("/tmp/flag.json")


def test_default_config_dir_is_per_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("STRAVA_AUTH_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    import platformdirs

    expected = Path(platformdirs.user_config_dir("strava-auth-helper", appauthor=False))
    assert config_dir() == expected
    assert token_path(None, settings.resolve_profile()) == expected / "token.json"


def test_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings.base_url() == "https://www.strava.com"
    monkeypatch.setenv("STRAVA_BASE_URL", "http://127.0.0.1:9/")
    assert settings.base_url() == "http://127.0.0.1:9"
    monkeypatch.setenv("STRAVA_BASE_URL", "ftp://nope")
    with pytest.raises(ConfigError, match="STRAVA_BASE_URL"):
        settings.base_url()


@pytest.mark.parametrize("name", ["STRAVA_BASE_URL", "STRAVA_API_URL"])
@pytest.mark.parametrize(
    ("url", "taken"),
    [
        ("http://strava.example.org", False),
        ("http://192.168.1.5:8080", False),
        ("http://localhost:5001", True),
        ("http://127.0.0.1:9", True),
        ("http://[::1]:9", True),
        ("https://strava.example.org", True),
    ],
)
def test_secrets_never_go_in_clear_to_another_computer(
    monkeypatch: pytest.MonkeyPatch, name: str, url: str, taken: bool
) -> None:
    monkeypatch.setenv(name, url)
    read = settings.base_url if name == "STRAVA_BASE_URL" else settings.api_base_url
    if taken:
        assert read() == url
        return
    with pytest.raises(ConfigError, match=f"{name} .*https://") as caught:
        read()
    assert "\n" not in str(caught.value)


def test_save_credentials_is_private_and_keeps_other_lines(isolated_env: Path) -> None:
    isolated_env.mkdir()
    (isolated_env / ".env").write_text("OTHER=1\nSTRAVA_CLIENT_ID=5\n")
    (isolated_env / ".env").chmod(0o644)
    path = save_credentials(Credentials(77, "new'secret\\x"))
    assert_private(path)
    text = path.read_text()
    assert "OTHER=1" in text
    assert "STRAVA_CLIENT_ID=5" not in text
    assert load_credentials() == Credentials(77, "new'secret\\x")
    left = set(os.listdir(isolated_env)) - {".env.lock"}  # (Windows' filelock removes it)
    assert left == {".env"}  # no temporary file


def test_save_credentials_creates_a_private_file(isolated_env: Path) -> None:
    path = save_credentials(Credentials(5, "s3cret\\"))
    assert_private(path)
    assert_private(path.parent, 0o700)
    assert load_credentials() == Credentials(5, "s3cret\\")


def test_login_port_flag_then_environment_then_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STRAVA_AUTH_PORT")
    assert settings.login_port() is None  # 5000, or any free port if it is busy
    monkeypatch.setenv("STRAVA_AUTH_PORT", "8123")
    assert settings.login_port() == 8123
    assert settings.login_port(0) == 0
    for bad in ("http", "70000", "-1"):
        monkeypatch.setenv("STRAVA_AUTH_PORT", bad)
        with pytest.raises(ConfigError, match="STRAVA_AUTH_PORT is not a port number"):
            settings.login_port()


@pytest.mark.skipif(sys.platform != "win32", reason="Windows' own rules: the Windows leg")
def test_the_hook_is_split_as_windows_splits_a_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # CommandLineToArgvW: "a b" inside a word keeps the word whole; \" is a quote; a
    # backslash before anything else is a path's.
    line = f'"{sys.executable}" --flag="a b" C:\\some\\path "x\\"y"'
    monkeypatch.setenv("STRAVA_AUTH_ON_ROTATE", line)
    assert settings.on_rotate_command() == [sys.executable, "--flag=a b", "C:\\some\\path", 'x"y']


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell's rules")
def test_the_hook_is_split_as_a_posix_shell_splits_it(monkeypatch: pytest.MonkeyPatch) -> None:
    line = f"'{sys.executable}' --flag=\"a b\" 'c d' e\\ f"
    monkeypatch.setenv("STRAVA_AUTH_ON_ROTATE", line)
    assert settings.on_rotate_command() == [sys.executable, "--flag=a b", "c d", "e f"]
