"""Confinement for the programs the gate and the agent run (see docs/evaluation.md, "Confinement").

`confine()` turns the command that starts an evaluation into one that runs confined, and says
which confinement was used so reports can state it:

- "bubblewrap": `bwrap` with every namespace unshared (no network but a private loopback, a fresh
  PID namespace that dies with the program), the given read-only paths and the system directories
  the interpreter needs bound read-only, the writable paths bound read-write, a private /tmp, a
  minimal /dev and /proc, the repository's `.git` hidden, and an unprivileged uid inside.
- "process": bubblewrap cannot run here (`mode="auto"` only). The environment is still the
  allow-listed one, the program still gets its own session and is killed with its parent
  (`compliance.processes`), and when the gate runs as root the program runs as a dedicated
  unprivileged uid that owns only the writable paths.
- "none": `mode="off"`.

This module only builds the command and its environment; starting, timing out and killing the
process are `compliance.processes`.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from compliance.errors import SandboxUnavailable
from compliance.redact import looks_like_credential

__all__ = [
    "INHERITED",
    "RUN_MARKER",
    "SANDBOX_UID",
    "BubblewrapProbe",
    "Confined",
    "Confinement",
    "Probe",
    "SandboxMode",
    "allowed_environment",
    "bubblewrap_argv",
    "confine",
    "grant",
    "interpreter_paths",
    "others_can_read",
    "probe_bubblewrap",
]

SandboxMode = Literal["required", "auto", "off"]
Confinement = Literal["bubblewrap", "process", "none"]

RUN_MARKER = "GITOPS_SANDBOX_RUN"
"""Environment variable marking every process of one run under process confinement."""

SANDBOX_UID = 65534
"""The uid (and gid) a program has inside bubblewrap's user namespace ("nobody")."""

INHERITED = frozenset(
    {"PATH", "LANG", "LANGUAGE", "TZ", "TERM", "NO_COLOR", "PYTHONHASHSEED", "PYTHONUTF8", "PYTHONIOENCODING"}
)
"""Names a confined program inherits from the caller's environment (plus every LC_*)."""

ALWAYS_PASSED = frozenset({"PULUMI_CONFIG_SECRET_KEYS"})
"""Names that look like credentials but are not: lists of secret config keys, never values."""

_SYSTEM_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime")
_DEDICATED_UIDS = (0x6000_0000, 0x1000_0000)  # base, span: far above any uid a system allocates


@dataclass(frozen=True)
class Confined:
    """A command ready to start: argv, its complete environment, and the confinement it gets.

    `user`: with "process" confinement as root, the dedicated uid (and gid) the program runs as;
    `compliance.processes` starts it with that uid and kills every process of that uid at the end.
    `run_id`: with "process" confinement, the value of RUN_MARKER in the program's environment, by
    which `compliance.processes` also finds processes that left the process group.
    """

    argv: list[str]
    env: dict[str, str]
    confinement: Confinement
    notes: list[str] = field(default_factory=list)
    user: int | None = None
    run_id: str | None = None


@dataclass(frozen=True)
class BubblewrapProbe:
    """Whether bubblewrap runs here: the `bwrap` path when it does, else why not."""

    path: str | None
    reason: str = ""


Probe = Callable[[], BubblewrapProbe]


def allowed_environment(
    environ: Mapping[str, str],
    extra: Mapping[str, str] | None = None,
    *,
    home: Path,
    allow: Iterable[str] = (),
) -> dict[str, str]:
    """The whole environment of a confined program: allow-listed names from `environ`, then `extra`.

    Inherited: PATH, LANG, LC_*, TZ, TERM, ... and the names in `allow`; nothing that looks like
    a credential (AWS_*, *TOKEN*, *SECRET*, *PASSWORD*, *PASSPHRASE*, *_KEY, ...) unless named in
    `allow`, neither from `environ` nor from `extra`. HOME and TMPDIR are `home` (the private
    writable directory).
    """
    allowed = set(allow)
    env: dict[str, str] = {}
    for name, value in environ.items():
        listed = name in INHERITED or name.startswith("LC_")
        if name in allowed or (listed and not looks_like_credential(name)):
            env[name] = value
    for name, value in (extra or {}).items():
        if name in allowed or name in ALWAYS_PASSED or not looks_like_credential(name):
            env[name] = value
    env["HOME"] = env["TMPDIR"] = str(home)
    return env


@functools.cache
def probe_bubblewrap() -> BubblewrapProbe:
    """Run a trivial command under the same bubblewrap options `confine` uses, once per process."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return BubblewrapProbe(None, "bwrap is not installed (Debian package bubblewrap)")
    true = shutil.which("true", path="/usr/bin:/bin") or "/bin/true"
    argv = bubblewrap_argv(bwrap, [true], read_only=[], writable=[])
    try:
        done = subprocess.run(argv, capture_output=True, timeout=30, stdin=subprocess.DEVNULL, env={})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return BubblewrapProbe(None, f"bwrap does not start: {exc}")
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines() or [f"exit {done.returncode}"]
        return BubblewrapProbe(None, f"bwrap cannot create its namespaces here: {lines[-1]}")
    return BubblewrapProbe(bwrap)


def confine(
    argv: Sequence[str],
    *,
    mode: SandboxMode,
    read_only: Sequence[Path],
    writable: Sequence[Path],
    env: Mapping[str, str],
    cwd: Path | None = None,
    probe: Probe = probe_bubblewrap,
) -> Confined:
    """Wrap `argv` for `mode`; `env` is the whole environment the program gets (see allowed_environment).

    `read_only`: paths the program may read (project, repository, interpreter: interpreter_paths());
    `writable`: existing directories it may write (its private temporary directory; a unix socket
    the caller listens on there stays reachable). `cwd`: the working directory inside the sandbox.
    `mode="required"` raises SandboxUnavailable (a ConfigError) when bubblewrap cannot run.
    """
    if not argv:
        raise ValueError("confine: empty command")
    for path in writable:
        if not Path(path).is_dir():
            raise ValueError(f"confine: writable path {path} is not a directory")
    if mode == "off":
        return Confined(list(argv), dict(env), "none", ["sandbox off: the program runs unconfined"])
    found = probe()
    if found.path is not None:
        wrapped = bubblewrap_argv(found.path, argv, read_only=read_only, writable=writable, cwd=cwd)
        notes = ["bubblewrap: read-only project and interpreter, private /tmp, no network, own PID namespace"]
        return Confined(wrapped, dict(env), "bubblewrap", notes)
    if mode == "required":
        raise SandboxUnavailable(f"--sandbox required, but {found.reason}")
    return _process_confinement(argv, read_only=read_only, writable=writable, env=env, reason=found.reason)


def bubblewrap_argv(
    bwrap: str,
    argv: Sequence[str],
    *,
    read_only: Sequence[Path],
    writable: Sequence[Path],
    cwd: Path | None = None,
) -> list[str]:
    """The `bwrap` command line running `argv` confined (the environment is passed by the caller as is)."""
    args = [
        bwrap,
        "--unshare-all",  # user, ipc, pid, net (a loopback only), uts, cgroup
        "--unshare-user",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        "--cap-drop",
        "ALL",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "sandbox",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    for name in _SYSTEM_DIRS:
        path = Path(name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            args += ["--ro-bind", name, name]
    for name in _SYSTEM_FILES:
        if Path(name).exists():
            args += ["--ro-bind", name, name]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    mounts: list[tuple[str, str]] = []
    for path in read_only:
        for alias in _aliases(Path(path)):
            mounts.append(("--ro-bind-try", alias))
            git = Path(alias) / ".git"
            if git.is_dir():
                mounts.append(("--hide-dir", str(git)))
            elif git.exists():
                mounts.append(("--hide-file", str(git)))
    for path in writable:
        mounts += [("--bind", alias) for alias in _aliases(Path(path))]
    # Parents before children, so a writable directory inside a read-only one stays writable.
    rank = {"--ro-bind-try": 0, "--hide-dir": 1, "--hide-file": 1, "--bind": 2}
    bound: list[Path] = []
    for kind, target in sorted(set(mounts), key=lambda m: (Path(m[1]).parts, rank[m[0]])):
        if kind == "--ro-bind-try" and any(Path(target).is_relative_to(b) for b in bound):
            continue  # already visible through a read-only parent
        if kind == "--ro-bind-try":
            bound.append(Path(target))
        elif kind == "--bind":
            bound = [b for b in bound if not Path(target).is_relative_to(b)]  # children need binding again
        if kind == "--hide-dir":
            args += ["--tmpfs", target, "--remount-ro", target]
        elif kind == "--hide-file":
            args += ["--ro-bind", "/dev/null", target]
        else:
            args += [kind, target, target]
    if cwd is not None:
        args += ["--chdir", str(cwd)]
    return [*args, *argv]


def _aliases(path: Path) -> list[str]:
    """The absolute path and, when it differs (symlinks), its resolved target."""
    absolute = Path(os.path.abspath(path))
    resolved = absolute.resolve()
    return [str(absolute)] if resolved == absolute else [str(absolute), str(resolved)]


def _process_confinement(
    argv: Sequence[str],
    *,
    read_only: Sequence[Path],
    writable: Sequence[Path],
    env: Mapping[str, str],
    reason: str,
) -> Confined:
    """The fallback: allow-listed environment and process-group kill, plus a dedicated uid as root."""
    notes = [
        f"bubblewrap unavailable ({reason}); process confinement: allow-listed environment, "
        "own session, killed with its process group and with the gate; no file-system or network isolation"
    ]
    run_id = secrets.token_hex(12)
    marked = {**env, RUN_MARKER: run_id}
    if os.geteuid() != 0:
        notes.append("runs as the gate's own user")
        return Confined(list(argv), marked, "process", notes, run_id=run_id)
    program = shutil.which(argv[0], path=env.get("PATH")) or argv[0]
    blocked = [p for p in [Path(program), *read_only] if not others_can_read(Path(p))]
    if blocked:
        notes.append(f"runs as root: {blocked[0]} is not readable by other users, so no separate uid")
        return Confined(list(argv), marked, "process", notes, run_id=run_id)
    user = _DEDICATED_UIDS[0] + secrets.randbelow(_DEDICATED_UIDS[1])
    for path in writable:
        _chown_tree(Path(path), user)
    notes.append(f"runs as the dedicated uid {user}, which owns only the writable directories")
    return Confined(list(argv), marked, "process", notes, user=user, run_id=run_id)


def grant(confined: Confined, path: Path) -> None:
    """Let the confined program use `path` created after confine() (e.g. the monitor's unix socket)."""
    if confined.user is not None:
        os.lchown(path, confined.user, confined.user)


def _chown_tree(root: Path, user: int) -> None:
    os.lchown(root, user, user)
    for parent, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(parent, name), user, user)


def others_can_read(path: Path) -> bool:
    """Whether a user with no relation to the owners can reach and read `path` (following symlinks)."""
    try:
        target = path.resolve(strict=True)
    except OSError:
        return True  # nothing there to read; bubblewrap skips it too
    for parent in reversed(target.parents):
        if not os.stat(parent).st_mode & stat.S_IXOTH:
            return False
    mode = os.stat(target).st_mode
    needed = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) or mode & stat.S_IXUSR else 0)
    return mode & needed == needed


@functools.cache
def _interpreter_paths(executable: str) -> tuple[str, ...]:
    # Compare unresolved paths: a virtualenv's python is a symlink to the same base interpreter as
    # the gate's, but its prefix and site-packages are its own (found through its pyvenv.cfg).
    if os.path.abspath(executable) == os.path.abspath(sys.executable):
        prefixes = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *sys.path]
    else:
        code = "import json,sys;print(json.dumps([sys.prefix,sys.base_prefix,sys.exec_prefix,*sys.path]))"
        done = subprocess.run([executable, "-I", "-c", code], capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise ValueError(f"{executable}: not a working Python interpreter")
        prefixes = json.loads(done.stdout)
    useless = {Path("/"), Path.home()}
    paths: list[str] = [str(Path(executable).parent)]
    for entry in prefixes:
        if entry and Path(entry).is_absolute() and Path(entry) not in useless and entry not in paths:
            paths.append(entry)
    return tuple(p for p in paths if Path(p).exists())


def interpreter_paths(executable: str | Path = sys.executable) -> list[Path]:
    """What a Python interpreter reads: its prefix, base prefix, site-packages and the rest of sys.path."""
    return [Path(p) for p in _interpreter_paths(str(executable))]
