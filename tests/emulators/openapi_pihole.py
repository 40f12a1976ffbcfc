"""Check requests and replies against Pi-hole's OpenAPI 3.0 specs (split over several files).

Pi-hole's specs live in one file per area and point into each other with
cross-file references (``common.yaml#/components/schemas/took``); this module
loads each file once, resolves ``$ref`` relative to the file it appears in, and
implements the subset of OpenAPI 3.0 schema keywords those files use: ``type``,
``nullable``, ``enum``, ``properties``, ``required``, ``additionalProperties``,
``items``, ``allOf``, ``oneOf``, ``anyOf`` and ``readOnly`` (a read-only
property in a request body is an error).

Paths are matched against ``main.yaml``'s templates. Pi-hole documents some
trailing path parameters as optional (``GET /domains/{type}/{kind}/{domain}``
also serves ``/domains/deny/exact``), so a GET may omit trailing parameters of
a template when no template matches the path as a whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SPEC_DIR = Path(__file__).resolve().parents[1] / "specs" / "pihole-v6"
# Query parameters the security schemes allow on every operation.
_SECURITY_QUERY = frozenset({"sid"})
# Body fields an operation's description documents but its schema leaves out.
_PROSE_FIELDS = {("post", "/auth"): frozenset({"totp"})}


class SpecError(AssertionError):
    """A request or reply does not match the spec."""


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the spec, with where it was found."""

    method: str
    template: str
    node: dict[str, Any]
    file: str
    parameters: tuple[dict[str, Any], ...]
    path_params: dict[str, str] = field(default_factory=dict)

    @property
    def has_body(self) -> bool:
        """Whether the operation takes a request body."""
        return "requestBody" in self.node


@dataclass(frozen=True, slots=True)
class _Route:
    template: str
    segments: tuple[str, ...]
    item: dict[str, Any]
    file: str


def _split(path: str) -> tuple[str, ...]:
    return tuple(part for part in path.split("/") if part)


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


class OpenApiSpec:
    """Pi-hole's API spec, rooted at ``main.yaml``."""

    def __init__(self, root: Path = SPEC_DIR, main: str = "main.yaml") -> None:
        """Load ``main`` and the path items it points to."""
        self._root = root
        self._files: dict[str, dict[str, Any]] = {}
        self._routes: list[_Route] = []
        for template, item in self._load(main)["paths"].items():
            node, file = self.resolve(item, main)
            self._routes.append(_Route(template, _split(template), node, file))

    def _load(self, name: str) -> dict[str, Any]:
        if name not in self._files:
            text = (self._root / name).read_text(encoding="utf-8")
            self._files[name] = yaml.safe_load(text)
        return self._files[name]

    def resolve(self, node: Any, file: str) -> tuple[Any, str]:
        """Follow ``$ref`` (also across files) until a node that is no reference."""
        while isinstance(node, dict) and "$ref" in node:
            ref = str(node["$ref"])
            target, _, pointer = ref.partition("#")
            file = target or file
            node = self._load(file)
            for part in (p for p in pointer.split("/") if p):
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node, file

    # -- operations --------------------------------------------------------

    def operation(self, method: str, path: str) -> Operation:
        """Find the operation for ``method`` on ``path`` (below ``/api``)."""
        method = method.lower()
        segments = _split(path)
        for allow_short in (False, True):
            for route in self._routes:
                if method not in route.item:
                    continue
                params = self._match(route.segments, segments, allow_short=allow_short)
                if params is None:
                    continue
                op_node, op_file = self.resolve(route.item[method], route.file)
                declared = [
                    self.resolve(p, route.file)[0] for p in route.item.get("parameters", [])
                ] + [self.resolve(p, op_file)[0] for p in op_node.get("parameters", [])]
                return Operation(method, route.template, op_node, op_file, tuple(declared), params)
        raise SpecError(f"no operation {method.upper()} {path} in the spec")

    @staticmethod
    def _match(
        template: tuple[str, ...], segments: tuple[str, ...], *, allow_short: bool
    ) -> dict[str, str] | None:
        if len(segments) > len(template):
            return None
        short = len(segments) < len(template)
        if short and (not allow_short or not all(_is_param(s) for s in template[len(segments) :])):
            return None
        params: dict[str, str] = {}
        for want, got in zip(template, segments, strict=False):
            if _is_param(want):
                params[want[1:-1]] = got
            elif want != got:
                return None
        return params

    def validate_request(
        self, op: Operation, query: Mapping[str, str], body: object | None, *, has_body: bool
    ) -> None:
        """Check path and query parameters and the JSON body of a request."""
        declared = {(p["in"], p["name"]): p for p in op.parameters}
        for name, value in op.path_params.items():
            param = declared.get(("path", name))
            if param is None:
                raise SpecError(f"{op.template}: undeclared path parameter {name}")
            self._check_scalar(param, value, op)
        for name, value in query.items():
            param = declared.get(("query", name))
            if param is None:
                if name in _SECURITY_QUERY:
                    continue
                raise SpecError(
                    f"{op.method.upper()} {op.template}: unknown query parameter {name}"
                )
            self._check_scalar(param, value, op)
        for (where, name), param in declared.items():
            if where == "query" and param.get("required") and name not in query:
                raise SpecError(f"{op.template}: missing query parameter {name}")
        request_body = op.node.get("requestBody")
        if request_body is None:
            if has_body:
                raise SpecError(f"{op.method.upper()} {op.template} takes no body")
            return
        request_body, file = self.resolve(request_body, op.file)
        if not has_body:
            if request_body.get("required"):
                raise SpecError(f"{op.method.upper()} {op.template} needs a body")
            return
        schema = request_body["content"]["application/json"]["schema"]
        self.validate(schema, body, file, where="request", writing=True)
        # FTL ignores fields it does not know; a client sending one has misread the spec.
        declared = self._declared(schema, file)
        if isinstance(body, dict) and declared is not None:
            prose = _PROSE_FIELDS.get((op.method, op.template), frozenset())
            extra = sorted(set(body) - declared - _SECURITY_QUERY - prose)
            if extra:
                raise SpecError(f"{op.method.upper()} {op.template}: undeclared field {extra}")

    def _declared(self, schema: Any, file: str) -> set[str] | None:
        """Return the property names a body schema declares (None: any object goes)."""
        schema, file = self.resolve(schema, file)
        parts = [*schema.get("allOf", []), *schema.get("oneOf", []), *schema.get("anyOf", [])]
        names = set(schema.get("properties", {}))
        if not parts and not names:
            return None if schema.get("type", "object") == "object" else set()
        for part in parts:
            found = self._declared(part, file)
            if found is None:
                return None
            names |= found
        return names

    def _check_scalar(self, param: dict[str, Any], raw: str, op: Operation) -> None:
        kind = param.get("schema", {}).get("type", "string")
        ok = True
        if kind == "integer":
            ok = raw.lstrip("-").isdigit()
        elif kind == "number":
            try:
                float(raw)
            except ValueError:
                ok = False
        elif kind == "boolean":
            ok = raw in {"true", "false"}
        enum = param.get("schema", {}).get("enum")
        if enum is not None and raw not in enum:
            ok = False
        if not ok:
            raise SpecError(f"{op.template}: parameter {param['name']}={raw!r} is no {kind}")

    def validate_response(self, op: Operation, status: int, body: object | None) -> None:
        """Check that ``status`` is documented for ``op`` and ``body`` fits its schema."""
        responses = op.node["responses"]
        reply = responses.get(str(status), responses.get("default"))
        if reply is None:
            raise SpecError(f"{op.method.upper()} {op.template}: status {status} is undocumented")
        reply, file = self.resolve(reply, op.file)
        content = reply.get("content")
        if content is None:
            if body is not None:
                raise SpecError(f"{op.template}: status {status} has no body in the spec")
            return
        schema = content["application/json"]["schema"]
        self.validate(schema, body, file, where=f"reply {status}", writing=False)

    # -- schemas -----------------------------------------------------------

    def validate(
        self, schema: Any, value: object, file: str, *, where: str = "", writing: bool = False
    ) -> None:
        """Validate ``value`` against ``schema`` (found in ``file``)."""
        errors = self._errors(schema, value, file, "$", writing=writing)
        if errors:
            raise SpecError(f"{where}: " + "; ".join(errors[:5]))

    def _errors(
        self, schema: Any, value: object, file: str, at: str, *, writing: bool
    ) -> list[str]:
        schema, file = self.resolve(schema, file)
        if not isinstance(schema, dict):
            return [f"{at}: bad schema"]
        if value is None and schema.get("nullable"):
            return []
        errors: list[str] = []
        for sub in schema.get("allOf", []):
            errors += self._errors(sub, value, file, at, writing=writing)
        if "oneOf" in schema:
            passing = sum(
                not self._errors(s, value, file, at, writing=writing) for s in schema["oneOf"]
            )
            if passing != 1:
                errors.append(f"{at}: matches {passing} of oneOf")
        if "anyOf" in schema and all(
            self._errors(s, value, file, at, writing=writing) for s in schema["anyOf"]
        ):
            errors.append(f"{at}: matches none of anyOf")
        if "enum" in schema and value not in schema["enum"]:
            errors.append(f"{at}: {value!r} not in {schema['enum']}")
        kind = schema.get("type")
        if kind is None:
            return errors
        if not _is_type(kind, value):
            return [*errors, f"{at}: {type(value).__name__} is no {kind}"]
        if kind == "object":
            assert isinstance(value, dict)
            props: dict[str, Any] = schema.get("properties", {})
            for name in schema.get("required", []):
                if name not in value:
                    errors.append(f"{at}: missing {name}")
            extra = schema.get("additionalProperties", True)
            for name, item in value.items():
                if name in props:
                    prop, prop_file = self.resolve(props[name], file)
                    if writing and isinstance(prop, dict) and prop.get("readOnly"):
                        errors.append(f"{at}.{name}: read-only")
                    errors += self._errors(prop, item, prop_file, f"{at}.{name}", writing=writing)
                elif extra is False:
                    errors.append(f"{at}: unexpected {name}")
                elif isinstance(extra, dict):
                    errors += self._errors(extra, item, file, f"{at}.{name}", writing=writing)
        elif kind == "array":
            assert isinstance(value, list)
            for i, item in enumerate(value):
                errors += self._errors(
                    schema.get("items", {}), item, file, f"{at}[{i}]", writing=writing
                )
        return errors


def _is_type(kind: str, value: object) -> bool:
    match kind:
        case "object":
            return isinstance(value, dict)
        case "array":
            return isinstance(value, list)
        case "string":
            return isinstance(value, str)
        case "boolean":
            return isinstance(value, bool)
        case "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        case "number":
            return isinstance(value, int | float) and not isinstance(value, bool)
    return False
