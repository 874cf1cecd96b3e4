"""Running a read route's dependencies from a plan made once, instead of walking the dependency tree.

FastAPI's `solve_dependencies` walks a route's tree on every request: it re-solves a shared sub-dependency
under each parent that uses it (our caller, under the router and under the access rule), and inspects each
callable again. On the read paths that planning systems poll this was the largest single cost of a
request (a third of the CPU, measured with py-spy under `bench/bench_villages.py`).

`compile_read(route)` flattens the tree once into the order FastAPI would call it, each callable once (as
FastAPI's per-request cache does), with the same parameter validation (FastAPI's own
`request_params_to_args`) and the same errors (`RequestValidationError`, rendered as problem+json by the
handlers in `app.core.errors`). Routes it cannot plan exactly are left to FastAPI: anything but GET, request
bodies, generator or synchronous dependencies, background tasks, security scopes. So is every request
while `app.dependency_overrides` holds anything (the tests' way of replacing a dependency).

Kept on measurement (issue 15, 2026-12-01, `bench/bench_villages.py --rounds 2`, national dataset, same
machine and hour): with FastAPI's own solving on every route the app spent 1,083 µs of CPU per village read
against 414 µs with this plan (baseline 146–158 µs), 2,403 against 749 µs per page of the village list;
rps ratios against the bare baseline fell from 0.43 to 0.17 (get) and from 0.88 to 0.18 (list). The price is
this seam on FastAPI's private functions, so: FastAPI and Starlette are pinned to the tested minor versions
(pyproject.toml, constraints.txt), and `tests/core/test_fastpath.py` runs every planned route both ways, for
good and bad requests and four kinds of caller, and compares status, headers and body.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_params_to_args
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, serialize_response
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class _Step:
    dependant: Dependant
    call: Callable[..., Awaitable[Any]]
    subs: list[tuple[str, int]] = field(default_factory=list)  # (argument name, step index)
    # The parameters it takes from the request, by where they come from (only the kinds it has: parsing
    # cookies, say, is not free).
    params: list[tuple[Any, Callable[[Request], Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        d = self.dependant
        sources: list[tuple[Any, Callable[[Request], Any]]] = [
            (d.path_params, lambda r: r.path_params),
            (d.query_params, lambda r: r.query_params),
            (d.header_params, lambda r: r.headers),
            (d.cookie_params, lambda r: r.cookies),
        ]
        self.params = [(params, source) for params, source in sources if params]


def _is_async(call: Any) -> bool:
    if inspect.isclass(call):
        return False
    if inspect.iscoroutinefunction(call):
        return True
    method = getattr(call, "__call__", None)  # noqa: B004  (instances such as HTTPBearer)
    return inspect.iscoroutinefunction(method)


def _plannable(dependant: Dependant) -> bool:
    return not (
        dependant.body_params
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
        or dependant.websocket_param_name
        or not dependant.use_cache
    )


def _plan(route: APIRoute) -> list[_Step] | None:
    """The route's dependencies in calling order, the endpoint last; None if it cannot be planned."""
    steps: list[_Step] = []
    index_of: dict[Any, int] = {}

    def visit(dependant: Dependant, is_endpoint: bool) -> int | None:
        if not _plannable(dependant):
            return None
        call = dependant.call
        if call is None or not _is_async(call):
            return None
        if not is_endpoint and call in index_of:
            return index_of[call]
        subs: list[tuple[str, int]] = []
        for sub in dependant.dependencies:
            position = visit(sub, False)
            if position is None:
                return None
            if sub.name is not None:
                subs.append((sub.name, position))
        if not is_endpoint and dependant.response_param_name:
            return None
        steps.append(_Step(dependant, call, subs))
        if not is_endpoint:
            index_of[call] = len(steps) - 1
        return len(steps) - 1

    return steps if visit(route.dependant, True) is not None else None


def compile_read(route: APIRoute) -> Handler | None:
    """A handler for a GET route that does what FastAPI's does, from a plan; None when not plannable."""
    default_class = type(route.response_class).__name__ == "DefaultPlaceholder"
    if route.methods != {"GET"} or route.body_field is not None or not default_class:
        return None
    steps = _plan(route)
    if steps is None:
        return None
    endpoint_step = steps[-1]
    wants_response = endpoint_step.dependant.response_param_name

    async def handle(request: Request) -> Response:
        results: list[Any] = [None] * len(steps)
        failed = [False] * len(steps)
        errors: list[Any] = []
        sub_response: Response | None = None
        for position, step in enumerate(steps):
            dependant = step.dependant
            kwargs: dict[str, Any] = {}
            broken = False
            for name, source in step.subs:
                if failed[source]:
                    broken = True
                else:
                    kwargs[name] = results[source]
            for params, source_of in step.params:
                values, param_errors = request_params_to_args(params, source_of(request))
                if param_errors:
                    errors.extend(param_errors)
                    broken = True
                kwargs.update(values)
            if broken:
                failed[position] = True
                continue
            if dependant.request_param_name:
                kwargs[dependant.request_param_name] = request
            if dependant.http_connection_param_name:
                kwargs[dependant.http_connection_param_name] = request
            if position == len(steps) - 1:
                if errors:
                    break
                if wants_response:
                    sub_response = Response()
                    del sub_response.headers["content-length"]
                    sub_response.status_code = None  # type: ignore[assignment]
                    kwargs[wants_response] = sub_response
            results[position] = await step.call(**kwargs)
        if errors:
            raise RequestValidationError(errors, body=None)
        raw = results[-1]
        if isinstance(raw, Response):
            return raw
        if route.response_field is None:
            return JSONResponse(jsonable_encoder(raw), status_code=route.status_code or 200)
        content = await serialize_response(
            field=route.response_field,
            response_content=raw,
            include=route.response_model_include,
            exclude=route.response_model_exclude,
            by_alias=route.response_model_by_alias,
            exclude_unset=route.response_model_exclude_unset,
            exclude_defaults=route.response_model_exclude_defaults,
            exclude_none=route.response_model_exclude_none,
            is_coroutine=True,
            dump_json=True,
        )
        status = (sub_response.status_code if sub_response is not None else None) or route.status_code or 200
        response = Response(content=content, media_type="application/json", status_code=status)
        if sub_response is not None:
            response.headers.raw.extend(sub_response.headers.raw)
        return response

    return handle
