"""One row inserted by a statement built once per process, or one instance loaded from a row that
hand-written SQL read, for the few hot paths (the counter's payment, its stored answer, the audit
entry, an API request's token) where compiling the ORM's statement costs more CPU than the database
spends running it (~0.4 ms against ~0.1 ms).

The values still go through each field's own ``get_db_prep_save`` (encryption, JSON, time zones),
so what is stored is what ``Model.objects.create`` would store. What is skipped is ``save()``:
no ``pre_save``/``post_save`` signals (a caller whose model feeds a stored figure calls
``core.figures.mark_saved``) and no field ``pre_save`` (``auto_now`` fields must be given).
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import weakref
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connections, transaction
from django.db.models import Field, Model
from django.db.models.expressions import Col

_M = TypeVar("_M", bound=Model)
_STATEMENTS: dict[tuple[type[Model], tuple[str, ...], str], tuple[str, list[Field[Any, Any]]]] = {}


def _statement(
    model: type[Model], names: list[str], quote: Callable[[str], str]
) -> tuple[str, list[Field[Any, Any]]]:
    concrete: list[Field[Any, Any]] = []
    for name in names:
        field = model._meta.get_field(name)
        if not isinstance(field, Field) or not field.concrete or not field.column:
            raise ValueError(f"insert_row takes concrete fields of {model.__name__}, not {name}")
        concrete.append(field)
    # The fields not given get their defaults, as Model.objects.create would give them.
    concrete += [
        f for f in model._meta.concrete_fields if f not in concrete and f is not model._meta.auto_field
    ]
    pk = model._meta.pk
    assert pk is not None and pk.column  # every concrete model has one
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column or "") for f in concrete)
    marks = ", ".join(["%s"] * len(concrete))
    # Names from the model's own options, quoted; the values go as parameters.
    return f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING {quote(pk.column)}", concrete  # noqa: S608


def insert_row(model: type[Model], values: dict[str, Any]) -> Any:
    """Insert one row of ``model`` from ``values`` (field names; a foreign key by its id; the other
    fields their defaults) inside the caller's transaction and return its primary key."""
    connection = transaction.get_connection()
    key = (model, tuple(values), connection.vendor)
    found = _STATEMENTS.get(key)
    if found is None:
        found = _STATEMENTS[key] = _statement(model, list(values), connection.ops.quote_name)
    sql, fields = found
    given = list(values.values())
    given += [f.get_default() for f in fields[len(given) :]]
    params = [f.get_db_prep_save(value, connection) for f, value in zip(fields, given, strict=True)]
    (row,) = fetch(sql, params)  # RETURNING answers the row it inserted
    return row[0]


_LOADERS: dict[tuple[type[Model], tuple[str, ...], str], list[tuple[Col, list[Any]]]] = {}


def instance_from_row(
    model: type[_M], names: Sequence[str], row: Sequence[Any], using: str = "default"
) -> _M:
    """A model instance as the ORM would load it from ``row``, the columns of the fields ``names``
    (attnames) read by a hand-written SELECT: each value through the converters the ORM applies
    (decryption, JSON, time zones on SQLite); the fields not named are deferred."""
    connection = connections[using]
    key = (model, tuple(names), connection.vendor)
    loaders = _LOADERS.get(key)
    if loaders is None:
        loaders = []
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        for name in names:
            field = by_attname[name]
            column = field.get_col(model._meta.db_table)
            loaders.append(
                (column, connection.ops.get_db_converters(column) + field.get_db_converters(connection))
            )
        _LOADERS[key] = loaders
    values = {}
    for name, (column, converters), value in zip(names, loaders, row, strict=True):
        for convert in converters:
            value = convert(value, column, connection)
        values[name] = value
    ordered = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(using, ordered, [values[n] for n in ordered])


def fetch(sql: str, params: Sequence[Any], *, using: str | None = None) -> list[tuple[Any, ...]]:
    """The rows of one hand-written statement (``%s`` parameters), in the caller's transaction.

    On PostgreSQL the statement is prepared once per database session (``PREPARE``, then ``EXECUTE``
    with the values): planning was most of these short statements' server CPU (the grants union
    0.74 ms to plan, 0.11 ms to run). It is done in SQL, not by psycopg's own preparing, because psycopg
    forgets every prepared statement at each ROLLBACK (``DEALLOCATE ALL``) and the counter rolls back
    every refused tap; a prepared statement outlives a rolled-back transaction on the server."""
    connection = transaction.get_connection(using)
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
    statement = _execute_prepared(connection, sql, len(params))
    # On psycopg's own cursor, as Django's would run it (its errors, its transaction, the query log
    # tests count) without the wrappers, nor the description built only to see whether rows came.
    connection.validate_no_broken_transaction()
    start = time.monotonic()
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        cursor.execute(statement, params)
        pgresult = cursor.pgresult
        rows = cursor.fetchall() if pgresult is not None and pgresult.status == _TUPLES_OK else []
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - start:.3f}"})
    return rows


# psycopg.pq.ExecStatus.TUPLES_OK: psycopg is only imported on PostgreSQL.
_TUPLES_OK = 2
# statement → (its name, its PREPARE), built once per process.
_PREPARES: dict[str, tuple[str, str]] = {}
# The names each database session holds, with the process that read them: a session used by the
# process that forked it (an RQ work horse, say) may hold names that process never prepared itself.
_SESSIONS: weakref.WeakKeyDictionary[Any, tuple[int, set[str]]] = weakref.WeakKeyDictionary()


def _execute_prepared(connection: Any, sql: str, count: int) -> str:
    """``EXECUTE`` of ``sql`` prepared on the connection's session (prepared now if it is not yet)."""
    found = _PREPARES.get(sql)
    if found is None:
        name = "dj_" + hashlib.sha1(sql.encode()).hexdigest()[:20]  # noqa: S324 — a name, not a secret
        numbered = iter(range(1, sql.count("%s") + 1))
        body = re.sub(r"%s|%%", lambda m: f"${next(numbered)}" if m.group() == "%s" else "%", sql)
        found = _PREPARES[sql] = name, f"PREPARE {name} AS {body}"
    name, prepare = found
    connection.ensure_connection()
    session = connection.connection
    pid = os.getpid()
    held = _SESSIONS.get(session)
    if held is None or held[0] != pid:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM pg_prepared_statements")
            held = _SESSIONS[session] = pid, {row[0] for row in cursor.fetchall()}
    if name not in held[1]:
        with connection.cursor() as cursor:
            cursor.execute(prepare)
        held[1].add(name)
    return f"EXECUTE {name}({', '.join(['%s'] * count)})" if count else f"EXECUTE {name}"
