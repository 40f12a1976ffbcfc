"""Feed what Home Assistant already hears on the network into Snoop Guard's inventory.

No second zeroconf instance and no polling of our own: mDNS comes from HA's shared
zeroconf instance (one service browser for the media service types), SSDP from HA's
SSDP callbacks (the description XML is HA's cached fetch), DHCP from HA's DHCP
watcher. Each source is used only when its integration is loaded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

from .const import LOGGER
from .engine.discovery import DhcpRecord, MdnsRecord, SsdpRecord

if TYPE_CHECKING:
    from zeroconf import ServiceStateChange, Zeroconf
    from zeroconf.asyncio import AsyncServiceBrowser

MDNS_TYPES: Final = (
    "_googlecast._tcp.local.",
    "_airplay._tcp.local.",
    "_raop._tcp.local.",
    "_amzn-wplay._tcp.local.",
    "_spotify-connect._tcp.local.",
    "_sonos._tcp.local.",
    "_androidtvremote2._tcp.local.",
    "_hap._tcp.local.",
)
MAX_RESOLVING: Final = 16
RESOLVE_TIMEOUT_MS: Final = 3000
MAX_TXT_VALUE: Final = 256

type RecordSink = Callable[[MdnsRecord | SsdpRecord | DhcpRecord], None]


def _txt(properties: dict[bytes, bytes | None]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in list(properties.items())[:32]:
        name = key.decode("utf-8", "replace")[:64]
        out[name] = (value or b"")[:MAX_TXT_VALUE].decode("utf-8", "replace")
    return out


class DiscoveryWatchers:
    """Subscribes to HA's discovery sources and hands records to ``sink``."""

    def __init__(
        self, hass: HomeAssistant, sink: RecordSink, zeroconf: Zeroconf | None = None
    ) -> None:
        """Nothing is subscribed until async_start.

        ``zeroconf`` replaces HA's shared instance; only tests that must stay on one
        network (the lab) pass one.
        """
        self.hass = hass
        self.sink = sink
        self._given_zeroconf = zeroconf
        self.active: list[str] = []
        self._unsubs: list[CALLBACK_TYPE] = []
        self._browser: AsyncServiceBrowser | None = None
        self._resolving: set[tuple[str, str]] = set()
        self._zeroconf: Zeroconf | None = None

    async def async_start(self) -> None:
        """Subscribe to every discovery source that is loaded."""
        components = self.hass.config.components
        if self._given_zeroconf is not None:
            self._browse(self._given_zeroconf)
        elif "zeroconf" in components:
            await self._async_start_zeroconf()
        if "ssdp" in components:
            await self._async_start_ssdp()
        if "dhcp" in components:
            self._start_dhcp()
        LOGGER.debug("Discovery sources: %s", ", ".join(self.active) or "none")

    async def _async_start_zeroconf(self) -> None:
        from homeassistant.components import zeroconf  # noqa: PLC0415

        aiozc = await zeroconf.async_get_async_instance(self.hass)
        self._browse(aiozc.zeroconf)

    def _browse(self, instance: Zeroconf) -> None:
        from zeroconf.asyncio import AsyncServiceBrowser  # noqa: PLC0415

        self._zeroconf = instance
        self._browser = AsyncServiceBrowser(instance, list(MDNS_TYPES), handlers=[self._on_mdns])
        self.active.append("zeroconf")

    async def _async_start_ssdp(self) -> None:
        from homeassistant.components import ssdp  # noqa: PLC0415

        self._unsubs.append(await ssdp.async_register_callback(self.hass, self._on_ssdp, None))
        self.active.append("ssdp")

    def _start_dhcp(self) -> None:
        from homeassistant.components.dhcp.helpers import (  # noqa: PLC0415
            async_get_address_data_internal,
            async_register_dhcp_callback_internal,
        )

        self._unsubs.append(async_register_dhcp_callback_internal(self.hass, self._on_dhcp))
        self._on_dhcp(async_get_address_data_internal(self.hass))
        self.active.append("dhcp")

    async def async_stop(self) -> None:
        """Unsubscribe from everything."""
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        if self._browser is not None:
            await self._browser.async_cancel()
            self._browser = None

    # -- mDNS ---------------------------------------------------------------------

    def _on_mdns(
        self,
        zeroconf: Zeroconf,
        service_type: str,
        name: str,
        state_change: ServiceStateChange,
    ) -> None:
        from zeroconf import ServiceStateChange  # noqa: PLC0415

        if state_change is ServiceStateChange.Removed:
            return
        key = (service_type, name)
        if key in self._resolving or len(self._resolving) >= MAX_RESOLVING:
            return
        self._resolving.add(key)
        self.hass.async_create_background_task(
            self._async_resolve(zeroconf, service_type, name), "snoop_guard mdns resolve"
        )

    async def _async_resolve(self, zeroconf: Zeroconf, service_type: str, name: str) -> None:
        from zeroconf.asyncio import AsyncServiceInfo  # noqa: PLC0415

        try:
            info = AsyncServiceInfo(service_type, name)
            if not await info.async_request(zeroconf, RESOLVE_TIMEOUT_MS):
                return
            self.sink(
                MdnsRecord(
                    service_type=service_type,
                    name=name,
                    hostname=info.server,
                    addresses=tuple(info.parsed_scoped_addresses()),
                    properties=_txt(info.properties),
                    port=info.port,
                )
            )
        except (OSError, ValueError, asyncio.CancelledError) as err:
            if isinstance(err, asyncio.CancelledError):
                raise
            LOGGER.debug("Could not resolve %s: %s", name, err)
        finally:
            self._resolving.discard((service_type, name))

    # -- SSDP and DHCP ----------------------------------------------------------------

    @callback
    def _on_ssdp(self, info: Any, change: Any) -> None:
        if str(getattr(change, "name", change)).upper().endswith("BYEBYE"):
            return
        self.sink(ssdp_record(info))

    @callback
    def _on_dhcp(self, data: Mapping[str, Mapping[str, object]]) -> None:
        for mac, address in data.items():
            ip, hostname = address.get("ip"), address.get("hostname")
            self.sink(
                DhcpRecord(
                    mac=mac,
                    ip=ip if isinstance(ip, str) else None,
                    hostname=hostname if isinstance(hostname, str) else None,
                )
            )


def ssdp_record(info: Any) -> SsdpRecord:
    """Convert HA's SsdpServiceInfo (description already fetched by HA) to a record."""
    return SsdpRecord(
        st=info.ssdp_st or "",
        usn=info.ssdp_usn or "",
        server=info.ssdp_server or "",
        location=info.ssdp_location or "",
    ).with_upnp(info.upnp)
