"""Schemathesis hooks of the contract step (loaded through `hooks` in schemathesis.toml).

Schemathesis cannot write or read CBOR by itself, and never compresses a request body. The
document declares both for `POST /v1/sync` (a phone sends CBOR, often gzipped), so:

- `application/cbor` request bodies are generated like the JSON ones and encoded with cbor2;
  a value the schema marks `format: byte` (base64 text in JSON) becomes a CBOR byte string,
  as a phone sends it.
- `application/cbor` responses are decoded with cbor2 (byte strings back to base64 text, the
  JSON form the schema describes), so they are checked against the schema like JSON ones.
- Every other sync body (JSON or CBOR, chosen from a hash of the bytes, so a seeded run
  repeats) is gzipped and sent with `Content-Encoding: gzip`. Only `/v1/sync` takes a
  compressed body; the document says so in its request body's description.
- In the stateful phase, `GET /v1/dossiers` goes without filters (see `before_call`), so the
  links from the list reach the dossiers the step seeded.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import zlib
from typing import Any

import cbor2
import schemathesis
from schemathesis.transport import SerializationContext, register_serializer
from schemathesis.transport.requests import REQUESTS_TRANSPORT

GZIP_PATHS = {"/v1/sync"}


def _resolve(raw: dict, schema: Any) -> Any:
    """A schema with its local `$ref`s followed (`#/components/…`)."""
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 32:
        node: Any = raw
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(node, dict) else {}
        schema = node
        seen += 1
    return schema if isinstance(schema, dict) else {}


def _bytes_where_declared(raw: dict, schema: Any, value: Any) -> Any:
    """`value` with each base64 string the schema marks `format: byte` turned into bytes."""
    schema = _resolve(raw, schema)
    if isinstance(value, str) and schema.get("format") == "byte":
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return value  # not base64: sent as text, which the server refuses (body_invalid)
    if isinstance(value, list):
        items = schema.get("items", {})
        return [_bytes_where_declared(raw, items, v) for v in value]
    if isinstance(value, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", {})
        return {
            k: _bytes_where_declared(raw, props.get(k, extra if isinstance(extra, dict) else {}), v)
            for k, v in value.items()
        }
    return value


def _body_schema(ctx: SerializationContext, media_type: str) -> Any:
    op = ctx.case.operation
    raw = op.schema.raw_schema
    body = raw.get("paths", {}).get(op.path, {}).get(op.method.lower(), {}).get("requestBody", {})
    return raw, _resolve(raw, body).get("content", {}).get(media_type, {}).get("schema", {})


def _maybe_gzip(ctx: SerializationContext, data: bytes) -> dict[str, Any]:
    if ctx.case.operation.path in GZIP_PATHS and zlib.crc32(data) % 2 == 1:
        return {"data": gzip.compress(data, mtime=0), "headers": {"Content-Encoding": "gzip"}}
    return {"data": data}


def _cbor(ctx: SerializationContext, value: Any) -> dict[str, Any]:
    raw, schema = _body_schema(ctx, "application/cbor")
    return _maybe_gzip(ctx, cbor2.dumps(_bytes_where_declared(raw, schema, value)))


_builtin_json = REQUESTS_TRANSPORT.get_first_matching_media_type("application/json")[1]


def _json(ctx: SerializationContext, value: Any) -> dict[str, Any]:
    out = _builtin_json(ctx, value)
    if ctx.case.operation.path not in GZIP_PATHS:
        return out
    # The bytes `requests` would send for `json=`, to compress them.
    data = out.pop("data") if "data" in out else json.dumps(out.pop("json"), allow_nan=False).encode()
    return {**out, **_maybe_gzip(ctx, data)}


register_serializer(_cbor, "application/cbor")
register_serializer(_json, "application/json")


def _text_where_bytes(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, list):
        return [_text_where_bytes(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _text_where_bytes(v) for k, v in value.items()}
    return value


@schemathesis.deserializer("application/cbor")
def _cbor_response(ctx: Any, response: Any) -> Any:
    return _text_where_bytes(cbor2.loads(response.content))


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """In the stateful phase, dossiers are listed without filters, as the list page first asks.

    Random filters almost always list nothing, and the links from an empty list lead nowhere;
    the coverage and fuzzing phases test the filters. (The seeded dossiers are what the
    stateful phase's links should reach.)
    """
    meta = getattr(case, "meta", None)
    phase = getattr(getattr(getattr(meta, "phase", None), "name", None), "value", None)
    if phase == "stateful" and case.method.upper() == "GET" and case.path == "/v1/dossiers":
        case.query = {}
