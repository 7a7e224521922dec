"""Unit tests do no I/O: a test that opens a file, a database or a socket of its own fails here, and belongs
in tests/integration/. Libraries may still read their own installed files (package metadata, data tables)
under the interpreter's prefix; importing modules is not opening files (Python uses io.open_code)."""

from __future__ import annotations

import builtins
import io
import os
import socket
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

_INSTALLED = tuple(str(Path(p).resolve()) for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})


def _refuse(what: str) -> Callable[..., Any]:
    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a unit test must not {what}; move it to tests/integration/")

    return refused


def _installed_read_only(opener: Callable[..., Any], *, flags_arg: bool = False) -> Callable[..., Any]:
    def guarded(file: Any, mode: Any = "r", *args: Any, **kwargs: Any) -> Any:
        reading = (mode & (os.O_WRONLY | os.O_RDWR)) == 0 if flags_arg else not set(str(mode)) & set("wax+")
        if isinstance(file, str | os.PathLike) and reading and str(Path(file).resolve()).startswith(_INSTALLED):
            return opener(file, mode, *args, **kwargs)
        raise AssertionError(f"a unit test must not open {file!r}; move it to tests/integration/")

    return guarded


@pytest.fixture(autouse=True)
def no_io(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for method in ("connect", "connect_ex", "bind"):
        monkeypatch.setattr(socket.socket, method, _refuse("open a socket"))
    monkeypatch.setattr(sqlite3, "connect", _refuse("open a database"))
    monkeypatch.setattr(builtins, "open", _installed_read_only(builtins.open))
    monkeypatch.setattr(io, "open", _installed_read_only(io.open))
    monkeypatch.setattr(os, "open", _installed_read_only(os.open, flags_arg=True))
    yield
