"""Processes and files of the lab: running commands, finding and killing namespace processes.

stdlib only. Commands run without a shell, with a proxy-free environment.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from lab.layout import LabError


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    path = env.get("PATH", "/usr/bin:/bin")
    for extra in ("/usr/sbin", "/sbin", "/usr/bin", "/bin"):
        if extra not in path.split(":"):
            path += ":" + extra
    env["PATH"] = path
    env["LC_ALL"] = "C"
    return env


ENV = _env()


def fmt_argv(argv: Sequence[str | bytes]) -> str:
    return " ".join(
        shlex.quote(a.decode("utf-8", "backslashreplace") if isinstance(a, bytes) else a)
        for a in argv
    )


def run(
    argv: Sequence[str | bytes],
    *,
    timeout: float = 10.0,
    check: bool = True,
    stdin_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    try:
        cp = subprocess.run(
            list(argv),
            input=stdin_text,
            stdin=None if stdin_text is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            env=ENV,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise LabError(f"timed out after {timeout}s: {fmt_argv(argv)}") from err
    if check and cp.returncode != 0:
        raise LabError(f"failed (rc={cp.returncode}): {fmt_argv(argv)}\n{cp.stderr.strip()}")
    return cp


def which(name: str) -> str:
    path = shutil.which(name, path=ENV["PATH"])
    if not path:
        raise LabError(f"required program not found: {name}")
    return path


def pid_alive(pid: int) -> bool:
    """True if pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return False
    state = stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3]
    return state not in (b"Z", b"X", b"")


def ns_key(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def pids_in_netns(keys: Iterable[tuple[int, int]]) -> set[int]:
    """All live pids whose network namespace is one of ``keys`` (like `ip netns pids`)."""
    wanted = set(keys)
    found: set[int] = set()
    if not wanted:
        return found
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        key = ns_key(f"/proc/{entry}/ns/net")
        if key in wanted:
            found.add(int(entry))
    found.discard(os.getpid())
    return found


def write_file(path: Path, text: str, mode: int = 0o644) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def read_pidfile(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def kill_pids(pids: set[int], term_wait: float = 1.5) -> None:
    """SIGTERM ``pids``, SIGKILL those alive after ``term_wait`` s, then wait up to 1 s."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + term_wait
    alive = {p for p in pids if pid_alive(p)}
    while alive and time.monotonic() < deadline:
        time.sleep(0.02)
        alive = {p for p in alive if pid_alive(p)}
    for pid in alive:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 1.0
    while alive and time.monotonic() < deadline:
        time.sleep(0.02)
        alive = {p for p in alive if pid_alive(p)}


def stop(proc: subprocess.Popen[bytes], *, terminate: bool = True) -> None:
    """Terminate ``proc`` (unless that was done already) and reap it; SIGKILL after 3 s."""
    if terminate:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=2)


def communicate(
    proc: subprocess.Popen[bytes], timeout: float, timed_out: str
) -> tuple[bytes, bytes]:
    """``proc.communicate()``; past ``timeout`` s kill it and raise LabError(timed_out)."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        proc.kill()
        proc.wait()
        raise LabError(timed_out) from exc


def ns_python(netns: str, script: Path) -> list[str]:
    """Argv that runs one of the lab's stdlib scripts inside ``netns`` (isolated mode)."""
    return ["ip", "netns", "exec", netns, sys.executable, "-I", "-S", str(script)]
