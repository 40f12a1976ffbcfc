#!/usr/bin/env python3
"""Minimal HTTP server for the Snoop Guard lab ("tracker"/"streaming" hosts, the speaker).

    python3 httpd.py --bind IP[:PORT] [--bind ...] [--log FILE] [--name LABEL]

Answers 200 to GET, HEAD, POST, PUT (request bodies are read and discarded) with a short
text body naming the server address.  Binds only lab addresses (198.18.0.0/15,
203.0.113.0/24, loopback).  Prints ``READY`` on stdout once every socket listens, then
detaches stdout/stderr (so the starter can close its pipe).  One line per request goes to
``--log``: ``<unix time> <client ip> <server ip:port> <method> <path>``.  Exits on
SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ALLOWED = (
    ipaddress.ip_network("198.18.0.0/15"),
    ipaddress.ip_network("203.0.113.0/24"),
    ipaddress.ip_network("127.0.0.0/8"),
)
_log_lock = threading.Lock()
_log: dict[str, Any] = {"file": None}


class Handler(BaseHTTPRequestHandler):
    server_version = "SnoopGuardLab/1"
    protocol_version = "HTTP/1.0"
    label = "lab"

    def _reply(self, send_body: bool = True) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if 0 < length <= 1 << 20:
            self.rfile.read(length)
        address: Any = self.server.server_address
        host, port = address[0], address[1]
        body = f"snoop-guard-lab {self.label} {host}:{port} {self.command} ok\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)
        log_file = _log["file"]
        if log_file is not None:
            client = self.client_address[0]
            line = f"{time.time():.3f} {client} {host}:{port} {self.command} {self.path!r}\n"
            with _log_lock:
                log_file.write(line)
                log_file.flush()

    def do_GET(self) -> None:
        self._reply()

    def do_POST(self) -> None:
        self._reply()

    def do_PUT(self) -> None:
        self._reply()

    def do_HEAD(self) -> None:
        self._reply(send_body=False)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind() calls socket.getfqdn(): a reverse DNS lookup through the
        # system resolver.  Never resolve anything in the lab.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--bind", action="append", required=True)
    p.add_argument("--log")
    p.add_argument("--name", default="lab")
    args = p.parse_args()
    Handler.label = args.name
    servers = []
    for spec in args.bind:
        host, _, port = spec.partition(":")
        if not any(ipaddress.ip_address(host) in n for n in ALLOWED):
            print(f"httpd: refusing to bind non-lab address {host}", file=sys.stderr)
            return 2
        servers.append(Server((host, int(port or 80)), Handler))
    if args.log:
        _log["file"] = open(args.log, "a", encoding="utf-8")  # noqa: SIM115
    for srv in servers:
        threading.Thread(target=srv.serve_forever, daemon=True).start()

    # nothing to clean up: exit at once (srv.shutdown() would poll for 0.5 s per socket)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
    print("READY", flush=True)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    while True:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main())
