"""Where the token file is: the same answers as platformdirs and settings."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs
import pytest
from platformdirs.macos import MacOS
from platformdirs.unix import Unix

from strava_auth_helper import settings
from strava_auth_helper.model.token import NO_PROFILE
from strava_auth_helper.store import location
from strava_auth_helper.store.location import APP_NAME
from strava_auth_helper.store.paths import config_dir, token_path

XDG_CONFIG_HOMES = [None, "", "   ", "relative", "~/cfg", "/abs/cfg", "/abs/cfg/", " /abs", "/a b/"]
HOMES = [None, "", "relative/home", "/", "/home/odd/", "/home/with space", "/home/x/../y"]
# Every $XDG_CONFIG_HOME with an ordinary $HOME, and every $HOME with $XDG_CONFIG_HOME unset
# and with a relative one (the two ways it is ignored): each rule of platformdirs is met by
# each odd value, without the full product of the two lists.
ENVIRONMENTS = sorted(
    {(xdg, "/home/user") for xdg in XDG_CONFIG_HOMES}
    | {(xdg, home) for xdg in (None, "relative") for home in HOMES},
    key=repr,
)
# The BSDs take Linux's branch (and platformdirs' same Unix class): see the BSD test below.
PLATFORMS = [("linux", Unix), ("darwin", MacOS)]


def reference_folder(platform_class: type[Unix] | type[MacOS]) -> str | None:
    try:
        return platform_class(APP_NAME, appauthor=False).user_config_dir
    except RuntimeError:  # platformdirs found no home folder
        return None


# The standard library mirror is used on Linux, the BSDs and macOS only; Windows asks
# platformdirs (see test_the_default_folder_on_windows_is_localappdata).
POSIX_MIRROR = pytest.mark.skipif(
    sys.platform == "win32", reason="the stdlib mirror of platformdirs' rule is POSIX-only"
)


@POSIX_MIRROR
@pytest.mark.parametrize(("xdg", "home"), ENVIRONMENTS, ids=[repr(e) for e in ENVIRONMENTS])
@pytest.mark.parametrize(("platform", "platform_class"), PLATFORMS, ids=[p for p, _ in PLATFORMS])
def test_default_folder_is_platformdirs_answer(
    monkeypatch: pytest.MonkeyPatch,
    xdg: str | None,
    home: str | None,
    platform: str,
    platform_class: type[Unix] | type[MacOS],
) -> None:
    for name, value in (("XDG_CONFIG_HOME", xdg), ("HOME", home)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert location.default_config_folder(platform) == reference_folder(platform_class)


@POSIX_MIRROR
def test_the_bsds_follow_the_linux_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/user")
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert location.default_config_folder("freebsd14") == reference_folder(Unix)
    assert location.default_config_folder("openbsd7") == location.default_config_folder("linux")


def test_this_platform_and_android_are_platformdirs_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = platformdirs.user_config_dir(APP_NAME, appauthor=False)
    assert location.default_config_folder() == expected
    monkeypatch.setenv("ANDROID_DATA", "/data")
    monkeypatch.setenv("ANDROID_ROOT", "/system")
    monkeypatch.setenv("SHELL", "/bin/sh")  # platformdirs: a shell on Android (Termux) is Unix
    assert (
        location.default_config_folder()
        == platformdirs.PlatformDirs(APP_NAME, appauthor=False).user_config_dir
    )


@pytest.mark.parametrize(
    ("explicit", "env_file", "config_dir", "env_profile", "profile"),
    [
        (None, None, None, None, None),
        (None, None, "~/cfg", None, None),
        (None, "~/t.json", "/cfg", None, None),
        ("/flag.json", "/env.json", "/cfg", None, None),
        ("~/flag.json", None, None, None, None),
        (None, None, None, None, "club"),
        (None, "/env.json", None, "club", None),
        (None, "/env.json", "/cfg", "club", "other"),
        (None, "/env.json", None, "club", ""),
        ("/flag.json", None, None, "club", "other"),
    ],
)
def test_fast_and_ordinary_code_find_the_same_file(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    explicit: str | None,
    env_file: str | None,
    config_dir: str | None,
    env_profile: str | None,
    profile: str | None,
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for name, value in (
        ("STRAVA_TOKEN_FILE", env_file),
        ("STRAVA_AUTH_CONFIG_DIR", config_dir),
        ("STRAVA_AUTH_PROFILE", env_profile),
    ):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    found = location.token_location(explicit, profile=profile)
    assert found is not None
    assert Path(found[0]) == token_path(explicit, settings.resolve_profile(profile))
    assert "~" not in found[0]


@pytest.mark.skipif(sys.platform != "win32", reason="Windows' default folder (the Windows leg)")
def test_the_default_folder_on_windows_is_localappdata(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STRAVA_AUTH_CONFIG_DIR")
    expected = Path(os.environ["LOCALAPPDATA"], APP_NAME)  # what Windows says it is
    assert Path(location.default_config_folder() or "") == expected
    assert config_dir() == expected
    assert token_path(None, NO_PROFILE) == expected / "token.json"
    assert Path((location.token_location() or ("",))[0]) == expected / "token.json"
