"""The Windows leg's last step: a real login under Wine, its redirect sent from Linux.

``strava-auth.exe login --no-browser`` under Wine, against the simulated Strava served from
Linux, the athlete's click (and so the redirect into the
Windows catcher) coming from the Linux side; then ``strava-auth.exe token`` on the result.

Run by .ci/windows-leg with the Linux venv's Python:
    python .ci/windows_login_from_linux.py CACHE WINDOWS-VENV
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from strava_auth_helper.demo.simulated_strava import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    SimulatedStrava,
    press_authorize,
)


def winpath(path: Path) -> str:
    return "Z:" + str(path).replace("/", "\\")


def run_bat(bat: Path, lines: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    bat.write_bytes(("@echo off\r\n" + "\r\n".join(lines) + "\r\n").encode())
    return subprocess.Popen(["wine", "cmd", "/c", winpath(bat)], env=env)


def main() -> int:
    cache, venv = Path(sys.argv[1]), Path(sys.argv[2])
    work = Path(tempfile.mkdtemp(prefix="login-from-linux-", dir=cache))
    token, out, err = work / "token.json", work / "login.out", work / "login.err"
    # The venv's path is not ASCII, and Wine's cmd.exe reads a batch file in the OEM code
    # page: the path reaches it through the environment (UTF-16 on the Windows side).
    exe = "%STRAVA_WIN_EXE%"
    with SimulatedStrava() as sim:
        env = dict(
            os.environ,
            STRAVA_WIN_EXE=winpath(venv / "Scripts" / "strava-auth.exe"),
            STRAVA_BASE_URL=sim.base_url,
            STRAVA_CLIENT_ID=str(DEMO_CLIENT_ID),
            STRAVA_CLIENT_SECRET=DEMO_CLIENT_SECRET,
        )
        login = [
            f'"{exe}" login --no-browser --port 0 --timeout 120 --token-file "{winpath(token)}"'
            f' < NUL > "{winpath(out)}" 2> "{winpath(err)}"'
        ]
        process = run_bat(work / "login.bat", login, env)
        deadline = time.monotonic() + 120
        url = None
        while url is None:  # a CI step waiting for a Wine process's output file
            text = out.read_text(errors="replace") if out.exists() else ""
            url = next((x for x in text.splitlines() if x.startswith("http")), None)
            if url is None:
                if process.poll() is not None or time.monotonic() > deadline:
                    print(text, err.read_text(errors="replace") if err.exists() else "")
                    print("windows-leg: the Windows login never showed its address")
                    return 1
                time.sleep(0.2)
        # From Linux: the simulation redirects into the Windows catcher.
        press_authorize(url.strip())
        status = process.wait(timeout=120)
        said = out.read_text(errors="replace")
        if status != 0 or "Logged in as Demo Athlete" not in said or not token.exists():
            print(said, err.read_text(errors="replace"))
            print(f"windows-leg: the Windows login failed (status {status})")
            return 1
        printed = work / "token.out"
        check = [f'"{exe}" token --token-file "{winpath(token)}" < NUL > "{winpath(printed)}" 2>&1']
        if run_bat(work / "token.bat", check, env).wait(timeout=120) != 0:
            print("windows-leg: strava-auth.exe token failed after the login")
            return 1
        if printed.read_text().strip() not in sim.state.access:
            print("windows-leg: strava-auth.exe token printed no token the simulation issued")
            return 1
    shutil.rmtree(work, ignore_errors=True)
    print("windows-leg: strava-auth.exe login (redirect from Linux) and token: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
