"""``strava-auth export``: a copy says it is one; ``--move`` hands the token over."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from strava_auth_helper import HandedOverError, get_access_token
from strava_auth_helper.store.token_file import read_token
from tests.fakes import expect_refresh, stored
from tests.helpers import ACCESS, NEW_REFRESH, PY_M, REFRESH, WINDOWS, Ran

Cli = Callable[..., Ran]


def test_a_copy_says_it_is_one_and_changes_nothing(cli: Cli, token_path: Path) -> None:
    stored(token_path, 3600)
    before = token_path.read_bytes()
    ran = cli("export", "--refresh-token", "--token-file", str(token_path))
    assert ran.code == 0, ran.err
    assert ran.out == f"{REFRESH}\n"
    assert ran.err.count("\n") == 1
    assert "this is a copy" in ran.err
    assert "--move" in ran.err
    assert token_path.read_bytes() == before


@pytest.mark.usefixtures("with_creds")
def test_a_move_hands_the_token_over_and_later_commands_say_where_it_went(
    cli: Cli, strava: HTTPServer, token_path: Path, tmp_path: Path
) -> None:
    stored(token_path, 3600)
    where = "the CI secret of my-repo"
    ran = cli("export", "--move", "--to", where, "--token-file", str(token_path))
    assert ran.code == 0, ran.err
    exported = json.loads(ran.out)
    assert (exported["access_token"], exported["refresh_token"]) == (ACCESS, REFRESH)
    assert ran.err == ""
    left = token_path.read_text()
    assert REFRESH not in left
    assert ACCESS not in left
    # A later `token` here: no call to Strava (strava expects none), one line saying where.
    later = cli("token", "--token-file", str(token_path))
    assert later.code == 1
    assert later.err.count("\n") == 1
    assert "handed over" in later.err
    assert where in later.err
    assert "strava-auth login" in later.err
    with pytest.raises(HandedOverError, match="handed over"):
        get_access_token(token_path)
    # The other side imports it as any export (one refresh proves it).
    expect_refresh(strava)
    elsewhere = tmp_path / "elsewhere" / "token.json"
    imported = cli("import", "--token-file", str(elsewhere), stdin=ran.out)
    assert imported.code == 0, imported.err
    assert read_token(elsewhere).refresh_token == NEW_REFRESH


def test_to_without_move_is_a_usage_mistake_and_changes_nothing(cli: Cli, token_path: Path) -> None:
    stored(token_path, 3600)
    before = token_path.read_bytes()
    ran = cli("export", "--to", "somewhere", "--token-file", str(token_path))
    assert ran.code == 1
    assert "add --move" in ran.err
    assert ran.out == ""
    assert token_path.read_bytes() == before


def test_logout_local_only_clears_a_handed_over_file(cli: Cli, token_path: Path) -> None:
    stored(token_path, 3600)
    assert cli("export", "--move", "--token-file", str(token_path)).code == 0
    plain = cli("logout", "--token-file", str(token_path))
    assert plain.code == 1
    assert "handed over" in plain.err  # it says where the token went...
    assert "--local-only" in plain.err  # ...and how to clear the record here
    ran = cli("logout", "--local-only", "--token-file", str(token_path))
    assert ran.code == 0, ran.err
    assert not token_path.exists()


@pytest.mark.skipif(WINDOWS, reason="closes standard output with the POSIX shell's >&-")
def test_export_move_with_standard_output_closed_is_one_line_and_keeps_the_token(
    token_path: Path,
) -> None:
    stored(token_path, 3600)
    before = token_path.read_bytes()
    ran = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", *PY_M, "export", "--move"]
        + ["--token-file", str(token_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 1
    assert ran.stderr.count("\n") == 1
    assert "standard output is closed" in ran.stderr
    assert token_path.read_bytes() == before


@pytest.mark.skipif(WINDOWS, reason="a pipe with no reader fails a write with EPIPE on POSIX")
def test_export_move_into_a_pipe_whose_reader_is_gone_keeps_the_token(token_path: Path) -> None:
    # The reader is gone before anything is written: the write fails, nothing is handed over.
    # (A reader that takes the bytes and then fails cannot be seen from here: the docs say so.)
    stored(token_path, 3600)
    before = token_path.read_bytes()
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        ran = subprocess.run(
            [*PY_M, "export", "--move", "--token-file", str(token_path)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert ran.returncode != 0
    assert "Traceback" not in ran.stderr
    assert token_path.read_bytes() == before  # still here, to hand over again
