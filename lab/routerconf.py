"""Configuration of the lab router's services: dnsmasq (router and WAN), restart script, sshd."""

from __future__ import annotations

import shlex
from ipaddress import IPv4Network
from pathlib import Path

from lab.layout import CATCH_ALL_IP, DOH_RESOLVERS, STREAMING, TRACKERS, WAN_DNS_IP
from lab.procs import which


def restart_script(prefix: str, args: list[str], router_ip: str, sd: Path) -> str:
    """The router's dnsmasq restart script (the integration's restart command)."""
    pidfile = sd / "dnsmasq.pid"
    q = shlex.quote
    return f"""#!/bin/sh
# Restart the router dnsmasq of Snoop Guard lab {prefix} with its original arguments
# (re-reading {sd / "dnsmasq.d"}).  Must run inside the router namespace ({prefix}-r),
# e.g. over ssh to root@{router_ip}.  Returns 0 once dnsmasq answers DNS on {router_ip}.
# The readiness probe is a CHAOS TXT "version.bind" query (answered locally, logged).
PATH=/usr/sbin:/usr/bin:/sbin:/bin
PIDFILE={q(str(pidfile))}
ERRFILE={q(str(sd / "dnsmasq-start.err"))}
DIG={q(which("dig"))}
if ! {q(which("ip"))} -4 -o addr show dev br0 2>/dev/null | grep -qF " {router_ip}/24 "; then
    echo "dnsmasq-restart: not inside the lab router namespace ({prefix}-r)" >&2
    exit 3
fi
is_ours() {{
    [ -r "/proc/$1/cmdline" ] && tr '\\000' '\\n' < "/proc/$1/cmdline" 2>/dev/null \\
        | grep -qxF -- "--pid-file=$PIDFILE"
}}
running() {{
    # true until the process is gone or a zombie (its sockets are closed only by then;
    # its cmdline is already empty while it still exits)
    st=$(sed -n 's/^.*) \\([A-Z]\\).*$/\\1/p' "/proc/$1/stat" 2>/dev/null)
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}}
pid=$(cat "$PIDFILE" 2>/dev/null)
case "$pid" in ''|*[!0-9]*) pid= ;; esac
if [ -n "$pid" ] && is_ours "$pid"; then
    kill "$pid" 2>/dev/null
    i=0
    while running "$pid"; do
        i=$((i + 1))
        if [ "$i" -eq 150 ]; then kill -9 "$pid" 2>/dev/null; fi
        if [ "$i" -gt 250 ]; then
            echo "dnsmasq-restart: old dnsmasq $pid does not exit" >&2
            exit 4
        fi
        sleep 0.02
    done
fi
i=0
while :; do
    {" ".join(q(a) for a in args)} </dev/null >/dev/null 2>"$ERRFILE"
    rc=$?
    # a TCP child of the old dnsmasq may hold the port for a moment: retry for up to 3 s
    if [ "$rc" -ne 0 ] && [ "$i" -lt 60 ] && grep -q "in use" "$ERRFILE"; then
        i=$((i + 1))
        sleep 0.05
        continue
    fi
    break
done
if [ "$rc" -ne 0 ]; then
    echo "dnsmasq-restart: dnsmasq failed to start (exit $rc):" >&2
    cat "$ERRFILE" >&2
    exit "$rc"
fi
i=0
while [ "$i" -lt 100 ]; do
    answer=$("$DIG" +short +time=1 +tries=1 -c CH -t TXT @{router_ip} version.bind 2>/dev/null)
    if [ -n "$answer" ]; then
        exit 0
    fi
    i=$((i + 1))
    sleep 0.05
done
echo "dnsmasq-restart: dnsmasq started but does not answer DNS on {router_ip}" >&2
exit 1
"""


def sshd_config(router_ip: str, sd: Path, host_key: Path) -> str:
    """sshd_config of the router: key-only root login on the LAN address."""
    return f"""# sshd of the Snoop Guard lab router (runs inside the router namespace)
ListenAddress {router_ip}
Port 22
HostKey {host_key}
PidFile {sd / "sshd.pid"}
AuthorizedKeysFile {sd / "authorized_keys"}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PermitTunnel no
PrintMotd no
MaxStartups 50:30:100
MaxSessions 20
LogLevel VERBOSE
Subsystem sftp internal-sftp
"""


def router_dnsmasq_args(
    router_ip: str, lan: IPv4Network, *, pid_file: Path, conf_dir: Path, leases: Path, log: Path
) -> list[str]:
    """The router's dnsmasq: DHCP and DNS on br0, queries logged, upstream the WAN DNS."""
    return [
        which("dnsmasq"),
        "--conf-file=/dev/null",
        f"--pid-file={pid_file}",
        "--interface=br0",
        f"--listen-address={router_ip}",
        "--bind-interfaces",
        "--no-hosts",
        "--no-resolv",
        f"--server={WAN_DNS_IP}",
        f"--dhcp-range={lan[100]},{lan[200]},255.255.255.0,12h",
        "--dhcp-authoritative",
        "--no-ping",  # dnsmasq's blocking 3 s ICMP probe before each new offer
        f"--dhcp-leasefile={leases}",
        "--log-queries=extra",
        f"--log-facility={log}",
        "--log-dhcp",
        f"--conf-dir={conf_dir}",
    ]


def wan_dnsmasq_args(*, pid_file: Path, log: Path, ttl: int | None) -> list[str]:
    """The "internet" DNS: every name gets a lab address (trackers, streaming, catch-all)."""
    args = [
        which("dnsmasq"),
        "--conf-file=/dev/null",
        f"--pid-file={pid_file}",
        f"--listen-address={WAN_DNS_IP}",
        "--bind-interfaces",
        "--no-hosts",
        "--no-resolv",
        "--log-queries",
        f"--log-facility={log}",
        *(f"--address=/{d}/{ip}" for d, ip in {**TRACKERS, **STREAMING, **DOH_RESOLVERS}.items()),
        f"--address=/#/{CATCH_ALL_IP}",
    ]
    if ttl is not None:
        args.append(f"--local-ttl={int(ttl)}")
    return args
