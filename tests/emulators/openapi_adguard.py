"""Check requests and replies against AdGuard Home's OpenAPI spec (one file, local refs).

Implements the schema keywords the spec uses (``type``, ``properties``,
``required``, ``items``, ``enum``, ``additionalProperties``, ``minimum``,
``maximum``, ``maxItems``, ``$ref``) plus ``nullable``, ``allOf``, ``oneOf`` and
``anyOf``; annotations (``description``, ``example``, ``default``, ``format``,
``deprecated``) are not checked. Any other keyword is an error, so a schema this
checker does not understand never passes silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

SPEC = Path(__file__).resolve().parents[1] / "specs" / "adguardhome" / "openapi.yaml"
_ANNOTATIONS = frozenset({"description", "example", "default", "format", "deprecated", "title"})
_CHECKED = frozenset(
    {
        "type",
        "properties",
        "required",
        "items",
        "enum",
        "additionalProperties",
        "minimum",
        "maximum",
        "maxItems",
        "minItems",
        "$ref",
        "nullable",
        "allOf",
        "oneOf",
        "anyOf",
    }
)
_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


class AdGuardSpec:
    """AdGuard Home's API spec; paths relative to its server URL ``/control``."""

    def __init__(self, path: Path = SPEC) -> None:
        """Load the spec once."""
        self.doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.paths: dict[str, Any] = self.doc["paths"]

    def resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """Follow local ``$ref`` chains."""
        seen = 0
        while "$ref" in node:
            ref = str(node["$ref"])
            if not ref.startswith("#/"):
                raise AssertionError(f"unsupported $ref {ref}")
            target: Any = self.doc
            for part in ref[2:].split("/"):
                target = target[part]
            node = target
            seen += 1
            if seen > 50:
                raise AssertionError(f"$ref loop at {ref}")
        return node

    def validate(self, schema: Mapping[str, Any], value: object, where: str = "$") -> list[str]:
        """Return every mismatch of ``value`` against ``schema`` (empty when it fits)."""
        node = self.resolve(schema)
        unknown = set(node) - _CHECKED - _ANNOTATIONS
        if unknown:
            return [f"{where}: schema keyword(s) not supported: {sorted(unknown)}"]
        if value is None:
            return [] if node.get("nullable") else [f"{where}: null is not allowed"]
        errors: list[str] = []
        for sub in node.get("allOf", []):
            errors += self.validate(sub, value, where)
        for key in ("oneOf", "anyOf"):
            if key in node:
                fits = sum(not self.validate(sub, value, where) for sub in node[key])
                if fits == 0 or (key == "oneOf" and fits > 1):
                    errors.append(f"{where}: matches {fits} of {key}")
        kind = node.get("type")
        if kind is not None:
            if kind not in _TYPES:
                return [f"{where}: unknown type {kind!r}"]
            ok = isinstance(value, _TYPES[kind]) and not (
                kind in ("integer", "number") and isinstance(value, bool)
            )
            if not ok:
                return [*errors, f"{where}: {type(value).__name__} is not {kind}"]
        if "enum" in node and value not in node["enum"]:
            errors.append(f"{where}: {value!r} not in enum")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if "minimum" in node and value < node["minimum"]:
                errors.append(f"{where}: {value} < minimum {node['minimum']}")
            if "maximum" in node and value > node["maximum"]:
                errors.append(f"{where}: {value} > maximum {node['maximum']}")
        if isinstance(value, list):
            if "maxItems" in node and len(value) > node["maxItems"]:
                errors.append(f"{where}: more than {node['maxItems']} items")
            if "minItems" in node and len(value) < node["minItems"]:
                errors.append(f"{where}: fewer than {node['minItems']} items")
            if "items" in node:
                for i, item in enumerate(value):
                    errors += self.validate(node["items"], item, f"{where}[{i}]")
        if isinstance(value, dict):
            props: Mapping[str, Any] = node.get("properties", {})
            errors += [
                f"{where}: missing {k!r}" for k in node.get("required", []) if k not in value
            ]
            extra = node.get("additionalProperties", True)
            for key, item in value.items():
                if key in props:
                    errors += self.validate(props[key], item, f"{where}.{key}")
                elif extra is False:
                    errors.append(f"{where}: unexpected property {key!r}")
                elif isinstance(extra, Mapping):
                    errors += self.validate(extra, item, f"{where}.{key}")
        return errors

    def operation(self, method: str, path: str) -> Mapping[str, Any] | None:
        """The operation for ``method`` and ``path`` (without ``/control``), if documented."""
        item = self.paths.get(path)
        return None if item is None else item.get(method.lower())

    def check_request(
        self, method: str, path: str, query: Mapping[str, str], body: object, has_body: bool
    ) -> list[str]:
        """Mismatches of a request: unknown operation, query parameters, JSON body."""
        op = self.operation(method, path)
        where = f"{method} {path}"
        if op is None:
            return [f"{where}: not in the spec"]
        errors: list[str] = []
        params = {p["name"]: p for p in op.get("parameters", []) if p.get("in") == "query"}
        for name, raw in query.items():
            if name not in params:
                errors.append(f"{where}: undocumented query parameter {name!r}")
                continue
            schema = self.resolve(params[name].get("schema", {}))
            value: object = raw
            if schema.get("type") == "integer":
                try:
                    value = int(raw)
                except ValueError:
                    errors.append(f"{where}: {name}={raw!r} is not an integer")
                    continue
            if schema.get("type") != "array":
                errors += self.validate(schema, value, f"{where}?{name}")
        request = op.get("requestBody")
        if request is None:
            if has_body:
                errors.append(f"{where}: a body where the spec has none")
            return errors
        request = self.resolve(request)
        if not has_body:
            if request.get("required"):
                errors.append(f"{where}: the required body is missing")
            return errors
        media = request.get("content", {}).get("application/json")
        if media is None:
            return [*errors, f"{where}: the spec takes no JSON body"]
        return errors + self.validate(media["schema"], body, f"{where} body")

    def check_reply(
        self, method: str, path: str, status: int, content_type: str, body: object
    ) -> list[str]:
        """Mismatches of a reply: undocumented status, or a JSON body off its schema."""
        op = self.operation(method, path)
        where = f"{method} {path} -> {status}"
        if op is None:
            return []  # Already reported for the request.
        responses = op.get("responses", {})
        reply = responses.get(str(status), responses.get("default"))
        if reply is None:
            # 401 comes from the security scheme (basicAuth) on every operation.
            return [] if status == 401 else [f"{where}: status not documented"]
        media = self.resolve(reply).get("content", {}).get("application/json")
        if media is None:
            return (
                [f"{where}: JSON where the spec documents none"]
                if content_type == "application/json"
                else []
            )
        if content_type != "application/json":
            return [f"{where}: {content_type or 'no content type'} where the spec documents JSON"]
        return self.validate(media["schema"], body, f"{where} body")
