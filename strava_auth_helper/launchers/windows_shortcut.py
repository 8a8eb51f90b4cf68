"""Windows shortcuts (``.lnk``) written by the shell's own ``IShellLinkW`` (ctypes)."""

from __future__ import annotations

import contextlib
import ctypes
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_CLSID_SHELL_LINK = "00021401-0000-0000-C000-000000000046"
_IID_SHELL_LINK_W = "000214F9-0000-0000-C000-000000000046"
_IID_PERSIST_FILE = "0000010B-0000-0000-C000-000000000046"
_CLSCTX_INPROC_SERVER = 1

# Method numbers in the interfaces' vtables (after IUnknown's three).
_QUERY_INTERFACE, _RELEASE = 0, 2
_SET_DESCRIPTION, _SET_WORKING_DIRECTORY, _SET_ARGUMENTS, _SET_PATH = 7, 9, 11, 20
_SAVE = 6


def write(path: Path, *, target: str, arguments: str, working_dir: str, description: str) -> None:
    """Write the shortcut ``path`` that runs ``target arguments`` in ``working_dir``.

    Raises:
        OSError: not on Windows, or the shell refused (a failed HRESULT).
    """
    with _shell_link() as (link, persist):
        link(_SET_PATH, ctypes.c_wchar_p)(target)
        link(_SET_ARGUMENTS, ctypes.c_wchar_p)(arguments)
        link(_SET_WORKING_DIRECTORY, ctypes.c_wchar_p)(working_dir)
        link(_SET_DESCRIPTION, ctypes.c_wchar_p)(description)
        persist(_SAVE, ctypes.c_wchar_p, ctypes.c_int)(str(path), 1)


_Method = Callable[..., Callable[..., Any]]


@contextmanager
def _shell_link() -> Iterator[tuple[_Method, _Method]]:
    """A ShellLink object's IShellLinkW and IPersistFile, released afterwards."""
    if sys.platform != "win32":
        raise OSError("Windows shortcuts are written on Windows")
    ole32 = ctypes.oledll.ole32
    with contextlib.suppress(OSError):  # initialised already, in another mode: usable as it is
        ole32.CoInitialize(None)
    link_ptr = ctypes.c_void_p()
    ole32.CoCreateInstance(
        _guid(_CLSID_SHELL_LINK),
        None,
        _CLSCTX_INPROC_SERVER,
        _guid(_IID_SHELL_LINK_W),
        ctypes.byref(link_ptr),
    )
    persist_ptr = ctypes.c_void_p()
    try:
        _method(link_ptr, _QUERY_INTERFACE, ctypes.c_char_p, ctypes.c_void_p)(
            _guid(_IID_PERSIST_FILE), ctypes.addressof(persist_ptr)
        )
        try:
            yield (
                lambda index, *types: _method(link_ptr, index, *types),
                lambda index, *types: _method(persist_ptr, index, *types),
            )
        finally:
            _release(persist_ptr)
    finally:
        _release(link_ptr)


def _guid(text: str) -> ctypes.Array[ctypes.c_char]:
    return ctypes.create_string_buffer(uuid.UUID(text).bytes_le, 16)


def _method(obj: ctypes.c_void_p, index: int, *argtypes: Any) -> Callable[..., Any]:
    """The COM method ``index`` of ``obj``'s vtable, bound to it (failures raise OSError)."""
    if sys.platform != "win32":
        raise OSError("COM is Windows'")
    vtable = ctypes.cast(obj, ctypes.POINTER(ctypes.POINTER(ctypes.c_void_p))).contents
    prototype = ctypes.WINFUNCTYPE(ctypes.HRESULT, ctypes.c_void_p, *argtypes)
    function = prototype(vtable[index])
    return lambda *args: function(obj, *args)


def _release(obj: ctypes.c_void_p) -> None:
    if sys.platform != "win32":
        return
    if obj.value:
        vtable = ctypes.cast(obj, ctypes.POINTER(ctypes.POINTER(ctypes.c_void_p))).contents
        ctypes.WINFUNCTYPE(ctypes.c_ulong, ctypes.c_void_p)(vtable[_RELEASE])(obj)
