"""Hot reads' statements are built once per shape and only bound afterwards (kit.compiled_statements)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import ClauseElement, Column, Integer, MetaData, Table, Text, Uuid, bindparam, func, select

from kit.compiled_statements import CompiledOnce, MissingValueError, compile_statement

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
