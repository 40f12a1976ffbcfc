"""The lab's DHCP clients: leases, address changes, extra client namespaces.

Each device runs busybox udhcpc in its namespace; UDHCPC_SCRIPT applies the lease (the
server-supplied values are only ever used as quoted arguments).
"""

from __future__ import annotations

import ipaddress
import os
import re
import signal
import subprocess
import threading
import time

from lab.activity import Activity
from lab.layout import DEVICE_SPECS, PROFILES, RESERVED_DEVICE_NAMES, DeviceInfo, LabError
from lab.procs import ENV, communicate, run, stop, which


def _hostname_bytes(hostname: str | bytes) -> bytes:
    return hostname if isinstance(hostname, bytes) else hostname.encode("utf-8", "surrogateescape")


def _udhcpc_hostname_opt(hostname: str | bytes) -> str:
    """busybox ``-x`` argument: ``hostname:NAME`` for plain names, hex option 12 otherwise."""
    raw = _hostname_bytes(hostname)
    if len(raw) > 255:
        raise ValueError("a DHCP option carries at most 255 bytes")
    if re.fullmatch(rb"[A-Za-z0-9][A-Za-z0-9._-]{0,62}", raw):
        return "hostname:" + raw.decode("ascii")
    return "0x0c:" + raw.hex()


def _popen_output(argv: list[str]) -> subprocess.Popen[bytes]:
    """Start ``argv`` with stdout and stderr on one pipe."""
    return subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=ENV
    )


UDHCPC_SCRIPT = """#!/bin/sh
# udhcpc event script of the Snoop Guard lab: applies the lease.  Server-supplied values
# are only ever used as quoted arguments, never evaluated.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
case "$1" in
deconfig)
    ip -4 addr flush dev "$interface"
    ip link set dev "$interface" up
    ;;
bound|renew)
    ip -4 addr flush dev "$interface"
    ip -4 addr add "$ip/${mask:-24}" brd + dev "$interface"
    gw="${router%% *}"
    if [ -n "$gw" ]; then ip -4 route replace default via "$gw" dev "$interface"; fi
    ;;
esac
exit 0
"""


class Clients(Activity):
    """DHCP leases of the lab's devices, renewals, added clients."""

    def _dhcp(
        self,
        clients: list[tuple[str, str, str, str | bytes | None, str]],
        vendor_classes: dict[str, str] | None = None,
        requested: dict[str, str] | None = None,
    ) -> list[DeviceInfo]:
        """Run udhcpc in each (name, netns, mac, hostname, kind) and wait for the leases."""
        assert self.state_dir is not None
        sd = self.state_dir
        procs = []
        for name, ns, _mac, hostname, _kind in clients:
            argv = self._udhcpc(ns, hostname, tries=8, quit_after_lease=True)
            if vendor_classes and vendor_classes.get(name):
                argv += ["-V", vendor_classes[name]]
            if requested and requested.get(name):
                argv += ["-r", requested[name]]
            procs.append((name, _popen_output(argv)))
        for name, proc in procs:
            out, _ = communicate(proc, 15, f"DHCP for {name} timed out")
            if proc.returncode != 0:
                raise LabError(
                    f"DHCP for {name} failed (rc={proc.returncode}): {out.decode(errors='replace')}"
                )
        devices = []
        deadline = time.monotonic() + 5
        for name, ns, mac, hostname, kind in clients:
            while True:
                ip = self._lease_ip(mac)
                if ip:
                    break
                if time.monotonic() > deadline:
                    raise LabError(f"no lease for {name} ({mac}) in {sd / 'dnsmasq.leases'}")
                time.sleep(0.02)
            have = run(["ip", "-n", ns, "-4", "-o", "addr", "show", "dev", "eth0"]).stdout
            if f" {ip}/" not in have:
                raise LabError(f"{name}: lease {ip} not applied on eth0: {have.strip()}")
            shown = (
                hostname.decode("utf-8", "surrogateescape")
                if isinstance(hostname, bytes)
                else hostname
            )
            devices.append(
                DeviceInfo(name=name, netns=ns, mac=mac, ip=ip, hostname=shown, kind=kind)
            )
        return devices

    def _leases(self) -> list[tuple[str, str]]:
        """(MAC, IP) of every lease in the router's lease file."""
        assert self.state_dir is not None
        try:
            lines = (self.state_dir / "dnsmasq.leases").read_text(errors="replace").splitlines()
        except OSError:
            return []
        return [(p[1].lower(), p[2]) for p in (line.split() for line in lines) if len(p) >= 3]

    def _lease_ip(self, mac: str) -> str | None:
        return next((ip for leased, ip in self._leases() if leased == mac.lower()), None)

    def _udhcpc(
        self, ns: str, hostname: str | bytes | None, *, tries: int, quit_after_lease: bool
    ) -> list[str]:
        """Argv of busybox udhcpc on eth0 of ``ns`` (foreground, our event script)."""
        assert self.state_dir is not None
        argv = ["ip", "netns", "exec", ns, which("busybox"), "udhcpc", "-i", "eth0", "-f"]
        if quit_after_lease:
            argv.append("-q")
        argv += ["-n", "-t", str(tries), "-T", "1", "-A", "1"]
        argv += ["-s", str(self.state_dir / "udhcpc.sh")]
        if hostname:
            argv += ["-x", _udhcpc_hostname_opt(hostname)]
        return argv

    def _release_lease(self, dev: DeviceInfo, timeout: float = 15.0) -> None:
        """DHCPRELEASE from the device: udhcpc (re)binds its lease, SIGUSR2 releases it.

        (``udhcpc -q -R`` does not send a release in busybox 1.35.)
        """
        argv = self._udhcpc(dev.netns, dev.hostname, tries=4, quit_after_lease=False)
        proc = _popen_output(argv)
        assert proc.stdout is not None
        seen: list[str] = []
        watchdog = threading.Timer(timeout, proc.kill)  # bounds the blocking reads below
        watchdog.start()
        try:
            released_sent = False
            for raw in proc.stdout:
                line = raw.decode(errors="replace")
                seen.append(line.strip())
                if "obtained" in line and not released_sent:
                    os.kill(proc.pid, signal.SIGUSR2)  # `ip netns exec` execs udhcpc
                    released_sent = True
                elif "released state" in line:
                    return
        finally:
            watchdog.cancel()
            stop(proc)
            proc.stdout.close()
        raise LabError(f"DHCP release for {dev.name} failed: {' | '.join(seen)}")

    def renew_ip(self, device: str) -> DeviceInfo:
        """Make ``device`` give up its lease and take a new, different address.

        The device sends a DHCPRELEASE, then asks for a free address of the pool (DHCP
        option 50); its DeviceInfo (and lab.json) get the new IP, and a running announcer
        is restarted on it, as a real device re-announces after an address change.
        """
        info = self._require_up()
        assert self.state_dir is not None
        dev = info.device(device)
        old = dev.ip
        lan = ipaddress.IPv4Network(info.lan_cidr)
        leased = {ip for _mac, ip in self._leases()}
        wanted = next(str(lan[i]) for i in range(200, 99, -1) if str(lan[i]) not in leased | {old})
        spec = next((s for s in DEVICE_SPECS if s.name == device), None)
        vendor_classes = {device: spec.vendor_class} if spec and spec.vendor_class else None
        was_announcing = device in self._announce
        if was_announcing:
            self.stop_announce(device)
        self._release_lease(dev)
        deadline = time.monotonic() + 5
        while self._lease_ip(dev.mac) is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        fresh = self._dhcp(
            [(dev.name, dev.netns, dev.mac, dev.hostname, dev.kind)],
            vendor_classes=vendor_classes,
            requested={device: wanted},
        )[0]
        if fresh.ip == old:
            raise LabError(f"{device} got its old address {old} again")
        dev.ip = fresh.ip
        self._save_info()
        if was_announcing and dev.name in PROFILES:
            self._start_announcer(dev, PROFILES[dev.name])
        return dev

    # ------------------------------------------------------------------ extra clients
    def add_client(self, name: str, mac: str, hostname: str | bytes | None) -> DeviceInfo:
        """A new client namespace on the LAN bridge that takes a DHCP lease with ``hostname``."""
        info = self._require_up()
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", name) or name in RESERVED_DEVICE_NAMES:
            raise ValueError(f"bad device name {name!r}")
        if any(d.name == name for d in info.devices):
            raise ValueError(f"device {name!r} exists")
        mac = mac.lower()
        if not re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", mac) or int(mac[:2], 16) & 1:
            raise ValueError(f"bad unicast MAC {mac!r}")
        if any(d.mac == mac for d in info.devices):
            raise ValueError(f"MAC {mac} already used in the lab")
        self._clients += 1
        ns = f"{self.prefix}-c{self._clients}"
        port = f"c{self._clients}"
        self._add_netns(ns)
        self._set_resolv(ns, info.router_ip)
        run(
            ["ip", "-n", info.router_netns, "-batch", "-"],
            stdin_text=f"link add {port} type veth peer name eth0 address {mac} netns {ns}\n"
            f"link set {port} master br0\nlink set {port} up\n",
        )
        run(["ip", "-n", ns, "-batch", "-"], stdin_text="link set lo up\nlink set eth0 up\n")
        dev = self._dhcp([(name, ns, mac, hostname, "client")])[0]
        info.devices.append(dev)
        self._save_info()
        return dev


# --------------------------------------------------------------------------- CLI
