"""Hot reads' statements are built once per shape and only bound afterwards (kit.compiled_statements)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import ClauseElement, Column, Integer, MetaData, Select, Table, Text, Uuid, bindparam, func, select

from kit.compiled_statements import (
    LITERAL_FIRST_PAGES,
    CompiledOnce,
    MissingValueError,
    camel_json,
    compile_statement,
    json_page_statement,
    unbound,
)
from kit.pagination import MAX_PAGE_SIZE

things = Table("things", MetaData(), Column("thing_id", Uuid), Column("label", Text), Column("year", Integer))


def test_literals_of_the_statement_keep_their_values_and_parameters_are_bound_in_order() -> None:
    statement = select(func.json_build_object("label", things.c.label)).where(
        things.c.year == bindparam("year", type_=Integer), things.c.thing_id == bindparam("thing", type_=Uuid)
    )
    compiled = compile_statement(statement, frozenset({"year", "thing"}))
    thing = uuid.uuid4()
    assert compiled.sql.count("$") == 3  # the JSON key, the year, the thing
    assert "::INTEGER" in compiled.sql
    assert "::UUID" in compiled.sql
    arguments = compiled.arguments({"year": 2027, "thing": thing})
    assert arguments[0] == "label"
    assert arguments[1:] == (2027, thing)


def test_a_missing_value_or_an_unknown_parameter_is_refused() -> None:
    statement = select(things.c.label).where(things.c.year == bindparam("year", type_=Integer))
    compiled = compile_statement(statement, frozenset({"year"}))
    with pytest.raises(MissingValueError):
        compiled.arguments({})
    with pytest.raises(MissingValueError):
        compile_statement(statement, frozenset({"year", "scheme"}))


def test_each_shape_is_built_once() -> None:
    built: list[frozenset[str]] = []

    def build(shape: frozenset[str]) -> tuple[ClauseElement, frozenset[str]]:
        built.append(shape)
        query = select(things.c.label)
        if "year" in shape:
            query = query.where(things.c.year == bindparam("year", type_=Integer))
        return query, shape

    statements = CompiledOnce(build)
    with_year = statements(frozenset({"year"}))
    assert statements(frozenset({"year"})) is with_year
    without = statements(frozenset())
    assert "WHERE" not in without.sql
    assert "WHERE" in with_year.sql
    assert built == [frozenset({"year"}), frozenset()]


def test_json_keys_are_the_read_models_camel_case_literals() -> None:
    written = str(camel_json({"thing_id": things.c.thing_id, "label": things.c.label}).compile())
    assert "'thingId'" in written
    assert "'label'" in written
    with pytest.raises(ValueError, match="literal JSON key"):
        camel_json({"it's": things.c.label})


def test_a_json_page_binds_its_filters_and_its_page_and_nothing_else() -> None:
    def rows(shape: frozenset[str]) -> Select[Any]:
        query = select(things).where(things.c.year == bindparam("year", type_=Integer))
        return query.where(things.c.label == bindparam("label", type_=Text)) if "label" in shape else query

    page = json_page_statement(
        rows(frozenset()), lambda row: camel_json({"label": row.label}), lambda row: (row.label,)
    )
    assert unbound(page) == {"year", "limit", "longer", "offset"}
    compiled = compile_statement(page, unbound(page))
    assert compiled.arguments({"year": 2027, "limit": 50, "longer": 51, "offset": 0}) == (2027, 51, 0, 50)
    assert "json_agg" in compiled.sql
    assert "ORDER BY" in compiled.sql
    assert unbound(rows(frozenset({"label"}))) == {"year", "label"}


def test_a_first_page_writes_its_limit_in_the_statement_and_binds_only_its_filters() -> None:
    rows = select(things).where(things.c.year == bindparam("year", type_=Integer))
    first = json_page_statement(rows, lambda row: camel_json({"label": row.label}), lambda row: (row.label,), first=50)
    assert unbound(first) == {"year"}
    compiled = compile_statement(first, unbound(first))
    assert compiled.arguments({"year": 2027, "limit": 50, "longer": 51, "offset": 0}) == (2027,)
    assert "LIMIT 51" in compiled.sql
    assert "LIMIT 50" in compiled.sql
    assert "OFFSET" not in compiled.sql
    assert 50 in LITERAL_FIRST_PAGES
    assert all(size <= MAX_PAGE_SIZE for size in LITERAL_FIRST_PAGES)  # each a page a client may ask
