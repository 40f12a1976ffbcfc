"""Looking into a running lab: commands in a device's namespace, DNS, HTTP and ssh probes."""

from __future__ import annotations

import json
import subprocess
import sys

from lab.layout import DNSQ, LabError, is_lab_ip
from lab.procs import run
from lab.state import LabState


class Probes(LabState):
    """Run things inside the lab, as a device or as Home Assistant would."""

    def run_in(
        self, device: str, argv: list[str], timeout: float = 10
    ) -> subprocess.CompletedProcess[str]:
        """Run argv inside the device's namespace (no shell); never raises on a non-zero exit."""
        ns = self.netns_of(device)
        full = list(argv) if ns is None else ["ip", "netns", "exec", ns, *argv]
        try:
            return run(full, timeout=timeout, check=False)
        except LabError as err:
            return subprocess.CompletedProcess(full, 124, "", str(err))

    def resolve(self, device: str, name: str | bytes, qtype: str = "A") -> list[str]:
        """Ask the router's dnsmasq (from the device's namespace) via lab/dnsq.py."""
        info = self._require_up()
        if isinstance(name, bytes) or "\x00" in name:
            raw = name if isinstance(name, bytes) else name.encode("utf-8", "surrogateescape")
            args = ["--hex", "--", info.router_ip, raw.hex(), qtype]
        else:
            args = ["--", info.router_ip, name, qtype]
        cp = self.run_in(device, [sys.executable, "-I", "-S", str(DNSQ), *args], timeout=5)
        if cp.returncode != 0:
            return []
        try:
            out = json.loads(cp.stdout or "[]")
        except ValueError:
            return []
        return [str(x) for x in out] if isinstance(out, list) else []

    def http_get(self, device: str, ip: str, port: int = 80, timeout: float = 2.0) -> bool:
        """curl http://ip:port/ from the device's namespace; True if any HTTP response came back."""
        if not is_lab_ip(ip, self._lan):
            raise ValueError(f"refusing to contact non-lab address {ip}")
        cp = self.run_in(
            device,
            [
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--noproxy",
                "*",
                "--connect-timeout",
                str(timeout),
                "--max-time",
                str(timeout),
                f"http://{ip}:{int(port)}/",
            ],
            timeout=timeout + 5,
        )
        code = cp.stdout.strip()
        return code.isdigit() and code != "000"

    def ssh(self, command: str, timeout: float = 10) -> subprocess.CompletedProcess[str]:
        """Run a command on the router over ssh from the root ns (as the integration does)."""
        info = self._require_up()
        options = {
            "IdentitiesOnly": "yes",
            "BatchMode": "yes",
            "ConnectTimeout": "3",
            "StrictHostKeyChecking": "yes",
            "UserKnownHostsFile": info.ssh_known_hosts,
            "LogLevel": "ERROR",
        }
        argv = ["ssh", "-F", "/dev/null", "-i", info.ssh_key_path]
        for option, value in options.items():
            argv += ["-o", f"{option}={value}"]
        argv += ["-p", str(info.ssh_port), f"{info.ssh_user}@{info.router_ip}", command]
        try:
            return run(argv, timeout=timeout, check=False)
        except LabError as err:
            return subprocess.CompletedProcess(argv, 124, "", str(err))
