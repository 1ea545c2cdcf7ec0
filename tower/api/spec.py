"""The OpenAPI 3.1 document, built with apispec from the operation table (tower/api/framework.py)
and the pydantic models each operation names, and a docs page tower renders itself (no CDN,
no script: the document as HTML)."""

from __future__ import annotations

import html
from functools import cache
from typing import Any

from apispec import APISpec
from pydantic import BaseModel

from tower.api.framework import MAX_BODY_BYTES, Api, Operation
from tower.api.problems import MEDIA_TYPE, ProblemBody
from tower.auth.tokens import SCOPES

VERSION = "1.0.0"
_ERRORS = {400: "The request is not accepted (unknown or invalid parameter, bad cursor)",
           401: "No token, or a token that is unknown, revoked or expired",
           403: "The token lacks the scope, or its user's role may not read this",
           404: "Unknown, or outside the caller's warehouses",
           405: "Method not allowed", 413: f"Body larger than {MAX_BODY_BYTES} bytes",
           410: "The cursor is older than the retained feed: resync, then start without a cursor",
           415: "Body is not JSON", 422: "Understood but not done (the message says why)",
           429: "Rate limit reached; see Retry-After", 500: "Unexpected error (logged with the request id)"}


def _schema(spec: APISpec, model: Any) -> dict[str, Any]:
    """A $ref to `model`, adding it and the models it uses to the components."""
    from pydantic import TypeAdapter

    adapter = TypeAdapter(model)
    schema = adapter.json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
    for name, sub in schema.pop("$defs", {}).items():
        if name not in spec.components.schemas:
            spec.components.schema(name, sub)
    if isinstance(model, type) and issubclass(model, BaseModel):
        if model.__name__ not in spec.components.schemas:
            spec.components.schema(model.__name__, schema)
        return {"$ref": f"#/components/schemas/{model.__name__}"}
    return schema


def _input_schema(model: Any) -> dict[str, Any]:
    from pydantic import TypeAdapter

    return TypeAdapter(model).json_schema(ref_template="#/components/schemas/{model}", mode="validation")


def _parameters(op: Operation) -> list[dict[str, Any]]:
    out = [{"name": name, "in": "path", "required": True, "description": text,
            "schema": {"type": "integer", "minimum": 0} if f"<int:{name}>" in op.rule else
            {"type": "string", "minLength": 1, "maxLength": 200}} for name, text in op.path_params.items()]
    if op.query is not None:
        schema = _input_schema(op.query)
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            prop = dict(prop)
            description = prop.pop("description", "")
            prop.pop("title", None)
            out.append({"name": name, "in": "query", "required": name in required, "schema": prop,
                        **({"description": description} if description else {})})
    return out


def _operation(spec: APISpec, op: Operation, problem: dict[str, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if op.response is not None:
        responses[str(op.status)] = {"description": "OK", "content": {"application/json": {
            "schema": _schema(spec, op.response)}}}
    elif op.raw:
        media = op.media or "application/json"
        responses[str(op.status)] = {"description": "OK", "content": {media: {
            "schema": {"type": "string"} if media.startswith("text/") else {"type": "object"}}}}
    codes = [400, 404, 405, 500] if op.scope is None else [400, 401, 403, 404, 405, 429, 500]
    codes += list(op.errors)
    if op.body is not None:
        codes += [413, 415, 422]
    if op.scope is not None and op.method == "POST":
        codes.append(422)
    for code in sorted(set(codes)):
        responses[str(code)] = {"description": _ERRORS[code], "content": {MEDIA_TYPE: {"schema": problem}}}
    out: dict[str, Any] = {"summary": op.summary, "description": op.description, "tags": [op.tag],
                           "operationId": op.handler.__name__, "responses": responses,
                           "parameters": _parameters(op)}
    if op.scope is not None:
        out["security"] = [{"bearer": [op.scope]}]
        out["description"] += f"\n\nNeeds the `{op.scope}` scope" + (
            f" and a role that may open /{op.page}." if op.page else ".")
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": _input_schema(op.body) if not (isinstance(op.body, type) and issubclass(op.body, BaseModel))
            else _schema(spec, op.body)}}}
        for name, sub in out["requestBody"]["content"]["application/json"]["schema"].pop("$defs", {}).items():
            if name not in spec.components.schemas:
                spec.components.schema(name, sub)
    return out


def build(api: Api) -> dict[str, Any]:
    spec = APISpec(title="tower API", version=VERSION, openapi_version="3.1.0", info={
        "description": "Orders, exceptions, queues, teams, KPIs, integrations and a change feed of an "
                       "operations control tower. Errors are RFC 9457 problem details; times are ISO 8601 "
                       "with a zone; every response carries X-Request-Id. See the README for the "
                       "deprecation policy (Deprecation and Sunset headers)."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "description": "An API token "
                                    "(`tower tokens create`). Scopes: " + "; ".join(f"{k}: {v}" for k, v in SCOPES.items())})
    problem = _schema(spec, ProblemBody)
    paths: dict[str, dict[str, Any]] = {}
    for op in api.operations:
        paths.setdefault(op.openapi_path, {})[op.method.lower()] = _operation(spec, op, problem)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@cache
def document(api: Api) -> dict[str, Any]:
    return build(api)


def docs_page(doc: dict[str, Any]) -> str:
    """The document as a readable HTML page: each operation, its parameters and responses."""
    e = html.escape
    parts = [f"<!doctype html><html lang=en><meta charset=utf-8><title>{e(doc['info']['title'])}</title>",
             "<style>body{font-family:system-ui;max-width:60em;margin:2em auto;padding:0 1em}"
             "code,pre{background:#f4f4f4;padding:0 .2em}section{border-top:1px solid #ddd;margin-top:1em}"
             "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left}</style>",
             f"<h1>{e(doc['info']['title'])} {e(doc['info']['version'])}</h1><p>{e(doc['info']['description'])}</p>",
             "<p>Machine-readable: <a href='/api/v1/openapi.json'>/api/v1/openapi.json</a> (OpenAPI "
             f"{e(doc['openapi'])}).</p>"]
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            parts.append(f"<section id='{e(op['operationId'])}'><h2><code>{e(method.upper())} {e(path)}</code> "
                         f"— {e(op['summary'])}</h2><p>{e(op.get('description', ''))}</p>")
            if op.get("parameters"):
                parts.append("<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th>"
                             "<th>description</th></tr>")
                for p in op["parameters"]:
                    parts.append(f"<tr><td><code>{e(p['name'])}</code></td><td>{e(p['in'])}</td>"
                                 f"<td>{'yes' if p.get('required') else 'no'}</td>"
                                 f"<td><code>{e(str(p['schema']))}</code></td><td>{e(p.get('description', ''))}</td></tr>")
                parts.append("</table>")
            parts.append("<p>Responses: " + ", ".join(f"<b>{e(code)}</b> {e(r['description'])}"
                                                      for code, r in op["responses"].items()) + "</p></section>")
    parts.append("<section><h2>Schemas</h2>")
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        props = schema.get("properties", {})
        parts.append(f"<h3 id='schema-{e(name)}'>{e(name)}</h3><p>" + ", ".join(
            f"<code>{e(k)}</code>" for k in props) + "</p>")
    parts.append("</section></html>")
    return "".join(parts)
