"""Warn when the tracker lists are too heavy for the router's dnsmasq.

dnsmasq keeps every ``nftset=`` domain of our snippet in memory and parses them all
on each restart. Routers often have 128 MB of RAM shared by the kernel, the
firewall and every service, so a large subscription can make dnsmasq (the
home's DNS and DHCP) slow to restart or get it killed. The cost per domain was
measured with benchmarks/bench_reconcile.py (see DNSMASQ_BYTES_PER_DOMAIN). When
the snippet would take more than DNSMASQ_BUDGET, a repair issue names the
largest lists; it goes away when the lists shrink. It only warns: the snippet
is still installed.
"""

from __future__ import annotations

from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN
from .knowledge import Knowledge
from .plaintext import code_span, public_url

# dnsmasq's resident memory per nftset= domain: VmRSS growth over an empty snippet was
# 198 bytes both at 100,000 and at 300,000 synthetic domains (dnsmasq 2.90, x86-64;
# 32-bit routers need a little less). Restarts grew from 0.05 s to 0.3 s and 0.8 s there.
DNSMASQ_BYTES_PER_DOMAIN: Final = 200
# An eighth of a 128 MB router: what one service may take next to the kernel, netfilter
# (whose tracker sets grow with the lists too), the other daemons and the tmpfs (/tmp,
# logs) that shares the RAM. About 84,000 domains; lists made for smart TVs are far smaller.
DNSMASQ_BUDGET: Final = 16 * 1024 * 1024
MAX_DOMAINS: Final = DNSMASQ_BUDGET // DNSMASQ_BYTES_PER_DOMAIN
MAX_LISTS_NAMED: Final = 3
_MIB: Final = 1024 * 1024


def issue_id(entry_id: str) -> str:
    """Return the id of one config entry's repair issue."""
    return f"dnsmasq_too_heavy_{entry_id}"


def estimated_bytes(domains: int) -> int:
    """Return dnsmasq's extra resident memory for a snippet of ``domains`` domains."""
    return domains * DNSMASQ_BYTES_PER_DOMAIN


def largest_lists(knowledge: Knowledge) -> list[tuple[str, int]]:
    """Return the subscribed lists and their block rules, largest first."""
    sizes = [
        (report.source.removeprefix("list:"), report.block_rules)
        for report in knowledge.matcher.reports
        if report.accepted
    ]
    return sorted(sizes, key=lambda item: (-item[1], item[0]))


@callback
def async_check_router_load(hass: HomeAssistant, entry_id: str, knowledge: Knowledge) -> bool:
    """Raise or clear the repair issue for ``knowledge``; return True when it is too heavy."""
    domains = len(knowledge.trackers.domains)
    if domains <= MAX_DOMAINS:
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry_id))
        return False
    named = largest_lists(knowledge)[:MAX_LISTS_NAMED]
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(entry_id),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="dnsmasq_too_heavy",
        translation_placeholders={
            "domains": f"{domains:,}",
            "max_domains": f"{MAX_DOMAINS:,}",
            "estimate": f"{estimated_bytes(domains) / _MIB:.0f}",
            "budget": f"{DNSMASQ_BUDGET / _MIB:.0f}",
            "lists": ", ".join(
                f"{code_span(public_url(url))} ({rules:,} rules)" for url, rules in named
            )
            or "-",
        },
    )
    return True


@callback
def async_clear_router_load(hass: HomeAssistant, entry_id: str) -> None:
    """Drop the issue (the entry is unloaded or removed)."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(entry_id))
