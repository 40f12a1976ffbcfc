"""What the lab's devices do on their own: tracker traffic and mDNS/SSDP announcements."""

from __future__ import annotations

import contextlib
import os

from lab.layout import ANNOUNCE, PROFILES, TRAFFIC, TRAFFIC_DOMAINS, DeviceInfo
from lab.probes import Probes
from lab.procs import ns_python, stop


class Activity(Probes):
    """Background traffic (lab/traffic.py) and announcers (lab/announce.py)."""

    def start_traffic(self, interval: float = 5.0) -> None:
        """Start lab/traffic.py in every device with tracker/streaming domains to look up."""
        info = self._require_up()
        assert self.state_dir is not None
        for dev in info.devices:
            domains = TRAFFIC_DOMAINS.get(dev.name)
            if not domains or dev.name in self._traffic:
                continue
            label = f"traffic-{dev.name}"
            argv = [
                *ns_python(dev.netns, TRAFFIC),
                "--router",
                info.router_ip,
                "--lan",
                info.lan_cidr,
                "--interval",
                str(interval),
                "--parent-pid",
                str(os.getpid()),
                "--log",
                str(self.state_dir / f"{label}.log"),
                "--",
                *domains,
            ]
            self._traffic[dev.name] = self._spawn(label, argv)
        self._save_state()

    def stop_traffic(self) -> None:
        """Stop the traffic generators."""
        procs = list(self._traffic.items())
        for _, proc in procs:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
        for name, proc in procs:
            stop(proc, terminate=False)
            self._pids.pop(f"traffic-{name}", None)
        self._traffic.clear()
        if procs:
            self._save_state()

    # ------------------------------------------------------------------ announcements
    def start_announce(self, interval: float = 3.0, *, watch_parent: bool = True) -> None:
        """Start lab/announce.py in every device with a profile (tv, speaker, streamer).

        Each device answers mDNS/SSDP queries, re-announces itself every ``interval``
        seconds and serves its UPnP description on its LAN IP. With ``watch_parent`` the
        announcers exit when this process does.
        """
        info = self._require_up()
        self._announce_interval = float(interval)
        self._announce_watch = watch_parent
        for dev in info.devices:
            profile = PROFILES.get(dev.name)
            if profile and dev.name not in self._announce:
                self._start_announcer(dev, profile)
        info.announce = True
        self._save_info()

    def _start_announcer(self, dev: DeviceInfo, profile: str) -> None:
        info = self._require_up()
        assert self.state_dir is not None
        label = f"announce-{dev.name}"
        argv = [
            *ns_python(dev.netns, ANNOUNCE),
            "serve",
            "--profile",
            profile,
            "--ip",
            dev.ip,
            "--mac",
            dev.mac,
            "--hostname",
            dev.hostname or dev.name,
            "--lan",
            info.lan_cidr,
            "--iface",
            "eth0",
            "--interval",
            str(self._announce_interval),
            "--log",
            str(self.state_dir / f"{label}.log"),
        ]
        if getattr(self, "_announce_watch", True):
            argv += ["--parent-pid", str(os.getpid())]
        self._announce[dev.name] = self._start_server(label, argv, wait=False)
        self._wait_ready(label)

    def stop_announce(self, device: str | None = None) -> None:
        """Stop the announcers (of one device, or all)."""
        names = [device] if device else list(self._announce)
        for name in names:
            proc = self._announce.pop(name, None)
            if proc is None:
                continue
            stop(proc)
            self._popen.pop(f"announce-{name}", None)
            self._pids.pop(f"announce-{name}", None)
        if device is None and self.info is not None:
            self.info.announce = False
            self._save_info()
        self._save_state()
