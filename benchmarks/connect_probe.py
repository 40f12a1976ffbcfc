"""Run inside a lab namespace: connect to IP:PORT in a tight loop until refused.

Prints the CLOCK_MONOTONIC time (shared by all namespaces of one machine) of the
first refused attempt as JSON. Refuses any address outside the lab ranges.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import sys
import time

LAB = (ipaddress.ip_network("203.0.113.0/24"), ipaddress.ip_network("198.18.0.0/15"))


def main() -> int:
    ip, port, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    if not any(ipaddress.ip_address(ip) in net for net in LAB):
        print(json.dumps({"error": "not a lab address"}))
        return 2
    print(json.dumps({"ready": time.monotonic()}), flush=True)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            try:
                sock.connect((ip, port))
            except ConnectionRefusedError:
                print(json.dumps({"refused": time.monotonic()}), flush=True)
                return 0
            except OSError:
                pass
        time.sleep(0.002)
    print(json.dumps({"timeout": True}), flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
