#!/usr/bin/env python3
"""Background traffic of one lab device (run inside the device's network namespace).

    python3 traffic.py --router IP --lan CIDR [--interval S] [--parent-pid PID] [--log FILE]
                       DOMAIN...

Loop: for each DOMAIN, resolve it through the router's DNS (lab/dnsq.py) and HTTP GET
``http://<first answer>/`` (urllib, 2 s timeout, proxies disabled); then sleep INTERVAL.

Bounded by construction: DNS goes only to --router (which must be inside --lan), and an
HTTP request is made only when the answer lies inside 203.0.113.0/24 or the lab LAN.
Exits on SIGTERM/SIGINT, or as soon as its parent process (--parent-pid, default: the
parent at start) is gone.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script with -I
from lab import dnsq

WAN_NET = ipaddress.ip_network("203.0.113.0/24")


def _on_signal(*_: object) -> None:
    raise SystemExit(0)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--router", required=True)
    p.add_argument("--lan", required=True)
    p.add_argument("--interval", type=float, default=5.0)
    p.add_argument("--parent-pid", type=int, default=os.getppid())
    p.add_argument("--log")
    p.add_argument("domains", nargs="+")
    args = p.parse_args()

    lan = ipaddress.ip_network(args.lan)
    if ipaddress.ip_address(args.router) not in lan:
        print("traffic: router outside the lab LAN", file=sys.stderr)
        return 2
    allowed = (WAN_NET, lan)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    log = open(args.log, "a", encoding="utf-8") if args.log else None  # noqa: SIM115

    def note(text: str) -> None:
        if log:
            log.write(f"{time.time():.3f} {text}\n")
            log.flush()

    parent_pid: int = args.parent_pid

    def alive() -> bool:
        return os.getppid() == parent_pid

    while alive():
        for domain in args.domains:
            if not alive():
                break
            try:
                ips = dnsq.query(args.router, domain, "A", timeout=1.0)["ips"]
            except OSError as err:
                note(f"dns {domain} error {err}")
                continue
            note(f"dns {domain} -> {ips}")
            if not ips:
                continue
            ip = ipaddress.ip_address(ips[0])
            if not any(ip in net for net in allowed):
                note(f"skip {domain} {ip}: outside the lab")
                continue
            try:
                with opener.open(f"http://{ip}/", timeout=2.0) as resp:
                    resp.read(4096)
                    note(f"http {domain} {ip} {resp.status}")
            except Exception as err:
                note(f"http {domain} {ip} failed {type(err).__name__}: {err}")
        deadline = time.monotonic() + args.interval
        while alive() and time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
