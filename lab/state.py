"""The lab's state: names, namespaces, processes, and their persistence in the state dir.

:class:`LabState` is the base of :class:`lab.netlab.Lab`; the other parts (probes, activity,
clients, topology) build on it, each in its own module.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import re
import selectors
import subprocess
from pathlib import Path
from typing import Self

from lab.layout import INFO_FILE, STATE_FILE, LabError, LabInfo
from lab.procs import ENV, ns_key, run, write_file


class LabState:
    """Everything a lab knows about itself (saved to ``lab-state.json``)."""

    def __init__(
        self,
        state_dir: Path | None = None,
        prefix: str | None = None,
        *,
        wan_ttl: int | None = None,
    ) -> None:
        if prefix is not None and not re.fullmatch(r"[a-z][a-z0-9]{1,7}", prefix):
            raise ValueError("prefix must be 2-8 chars [a-z0-9], starting with a letter")
        self._state_dir_arg = Path(state_dir) if state_dir is not None else None
        self._prefix_arg = prefix
        self._wan_ttl = wan_ttl
        self.info: LabInfo = None  # type: ignore[assignment]  # set by up()
        self.timings: dict[str, float] = {}
        self.prefix = ""
        self.state_dir: Path | None = None
        self._created_state_dir = False
        self._netns: list[str] = []
        self._etc_netns: list[str] = []
        self._ns_keys: dict[str, tuple[int, int]] = {}
        self._host_iface = ""
        self._pids: dict[str, int] = {}
        self._popen: dict[str, subprocess.Popen[bytes]] = {}
        self._traffic: dict[str, subprocess.Popen[bytes]] = {}
        self._announce: dict[str, subprocess.Popen[bytes]] = {}
        self._announce_interval = 3.0
        self._lan: ipaddress.IPv4Network | None = None
        self._clients = 0
        self._up = False

    # ------------------------------------------------------------------ state persistence
    def _save_state(self) -> None:
        if self.state_dir is None:
            return
        state = {
            "prefix": self.prefix,
            "state_dir": str(self.state_dir),
            "created_state_dir": self._created_state_dir,
            "netns": self._netns,
            "etc_netns": self._etc_netns,
            "ns_keys": {k: list(v) for k, v in self._ns_keys.items()},
            "host_iface": self._host_iface,
            "pids": self._pids,
            "lan_cidr": str(self._lan) if self._lan else None,
            "clients": self._clients,
        }
        write_file(self.state_dir / STATE_FILE, json.dumps(state, indent=2) + "\n", 0o600)

    def _save_info(self) -> None:
        if self.state_dir is not None and self.info is not None:
            write_file(self.state_dir / INFO_FILE, self.info.to_json() + "\n", 0o600)

    @classmethod
    def attach(cls, state_dir: Path) -> Self:
        """A Lab object for an existing lab (built by another process) from its state dir."""
        state_dir = Path(state_dir).resolve()
        try:
            state = json.loads((state_dir / STATE_FILE).read_text())
        except (OSError, ValueError) as err:
            raise LabError(f"no lab state in {state_dir}: {err}") from err
        lab = cls(state_dir, state["prefix"])
        lab.prefix = state["prefix"]
        lab.state_dir = state_dir
        lab._created_state_dir = bool(state.get("created_state_dir"))
        lab._netns = list(state.get("netns", []))
        lab._etc_netns = list(state.get("etc_netns", []))
        lab._ns_keys = {k: (v[0], v[1]) for k, v in state.get("ns_keys", {}).items()}
        lab._host_iface = state.get("host_iface", "")
        lab._pids = {k: int(v) for k, v in state.get("pids", {}).items()}
        lab._clients = int(state.get("clients", 0))
        if state.get("lan_cidr"):
            lab._lan = ipaddress.IPv4Network(state["lan_cidr"])
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            lab.info = LabInfo.from_dict(json.loads((state_dir / INFO_FILE).read_text()))
        lab._up = True
        return lab

    def _require_up(self) -> LabInfo:
        if self.info is None:
            raise LabError("lab is not up")
        return self.info

    def netns_of(self, device: str) -> str | None:
        """Namespace of a device name ('router', 'wan', 'host' (= root ns, None), 'tv', ...)."""
        info = self._require_up()
        if device in ("router", "r"):
            return info.router_netns
        if device in ("wan", "w"):
            return info.wan_netns
        if device in ("host", "root", "ha"):
            return None
        for dev in info.devices:
            if dev.name == device:
                return dev.netns
        if device in self._netns:
            return device
        raise KeyError(f"unknown lab device {device!r}")

    def _add_netns(self, name: str) -> None:
        run(["ip", "netns", "add", name])
        self._netns.append(name)
        key = ns_key(f"/run/netns/{name}")
        if key is None:
            raise LabError(f"netns {name} has no /run/netns entry")
        self._ns_keys[name] = key
        self._save_state()

    def _set_resolv(self, ns: str, server: str) -> None:
        d = Path("/etc/netns") / ns
        d.mkdir(parents=True, exist_ok=True)
        if ns not in self._etc_netns:
            self._etc_netns.append(ns)
            self._save_state()
        write_file(
            d / "resolv.conf",
            f"# Snoop Guard lab {self.prefix}\nnameserver {server}\noptions timeout:1 attempts:1\n",
        )

    def _spawn(
        self, label: str, argv: list[str], *, stdout: int = subprocess.DEVNULL
    ) -> subprocess.Popen[bytes]:
        """Start a background process of the lab (stderr to <label>.err), killed by down()."""
        assert self.state_dir is not None
        err = open(self.state_dir / f"{label}.err", "ab")  # noqa: SIM115
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=err,
                env=ENV,
                start_new_session=True,
            )
        finally:
            err.close()
        self._pids[label] = proc.pid
        return proc

    def _start_server(
        self, label: str, argv: list[str], *, wait: bool = True
    ) -> subprocess.Popen[bytes]:
        """Start a lab server that prints READY once it serves; with ``wait``, wait for it."""
        proc = self._spawn(label, argv, stdout=subprocess.PIPE)
        self._popen[label] = proc
        self._save_state()
        if wait:
            self._wait_ready(label)
        return proc

    def _wait_ready(self, label: str, timeout: float = 10.0) -> None:
        """Wait for the READY line of a server started by :meth:`_start_server`."""
        proc = self._popen[label]
        assert proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            ok = bool(sel.select(timeout))
        line = proc.stdout.readline() if ok else b""
        proc.stdout.close()
        if line.strip() != b"READY":
            assert self.state_dir is not None
            err = (self.state_dir / f"{label}.err").read_text(errors="replace")
            raise LabError(f"{label} did not start: {err.strip()}")
