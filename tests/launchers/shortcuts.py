"""Windows shortcuts read back as Windows' shell reads them, to check what the launcher wrote."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

from strava_auth_helper.launchers.windows_shortcut import _shell_link

_STGM_READ = 0
_MAX_PATH = 32768
# Method numbers in the interfaces' vtables (after IUnknown's three).
_GET_PATH, _GET_DESCRIPTION, _GET_WORKING_DIRECTORY, _GET_ARGUMENTS = 3, 6, 8, 10
_LOAD = 5


@dataclass(frozen=True)
class Shortcut:
    """What a shortcut runs, as Windows' shell reads it back."""

    target: str
    arguments: str
    working_dir: str
    description: str


def read(path: Path) -> Shortcut:
    """The shortcut ``path`` as Windows' shell reads it.

    Raises:
        OSError: not on Windows, or the shell cannot read it.
    """
    with _shell_link() as (link, persist):
        persist(_LOAD, ctypes.c_wchar_p, ctypes.c_uint32)(str(path), _STGM_READ)
        values = []
        for method, extra in (
            (_GET_PATH, (ctypes.c_void_p, ctypes.c_uint32)),
            (_GET_ARGUMENTS, ()),
            (_GET_WORKING_DIRECTORY, ()),
            (_GET_DESCRIPTION, ()),
        ):
            buffer = ctypes.create_unicode_buffer(_MAX_PATH)
            call = link(method, ctypes.c_wchar_p, ctypes.c_int, *extra)
            call(buffer, _MAX_PATH, *([None, 0] if extra else []))
            values.append(buffer.value)
    return Shortcut(*values)
