"""One transaction per request, committed before the response is sent.

`TransactionalRoute` wraps every API route: the session is opened lazily on first use, committed after the
handler returns (together with whatever the app's commit hooks add, such as the stored idempotent response:
`app.core.idempotency`), and rolled back on any error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_parameterless_sub_dependant
from fastapi.params import ParamTypes
from fastapi.routing import APIRoute
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import Database
from app.core.errors import bad_request_responses, problem_responses
from app.core.etag import if_match_required, not_modified
from app.core.fastpath import compile_read
from app.core.query import KnownQueryOnly, declared_names, known_query_only
from app.core.reads import Reads

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The key of a request's session's `info` that holds the request (for listeners that name its caller).
REQUEST_INFO = "request"
# Writes that REQUIRE_IF_MATCH applies to (a workflow action is a POST, guarded by the plan's state).
IF_MATCH_METHODS = frozenset({"PATCH", "PUT", "DELETE"})


@dataclass(frozen=True)
class CommitHook:
    """Work an app adds to every request's transaction, registered with `add_commit_hook` by the feature
    that needs it (so that this module knows none of them).

    `before_commit` runs after a successful (2xx) handler, in the request's transaction. `on_conflict` runs
    when the commit breaks a unique constraint: it answers the response to send instead (rolling the unit
    of work back first), or None to let the error be rendered."""

    before_commit: Callable[[Request, Response], Awaitable[None]]
    on_conflict: Callable[[Request], Awaitable[Response | None]]


def add_commit_hook(app: FastAPI, hook: CommitHook) -> None:
    hooks: list[CommitHook] = getattr(app.state, "commit_hooks", [])
    if hook not in hooks:
        app.state.commit_hooks = [*hooks, hook]


def commit_hooks(app: Any) -> list[CommitHook]:
    hooks: list[CommitHook] = getattr(app.state, "commit_hooks", [])
    return hooks


class UnitOfWork:
    def __init__(self, db: Database, write: bool, request: Request | None = None) -> None:
        self.db = db
        self._write = write
        self._request = request
        self._session: AsyncSession | None = None
        self._reads: Reads | None = None

    @property
    def has_session(self) -> bool:
        return self._session is not None

    async def session(self) -> AsyncSession:
        if self._session is None:
            if self._reads is not None:
                await self._reads.close()  # one pooled connection per request (see `Reads`)
            self._session = self.db.session()
            if self._request is not None:
                self._session.info[REQUEST_INFO] = self._request
            if self.db.is_sqlite and self._write:
                await self._session.connection(execution_options={"sqlite_immediate": True})
            elif not self.db.is_sqlite and not self._write:
                # A read needs no transaction: skipping BEGIN and COMMIT saves two round trips a request.
                await self._session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return self._session

    def reads(self) -> Reads:
        """Hot read statements, without an ORM session where the database allows (see `app.core.reads`)."""
        if self._reads is None:
            self._reads = Reads(self)
        return self._reads

    async def commit(self) -> None:
        if self._session is not None:
            await self._session.commit()

    async def rollback(self) -> None:
        if self._session is not None:
            await self._session.rollback()

    async def close(self) -> None:
        if self._reads is not None:
            reads, self._reads = self._reads, None
            await reads.close()
        if self._session is not None:
            await self._session.close()
            self._session = None


class TransactionalRoute(APIRoute):
    """Also, for every route: unknown query parameters refused (`app.core.query`), `If-None-Match` answered
    with 304 and `REQUIRE_IF_MATCH` applied (`app.core.etag`)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        # An unreadable body and a cursor that was never given out answer 400 before the handler runs:
        # declared on every route that takes one, so generated clients know it (a route's own entry wins).
        takes = bad_request_responses(
            body=self.body_field is not None, cursor=_takes_query(self.dependant, "cursor")
        )
        self.responses = {**takes, **self.responses}
        self.query_names = declared_names(self.dependant)
        headers = declared_names(self.dependant, ParamTypes.header)
        if (self.methods or set()) & IF_MATCH_METHODS and "If-Match" in headers:
            self.responses = {**self.responses, 428: problem_responses(428)[428]}

    def _refuse_unknown_query_last(self) -> None:
        """The unknown-parameter check runs after every other dependency (credentials and access rules are
        checked first, as for any parameter) and before the endpoint: its last sub-dependency, added once
        (FastAPI's `__init__` builds the handler, and so calls this, before `query_names` is known)."""
        dependencies = self.dependant.dependencies
        if not any(sub.call is known_query_only for sub in dependencies):
            check = get_parameterless_sub_dependant(depends=KnownQueryOnly, path=self.path_format)
            dependencies.append(check)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        self._refuse_unknown_query_last()
        handler = super().get_route_handler()
        fast = compile_read(self)
        provider = self

        async def run_in_transaction(request: Request) -> Response:
            hooks = commit_hooks(request.app)
            writes = request.method not in SAFE_METHODS or getattr(self.endpoint, "writes_on_read", False)
            uow = UnitOfWork(request.app.state.db, write=writes, request=request)
            request.state.uow = uow
            required = None
            if request.method in IF_MATCH_METHODS and request.app.state.settings.require_if_match:
                required = if_match_required.set(True)
            try:
                overrides = getattr(provider.dependency_overrides_provider, "dependency_overrides", None)
                response = await (fast(request) if fast is not None and not overrides else handler(request))
                if 200 <= response.status_code < 300:
                    for hook in hooks:
                        await hook.before_commit(request, response)
                try:
                    await uow.commit()
                except IntegrityError:
                    for hook in hooks:
                        answer = await hook.on_conflict(request)
                        if answer is not None:
                            return answer
                    raise
                return not_modified(request, response) or response
            except BaseException:
                await uow.rollback()
                raise
            finally:
                if required is not None:
                    if_match_required.reset(required)
                await uow.close()

        return run_in_transaction


def _takes_query(dependant: Dependant, name: str) -> bool:
    """Whether the route (or any of its dependencies) reads the query parameter `name`."""
    return any(p.alias == name for p in dependant.query_params) or any(
        _takes_query(d, name) for d in dependant.dependencies
    )


def writes_on_read(endpoint: Any) -> Any:
    """Mark a GET that also writes (rendering the plan book records that it exists)."""
    endpoint.writes_on_read = True
    return endpoint


async def get_session(request: Request) -> AsyncSession:
    return await request.state.uow.session()


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_reads(request: Request) -> Reads:
    return request.state.uow.reads()


ReadsDep = Annotated[Reads, Depends(get_reads)]
