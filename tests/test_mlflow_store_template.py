"""The suite's MLflow stores (tests/conftest.py ``_mlflow_tables_from_a_template``) get the tables and
alembic version MLflow's own migrations give, so a test sees the store a user's first fit makes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import mlflow
import sqlalchemy
from mlflow.store.db import utils


def _clauses(sql: str | None) -> list[str]:
    """A CREATE statement's lines, without their trailing commas, in sorted order.

    MLflow's migrations rebuild some tables (alembic's batch mode on sqlite), and the order in which
    they write a table's CHECK constraints varies from one migration to the next, even in one process
    (measured: `runs` came out in two orders over 25 migrations). Order of clauses is not schema."""
    return sorted(line.strip().rstrip(",").strip() for line in (sql or "").splitlines())


def _schema(path: Path) -> tuple[list[tuple], list[tuple]]:
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        version = db.execute("SELECT * FROM alembic_version").fetchall()
    return [(kind, name, table, _clauses(sql)) for kind, name, table, sql in rows], version


def test_a_store_from_the_template_has_the_migrated_tables_and_version(tmp_path):
    assert hasattr(utils._initialize_tables, "migrate"), "the conftest fixture is not in place"
    copied = tmp_path / "copied.db"
    client = mlflow.MlflowClient(f"sqlite:///{copied}")
    assert [e.name for e in client.search_experiments()] == ["Default"]  # MLflow made it, after the copy
    migrated = tmp_path / "migrated.db"
    engine = sqlalchemy.create_engine(f"sqlite:///{migrated}")
    utils._initialize_tables.migrate(engine)
    engine.dispose()
    tables, version = _schema(migrated)
    assert len(tables) > 20 and version
    with sqlite3.connect(copied) as db:  # the Default experiment is the one row the store added
        db.execute("DELETE FROM experiments")
    assert _schema(copied) == (tables, version)


def test_the_schema_comparison_ignores_only_the_order_of_clauses():
    made = "CREATE TABLE t (\n\ta INT, \n\tCONSTRAINT x CHECK (a > 0), \n\tCONSTRAINT y CHECK (a < 9)\n)"
    reordered = "CREATE TABLE t (\n\ta INT, \n\tCONSTRAINT y CHECK (a < 9), \n\tCONSTRAINT x CHECK (a > 0)\n)"
    assert _clauses(made) == _clauses(reordered)
    assert _clauses(made) != _clauses(made.replace("a < 9", "a < 8"))
