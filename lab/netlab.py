#!/usr/bin/env python3
"""Snoop Guard network lab: a home router with trackers-laden "internet", built from netns.

Topology (all names carry a unique per-lab prefix ``sgXXXX`` so labs can coexist)::

    root ns (Home Assistant)       <prefix>-r (router)              <prefix>-w (WAN, "internet")
    <prefix>-ha 198.18.N.2 ─ ha ─┐
    <prefix>-tv eth0 (DHCP) ─ p-tv ┼─ br0 198.18.N.1/24
    <prefix>-sp eth0 (DHCP) ─ p-sp ┤  wan0 203.0.113.1 ──────────── eth0 203.0.113.2/24
    <prefix>-cK eth0 ──────── cK ──┘  dnsmasq: DHCP + DNS            + .10-.14 trackers
                                      sshd on 198.18.N.1:22          + .20/.21 streaming, .99
                                      ip_forward=1, no NAT,          dnsmasq (answers all names)
                                      no default route               httpd on every address

* The router has no default route and the WAN namespace only knows 203.0.113.0/24 and the
  lab LAN, so nothing can leave the namespaces.  The WAN dnsmasq answers *every* name with
  a lab address (``--address=/#/203.0.113.99`` plus the tracker/streaming mappings).
* stdlib only; runs on Python 3.11+.  Must run as root.

Devices: ``tv`` (Skyworth-TV), ``speaker`` (Sonos-Kitchen), ``streamer`` (a Chromecast,
Google OUI f4:f5:d8, no traffic) and ``phone`` (Pixel-7, locally administered/randomised MAC
da:a1:19:..., DHCP vendor class android-dhcp-14, announces nothing).  With
``up(announce=True)`` / ``start_announce()`` / CLI ``--announce`` (default on with
``--traffic``) the TV, speaker and streamer run lab/announce.py: mDNS responses and
announcements on 224.0.0.251:5353, SSDP NOTIFY/M-SEARCH answers on 239.255.255.250:1900 and
their UPnP description over HTTP on their LAN IP; the root namespace hears them on
``host_iface``.  ``renew_ip(device)`` makes a device release its lease and take a new address.

Python API: ``Lab`` (context manager), ``LabInfo``, ``DeviceInfo``.  The lab is built in
parts, each a module of lab/: layout (addresses, devices, LabInfo), procs (commands and
processes), state (what a lab knows, saved in its state dir), probes (run_in, resolve,
http_get, ssh), activity (traffic, announcements), clients (DHCP, renew_ip, add_client),
routerconf (dnsmasq, sshd), topology (up, down, sweep); ``Lab`` is their sum.  CLI::

    python3 lab/netlab.py up [--state-dir D] [--traffic [--interval S]] [--foreground]
                             [--announce | --no-announce] [--announce-interval S]
    python3 lab/netlab.py down --state-dir D        # or: down --prefix sgXXXX (sweep leftovers)
    python3 lab/netlab.py info --state-dir D
"""

from __future__ import annotations

import argparse
import atexit
import os
import signal
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the lab package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lab.layout import ANNOUNCE, INFO_FILE, WAN_NET, DeviceInfo, LabError, LabInfo
from lab.procs import ns_python
from lab.topology import Topology

__all__ = ["ANNOUNCE", "WAN_NET", "DeviceInfo", "Lab", "LabError", "LabInfo"]


class Lab(Topology):
    """A throw-away router/WAN/TV/speaker network built from network namespaces."""

    def __enter__(self) -> Lab:
        self.up()
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()


# --------------------------------------------------------------------------- CLI


def _start_gozen(lab: Lab, interval: float) -> None:
    """A Skyworth TV (Skyworth OUI) that sweeps the LAN and uploads, like the Gozen SDK."""
    device = lab.add_client("gozen", "14:11:5d:00:00:77", "Skyworth-Gozen")
    ns = lab.netns_of(device.name)
    assert ns is not None
    lab._spawn(
        "gozen",
        [*ns_python(ns, Path(__file__).with_name("gozen.py")),
         "--router", lab.info.router_ip, "--interval", str(interval),
         "--parent-pid", str(os.getpid())],
    )  # fmt: skip
    print(f"gozen TV {device.ip} sweeps every {interval:.0f}s", file=sys.stderr)


def _cli(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="netlab.py", description="Snoop Guard network lab")
    sub = ap.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="build a lab and print its LabInfo JSON")
    up.add_argument("--state-dir", type=Path)
    up.add_argument("--prefix")
    up.add_argument(
        "--traffic",
        action="store_true",
        help="run device traffic in the foreground until SIGINT/SIGTERM",
    )
    up.add_argument("--interval", type=float, default=5.0)
    up.add_argument(
        "--foreground", action="store_true", help="stay up until SIGINT/SIGTERM, then tear down"
    )
    up.add_argument("--wan-ttl", type=int)
    up.add_argument(
        "--announce",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="devices announce themselves over mDNS/SSDP (default: on with --traffic)",
    )
    up.add_argument("--announce-interval", type=float, default=3.0)
    up.add_argument(
        "--gozen",
        type=float,
        metavar="SECONDS",
        help="add a Skyworth TV running the Gozen-like SDK (lab/gozen.py) every SECONDS",
    )
    down = sub.add_parser("down", help="tear down a lab")
    down.add_argument("--state-dir", type=Path)
    down.add_argument("--prefix", help="sweep every netns/interface named <prefix>-*")
    info = sub.add_parser("info", help="print a lab's LabInfo JSON")
    info.add_argument("--state-dir", type=Path, required=True)
    args = ap.parse_args(argv)

    if args.cmd == "info":
        print((args.state_dir / INFO_FILE).read_text(), end="")
        return 0
    if args.cmd == "down":
        if args.state_dir:
            Lab.attach(args.state_dir).down()
        elif args.prefix:
            for item in Lab.sweep(args.prefix):
                print(f"removed {item}", file=sys.stderr)
        else:
            ap.error("down needs --state-dir or --prefix")
        return 0

    lab = Lab(args.state_dir, args.prefix, wan_ttl=args.wan_ttl)

    def on_signal(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, on_signal)
    atexit.register(lab.down)
    announce = args.traffic if args.announce is None else args.announce
    info_ = lab.up()
    if announce:
        # a lab left running after this command returns must not lose its announcers
        lab.start_announce(args.announce_interval, watch_parent=args.traffic or args.foreground)
    print(info_.to_json(), flush=True)
    print(
        f"lab {info_.prefix} up in {lab.timings['up']:.2f}s (state dir {info_.state_dir})",
        file=sys.stderr,
    )
    if not (args.traffic or args.foreground):
        atexit.unregister(lab.down)
        print(
            f"tear down with: {sys.executable} {Path(__file__)} down --state-dir {info_.state_dir}",
            file=sys.stderr,
        )
        return 0
    try:
        if args.traffic:
            lab.start_traffic(args.interval)
        if args.gozen:
            _start_gozen(lab, args.gozen)
        while True:
            signal.pause()
    finally:
        atexit.unregister(lab.down)
        lab.down()
        print(f"lab {info_.prefix} down in {lab.timings['down']:.2f}s", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(_cli())
