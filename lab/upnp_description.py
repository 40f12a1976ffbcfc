"""Parse a UPnP device-description XML document safely (the lab's and the tests' SSDP side).

Home Assistant's SSDP integration fetches and parses the description itself and hands the
integration ``SsdpServiceInfo.upnp`` (see ``SsdpRecord.with_upnp``); this parser serves the
lab tests, which fetch the lab devices' descriptions themselves.

:func:`parse_device_description` accepts at most 64 KiB, no DOCTYPE/ENTITY (billion laughs,
external entities), depth <= 16, at most 2000 elements; it returns
``(description, None)`` or ``(None, reason)`` and never raises. The description is an
:class:`SsdpRecord` that carries the root device's fields (manufacturer, modelName, ...)
and, as ``services``, the device types of embedded devices and every service type;
:func:`with_description` fills a heard SSDP record from it.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET  # input is screened first, see _screen_xml
from dataclasses import replace
from typing import Any, Final

from custom_components.snoop_guard.engine.discovery.records import (
    MAX_SERVICES,
    UPNP_FIELDS,
    UPNP_KEYS,
    SsdpRecord,
    clean_text,
)

__all__ = ["parse_device_description", "with_description"]

MAX_XML_BYTES: Final = 64 * 1024
MAX_XML_DEPTH: Final = 16
MAX_XML_ELEMENTS: Final = 2000


def with_description(record: SsdpRecord, description: SsdpRecord | None) -> SsdpRecord:
    """Return ``record`` with the fields of a parsed description filled in (as HA does)."""
    if not isinstance(description, SsdpRecord):
        return record
    filled: dict[str, Any] = {
        name: getattr(description, name) or getattr(record, name) for name in UPNP_FIELDS
    }
    return replace(record, **filled, services=(*record.services, *description.services))


def _decode_xml(data: bytes) -> str | None:
    """Decode a description document: BOM, then the declared encoding, then UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    head = data[:200].decode("ascii", "replace")
    match = re.search(r"encoding\s*=\s*[\"']([A-Za-z0-9._-]{1,32})[\"']", head)
    encoding = match.group(1).lower() if match else "utf-8"
    if encoding.replace("_", "-") not in {
        "utf-8",
        "utf8",
        "us-ascii",
        "ascii",
        "iso-8859-1",
        "latin-1",
        "latin1",
        "windows-1252",
        "cp1252",
    }:
        return None
    return data.decode(encoding if encoding != "utf8" else "utf-8", "replace")


def _screen_xml(text: str) -> str | None:
    """Reason to refuse ``text`` before any parser sees it, or None."""
    lowered = text.lower()
    if "<!doctype" in lowered or "<!entity" in lowered or "<!element" in lowered:
        return "DOCTYPE/ENTITY declarations are not allowed"
    for match in re.finditer(r"<!", text):
        rest = text[match.start() : match.start() + 9]
        if not (rest.startswith("<!--") or rest.startswith("<![CDATA[")):
            return "markup declaration is not allowed"
    return None


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


# lower-cased element name -> SsdpRecord field
_DESCRIPTION_FIELDS = {key.lower(): name for key, name in UPNP_KEYS}


def parse_device_description(data: object) -> tuple[SsdpRecord | None, str | None]:
    """Parse a UPnP device description; ``(description, None)`` or ``(None, reason)``.

    Refuses documents over 64 KiB, any DOCTYPE/ENTITY/markup declaration (so no entity
    expansion or external entity can happen), nesting deeper than 16 and more than 2000
    elements. Never raises.
    """
    try:
        return _parse_device_description(data)
    except Exception as err:  # contract: never raise
        return None, f"unparseable description ({type(err).__name__})"


def _parse_device_description(data: object) -> tuple[SsdpRecord | None, str | None]:
    if isinstance(data, str):
        if len(data) > MAX_XML_BYTES:
            return None, "description larger than 64 KiB"
        text = data
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data[: MAX_XML_BYTES + 1])
        if len(raw) > MAX_XML_BYTES or len(data) > MAX_XML_BYTES:
            return None, "description larger than 64 KiB"
        decoded = _decode_xml(raw)
        if decoded is None:
            return None, "unsupported character encoding"
        text = decoded
    else:
        return None, "description is not text"
    if not text.strip():
        return None, "empty description"
    if (reason := _screen_xml(text)) is not None:
        return None, reason
    # the document is parsed from a str: drop the declaration so its encoding is not used
    text = re.sub(r"^\s*<\?xml[^>]{0,200}\?>", "", text, count=1)
    parser = ET.XMLPullParser(events=("start", "end"))
    stack: list[str] = []
    device_depth: int | None = None
    values: dict[str, str] = {}
    services: list[str] = []
    device_types: list[str] = []
    elements = 0
    for offset in range(0, len(text), 4096):
        parser.feed(text[offset : offset + 4096])
        for item in parser.read_events():
            if not isinstance(item, tuple) or len(item) != 2:
                continue
            event, element = item
            if not isinstance(element, ET.Element):
                continue
            name = _local(element.tag).lower()
            if event == "start":
                elements += 1
                stack.append(name)
                if len(stack) > MAX_XML_DEPTH:
                    return None, "description nested too deeply"
                if elements > MAX_XML_ELEMENTS:
                    return None, "description has too many elements"
                if name == "device" and device_depth is None:
                    device_depth = len(stack)
                continue
            stack.pop()
            if device_depth is None:
                continue
            depth = len(stack) + 1  # depth of the element that just ended
            value = clean_text(element.text)
            if depth == device_depth + 1 and name in _DESCRIPTION_FIELDS:
                values.setdefault(_DESCRIPTION_FIELDS[name], value)
            elif name == "servicetype" and value and len(services) < MAX_SERVICES:
                if value not in services:
                    services.append(value)
            elif (
                name == "devicetype"
                and depth > device_depth + 1
                and value
                and len(device_types) < MAX_SERVICES
                and value not in device_types
            ):
                device_types.append(value)
            if depth > 2:
                element.clear()
    parser.close()
    if device_depth is None:
        return None, "no <device> element"
    return SsdpRecord(**values, services=(*device_types, *services)), None
