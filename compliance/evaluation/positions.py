"""Source positions of resource registrations: captured on the program side, decoded by the gate.

This module runs under the PROGRAM's interpreter (loaded by the bootstrap by path), so it imports
only the standard library; the Pulumi SDK is passed in. The position of a registration travels in
the request's `sourcePosition` (present in every Pulumi SDK 3.x the gate supports): its `uri` is the
file of the primary position with a fragment that carries the innermost user frame and a sequence
number (`file:///p/__main__.py#inner=/p/vpc.py:12&seq=7`), its `line` the primary line.

Primary position: the innermost frame in the user's own files, unless that frame is inside a
component constructor; then the line that constructs the outermost component (for a component
built by the stack program: the stack program line). The innermost frame is kept as `inner`.
"""

from __future__ import annotations

import sys
import sysconfig
import traceback
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

__all__ = ["Positions", "decode", "encode", "library_dirs"]

_CONSTRUCTORS = ("__init__", "_internal_init")


def library_dirs(*extra: str) -> tuple[str, ...]:
    """Directories whose frames are never the user's: stdlib, site-packages, and `extra`."""
    paths = sysconfig.get_paths()
    dirs = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    dirs.update(extra)
    dirs.add(str(Path(__file__).resolve().parent))
    dirs.add(str(Path(__file__).parent))
    return tuple(sorted(d.rstrip("/") + "/" for d in dirs))


def encode(outer: tuple[str, int] | None, inner: tuple[str, int] | None, seq: int) -> tuple[str, int]:
    """(uri, line) for a SourcePosition carrying the primary and innermost positions and `seq`."""
    path, line = outer or ("", 0)
    fragment = f"seq={seq}"
    if inner is not None and inner != outer:
        fragment += f"&inner={quote(inner[0])}:{inner[1]}"
    return f"file://{quote(path)}#{fragment}", line


def decode(uri: str, line: int) -> tuple[tuple[str, int] | None, tuple[str, int] | None, int | None]:
    """(primary, inner, seq) from an encoded SourcePosition; a plain file URI gives (primary, None, None)."""
    if not uri:
        return None, None, None
    parts = urlsplit(uri)
    path = unquote(parts.path)
    primary = (path, line) if path else None
    query = parse_qs(parts.fragment)
    seq_text = query.get("seq", [""])[0]
    seq = int(seq_text) if seq_text.isdigit() else None
    inner = None
    inner_text = query.get("inner", [""])[0]
    if inner_text:
        file, _, number = inner_text.rpartition(":")
        if number.isdigit():
            inner = (file, int(number))
    return primary, inner, seq


class Positions:
    """Cheap capture of the user frames that construct each resource (sys._getframe walking)."""

    def __init__(self, component_type: type, resource_file: str, libraries: tuple[str, ...]) -> None:
        self._component = component_type
        self._libraries = libraries
        self._user: dict[str, bool] = {}
        self.resource_file = resource_file
        self.seq = 0
        self.classes: dict[str, type] = {}

    def is_user(self, filename: str) -> bool:
        """True for frames of the program and its local modules (not stdlib/site-packages)."""
        known = self._user.get(filename)
        if known is None:
            known = not filename.startswith("<") and not filename.startswith(self._libraries)
            self._user[filename] = known
        return known

    def _in_component(self, frame: FrameType) -> bool:
        if frame.f_code.co_name not in _CONSTRUCTORS:
            return False
        local = frame.f_locals
        return isinstance(local.get("self", local.get("__self__")), self._component)

    def capture(self) -> tuple[str, int]:
        """Encoded (uri, line) of the registration being made now (call from the SDK's hook)."""
        frame: FrameType | None = sys._getframe(1)
        resource = None
        user: list[FrameType] = []
        while frame is not None:
            code = frame.f_code
            if self.is_user(code.co_filename):
                own_init = (
                    not user
                    and resource is not None
                    and code.co_name in _CONSTRUCTORS
                    and frame.f_locals.get("self", frame.f_locals.get("__self__")) is resource
                )
                if not own_init:
                    user.append(frame)
            elif resource is None and code.co_name == "__init__" and code.co_filename == self.resource_file:
                local = frame.f_locals
                resource = local.get("self")
                token = local.get("t")
                if isinstance(token, str) and token not in self.classes and resource is not None:
                    self.classes[token] = type(resource)
            frame = frame.f_back
        self.seq += 1
        if not user:
            return encode(None, None, self.seq)
        inner = (user[0].f_code.co_filename, user[0].f_lineno)
        primary = inner
        outermost_component = None
        for index, found in enumerate(user):
            if self._in_component(found):
                outermost_component = index
        if outermost_component is not None:
            caller = user[min(outermost_component + 1, len(user) - 1)]
            primary = (caller.f_code.co_filename, caller.f_lineno)
        return encode(primary, inner, self.seq)

    def caller(self) -> tuple[str, int] | None:
        """(file, line) of the innermost user frame on the current stack (a lookup's call site)."""
        frame: FrameType | None = sys._getframe(1)
        while frame is not None:
            if self.is_user(frame.f_code.co_filename):
                return frame.f_code.co_filename, frame.f_lineno
            frame = frame.f_back
        return None

    def innermost_user_frame(self, tb: Any) -> tuple[str, int] | None:
        """(file, line) of the innermost user frame of a traceback."""
        found = None
        for frame, line in traceback.walk_tb(tb):
            if self.is_user(frame.f_code.co_filename):
                found = (frame.f_code.co_filename, line)
        return found
