"""Tests of lab/upnp_description.py: the safe UPnP device-description parser (no root needed)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.snoop_guard.engine.classify import DeviceKind
from custom_components.snoop_guard.engine.discovery import SsdpRecord, classify
from lab.upnp_description import parse_device_description, with_description

SONOS_MAC = "00:0e:58:aa:bb:01"

SONOS_XML = """<?xml version="1.0" encoding="utf-8"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
  <specVersion><major>1</major><minor>0</minor></specVersion>
  <device>
    <deviceType>urn:schemas-upnp-org:device:ZonePlayer:1</deviceType>
    <friendlyName>192.168.1.70 - Sonos One</friendlyName>
    <manufacturer>Sonos, Inc.</manufacturer>
    <manufacturerURL>http://www.sonos.com</manufacturerURL>
    <modelNumber>S13</modelNumber>
    <modelDescription>Sonos One</modelDescription>
    <modelName>Sonos One</modelName>
    <serialNumber>00-0E-58-AA-BB-01:E</serialNumber>
    <UDN>uuid:RINCON_000E58AABB0101400</UDN>
    <serviceList>
      <service><serviceType>urn:schemas-upnp-org:service:AlarmClock:1</serviceType></service>
    </serviceList>
    <deviceList>
      <device>
        <deviceType>urn:schemas-upnp-org:device:MediaRenderer:1</deviceType>
        <friendlyName>Kitchen - Sonos One Media Renderer</friendlyName>
        <manufacturer>Not the root</manufacturer>
        <serviceList>
          <service><serviceType>urn:schemas-upnp-org:service:AVTransport:1</serviceType></service>
        </serviceList>
      </device>
    </deviceList>
  </device>
</root>
"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<root><device><manufacturer>&lol9;</manufacturer></device></root>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE root [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<root><device><manufacturer>&xxe;</manufacturer></device></root>
"""


def test_parse_device_description() -> None:
    description, reason = parse_device_description(SONOS_XML.encode())
    assert reason is None
    assert description is not None
    # the root device's fields only, not those of the embedded MediaRenderer
    assert replace(description, seen=0.0) == SsdpRecord(
        device_type="urn:schemas-upnp-org:device:ZonePlayer:1",
        friendly_name="192.168.1.70 - Sonos One",
        manufacturer="Sonos, Inc.",
        model_name="Sonos One",
        model_number="S13",
        model_description="Sonos One",
        serial_number="00-0E-58-AA-BB-01:E",
        udn="uuid:RINCON_000E58AABB0101400",
        services=(
            "urn:schemas-upnp-org:device:MediaRenderer:1",
            "urn:schemas-upnp-org:service:AlarmClock:1",
            "urn:schemas-upnp-org:service:AVTransport:1",
        ),
        seen=0.0,
    )
    heard = SsdpRecord(st="upnp:rootdevice", location="http://192.0.2.70:1400/xml", seen=1.0)
    record = with_description(heard, description)
    assert (record.st, record.ip, record.seen) == ("upnp:rootdevice", "192.0.2.70", 1.0)
    assert record.manufacturer == "Sonos, Inc."
    assert record.services == description.services
    result = classify([record], SONOS_MAC)
    assert (result.kind, result.vendor) == (DeviceKind.SPEAKER, "Sonos")


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (BILLION_LAUGHS, "DOCTYPE"),
        (BILLION_LAUGHS.encode("utf-16"), "DOCTYPE"),
        (EXTERNAL_ENTITY, "DOCTYPE"),
        ("<root><device><!ENTITY x 'y'></device></root>", "DOCTYPE"),
        ("<!DoCtYpE root><root/>", "DOCTYPE"),
        ("<root>" + "<a>" * 5000 + "</a>" * 5000 + "</root>", "deeply"),
        ("<root><device>" + "<x/>" * 3000 + "</device></root>", "too many"),
        ("<root><device>" + "x" * (64 * 1024) + "</device></root>", "64 KiB"),
        (b"\x00" * (64 * 1024 + 1), "64 KiB"),
        ("<root><device><manufacturer>a</device></root>", "unparseable"),
        ("<root/>", "no <device>"),
        ("", "empty"),
        (b'<?xml version="1.0" encoding="EBCDIC-CP-US"?><root/>', "encoding"),
        (12345, "not text"),
    ],
)
def test_parse_device_description_refuses(document: object, reason: str) -> None:
    description, why = parse_device_description(document)
    assert description is None
    assert why is not None
    assert reason in why


def test_entity_reference_without_doctype_is_refused() -> None:
    # no DTD: an entity reference is simply undefined -> error, no expansion
    document = "<root><device><manufacturer>" + "&a;" * 10_000 + "</manufacturer></device></root>"
    description, why = parse_device_description(document)
    assert description is None
    assert why is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2000), st.text(max_size=2000)))
def test_parse_device_description_never_raises(data: bytes | str) -> None:
    description, reason = parse_device_description(data)
    assert (description is None) != (reason is None)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.text(alphabet="abc<>/&;!- x\"'=?", max_size=20),
        lambda children: st.builds(
            lambda tag, inner: f"<{tag}>{''.join(inner)}</{tag}>",
            st.sampled_from(["root", "device", "manufacturer", "modelName", "serviceType", "x"]),
            st.lists(children, max_size=4),
        ),
        max_leaves=30,
    )
)
def test_parse_device_description_fuzzed_markup(document: str) -> None:
    description, reason = parse_device_description(document)
    assert (description is None) != (reason is None)
