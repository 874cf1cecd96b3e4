"""Hot reads: statements built with SQLAlchemy Core and compiled once, run without an ORM session.

The reads that planning systems and clients poll (a village, a village list, adopted activities) spent
two thirds of their CPU in SQLAlchemy: an `AsyncSession` set up and torn down for one statement, and the
statement's execution machinery (py-spy under `bench/bench_villages.py`). On PostgreSQL a `ReadStatement` is
compiled once by SQLAlchemy for the engine's dialect and then run straight on the asyncpg connection checked
out of the engine's own pool, with the column types' bind and result processors applied as SQLAlchemy would.
On SQLite (or another driver, or once the request has its ORM session) the same statement runs through
SQLAlchemy Core on the request's session. Both answer rows as `Row`s (dicts that also answer
`row.column`), so the code above them is one.

A statement must name all its parameters (`bindparam("code")`, `.limit(bindparam("limit"))`): a value
baked into a statement compiled once would leak into every later request, so every parameter has to be
given on every call (`KeyError` otherwise).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from sqlalchemy import ColumnElement, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Insert, Select
from sqlalchemy.sql.selectable import TextualSelect
from sqlalchemy.util.concurrency import greenlet_spawn

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.pool import PoolProxiedConnection

    from app.core.db import Database


# A SELECT of any columns, a textual statement with its result columns typed (`text(...).columns(...)`), or
# an INSERT with RETURNING (`app.core.direct` runs writes too).
AnySelect: TypeAlias = "Select[*tuple[Any, ...]] | TextualSelect | Insert"


def _answered(statement: AnySelect) -> Iterable[ColumnElement[Any]]:
    """The columns a statement's rows have (an INSERT's: those it returns)."""
    return statement.exported_columns if isinstance(statement, Insert) else statement.selected_columns


class Row(dict[str, Any]):
    """A row as a dict that also answers `row.column`, as SQLAlchemy's rows do."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # parameter names in positional order
    bind: tuple[_Processor, ...]
    columns: tuple[str, ...]
    result: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column index, processor) where there is one

    def arguments(self, params: dict[str, Any]) -> list[Any]:
        """The driver's positional arguments, each value through its type's bind processor."""
        return [
            value if processor is None else processor(value)
            for value, processor in zip([params[n] for n in self.names], self.bind, strict=True)
        ]

    def rows(self, records: list[Any]) -> list[Row]:
        """The driver's records as `Row`s, each value through its column type's result processor."""
        rows: list[Row] = []
        for record in records:
            values = list(record.values())
            for index, processor in self.result:
                values[index] = processor(values[index])
            rows.append(Row(zip(self.columns, values, strict=True)))
        return rows


class ReadStatement:
    """A Core SELECT (or another `AnySelect`) whose every parameter is named; compiled once per dialect on
    first use."""

    def __init__(self, statement: AnySelect) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}
        binds = statement.compile().binds
        for name, bind in binds.items():
            if bind.expanding or bind.value is not None or bind.callable is not None:
                raise ValueError(f"read statement parameter {name!r} must be a plain named bindparam")
        self.parameters = frozenset(binds)
        for column in _answered(statement):
            # A Numeric's result processor needs the driver's column type, known only once rows come back;
            # money is kept in whole satang (integers) anyway.
            if isinstance(column.type, Numeric):
                raise ValueError(f"read statement column {column.key!r}: Numeric is not supported")
            if column.key is None or hasattr(dict, column.key):
                raise ValueError(f"read statement column {column.key!r}: needs a name, not a dict method's")

    def check(self, params: dict[str, Any]) -> None:
        if params.keys() != self.parameters:
            missing, extra = self.parameters - params.keys(), params.keys() - self.parameters
            if missing:
                raise KeyError(f"read statement parameters not given: {sorted(missing)}")
            raise KeyError(f"read statement has no parameters named {sorted(extra)}")

    def compiled(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _compile(self.statement, dialect)
        return compiled


Condition = Callable[[], ColumnElement[bool]]


class ReadFamily:
    """The statements of one hot read, one per combination of the conditions a request uses.

    A request builds its statement and its parameters in one place, a `ReadQuery`: each condition is added
    together with the values of the parameters it names, and the statement for that combination of
    conditions is built and compiled once (bounded: the combinations in use are few). The statement and
    its parameters therefore cannot disagree, and a condition whose parameters were not given (or values
    given for a condition not added) is an error at once (`ReadStatement.check`)."""

    def __init__(
        self,
        base: Callable[[], Select[Any]],
        finish: Callable[[Select[Any]], Select[Any]],
        *,
        size: int = 256,
    ) -> None:
        self._base = base
        self._finish = finish
        self._size = size
        self._statements: dict[tuple[Hashable, ...], ReadStatement] = {}

    def query(self, **params: Any) -> ReadQuery:
        """A new query with the parameters of the base statement and of `finish` (say, `limit`)."""
        return ReadQuery(self, params)

    def statement(self, keys: tuple[Hashable, ...], conditions: list[Condition]) -> ReadStatement:
        statement = self._statements.get(keys)
        if statement is None:
            query = self._base()
            for condition in conditions:
                query = query.where(condition())
            statement = ReadStatement(self._finish(query))
            if len(self._statements) >= self._size:
                self._statements.pop(next(iter(self._statements)))
            self._statements[keys] = statement
        return statement


class ReadQuery:
    """One request's statement of a `ReadFamily`, and its parameters."""

    __slots__ = ("_conditions", "_family", "_keys", "params")

    def __init__(self, family: ReadFamily, params: dict[str, Any]) -> None:
        self._family = family
        self._keys: list[Hashable] = []
        self._conditions: list[Condition] = []
        self.params = params

    def where(self, key: Hashable, condition: Condition, **params: Any) -> ReadQuery:
        """Add a condition (built only the first time its combination is seen, so given as a function),
        named by `key` (which must tell apart every condition the function can build), and the values of
        the parameters it names."""
        self._keys.append(key)
        self._conditions.append(condition)
        self.params.update(params)
        return self

    @property
    def statement(self) -> ReadStatement:
        return self._family.statement(tuple(self._keys), self._conditions)


def _compile(statement: AnySelect, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ())
    bind_processors = tuple(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    columns: list[str] = []
    result: list[tuple[int, Callable[[Any], Any]]] = []
    for index, column in enumerate(_answered(statement)):
        assert column.key is not None  # checked by ReadStatement
        columns.append(column.key)
        processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if processor is not None:
            result.append((index, processor))
    return _Compiled(compiled.string, names, bind_processors, tuple(columns), tuple(result))


class Transaction(Protocol):
    """What reads need of the request's unit of work (`app.core.uow.UnitOfWork`)."""

    @property
    def db(self) -> Database: ...

    @property
    def has_session(self) -> bool: ...

    async def session(self) -> AsyncSession: ...


class Reads:
    """The read statements of one request. PostgreSQL: one pooled asyncpg connection, checked out on first
    use and returned by `close()` (thrown away instead if a statement on it failed or was cancelled).

    A request never holds two pooled connections: once it has an ORM session, reads run through it (on its
    connection), and opening the session gives back the one reads had. (Holding one while waiting for a
    second, enough concurrent requests would each wait for a connection another holds.)"""

    def __init__(self, uow: Transaction) -> None:
        self._uow = uow
        self._db = uow.db
        self._dialect: Dialect = uow.db.engine.dialect
        self._direct = self._dialect.driver == "asyncpg"
        self._pooled: PoolProxiedConnection | None = None
        self._broken = False

    async def all(self, statement: ReadStatement, **params: Any) -> list[Row]:
        statement.check(params)
        if not self._direct or self._uow.has_session:
            # SQLite, or a request that already has its session: through SQLAlchemy, on the session's
            # connection (which SQLAlchemy also throws away if a statement on it is cancelled).
            session = await self._uow.session()
            conn = await session.connection()
            return [Row(row._mapping) for row in await conn.execute(statement.statement, params)]
        compiled = statement.compiled(self._dialect)
        args = compiled.arguments(params)
        driver = await self._driver()
        try:
            records = await driver.fetch(compiled.sql, *args)
        except BaseException:
            self._broken = True
            raise
        return compiled.rows(records)

    async def run(self, query: ReadQuery) -> list[Row]:
        """The rows of a query built with a `ReadFamily`."""
        return await self.all(query.statement, **query.params)

    async def first(self, statement: ReadStatement, **params: Any) -> Row | None:
        rows = await self.all(statement, **params)
        return rows[0] if rows else None

    async def session(self) -> AsyncSession:
        """The request's ORM session, for a step that is not a hot read (a rare scope check, say)."""
        return await self._uow.session()

    async def _driver(self) -> Any:
        if self._pooled is None:
            self._pooled = await self._db.engine.raw_connection()
        return self._pooled.driver_connection

    async def close(self) -> None:
        """Give the connection back to the pool (the request is done, or is opening its session)."""
        pooled, self._pooled = self._pooled, None
        broken, self._broken = self._broken, False
        if pooled is not None:
            await greenlet_spawn(pooled.invalidate if broken else pooled.close)
