"""Opening a database: new ones are created, old ones migrated, current ones left alone."""

from __future__ import annotations

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from inboxwatch.storage.store import MIGRATIONS, SCHEMA_REVISION, Store


def _alembic() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def test_schema_revision_is_the_newest_migration() -> None:
    assert ScriptDirectory.from_config(_alembic()).get_current_head() == SCHEMA_REVISION


def test_an_older_database_is_migrated_when_opened(database_url: str) -> None:
    store = Store.open(database_url)
    cfg = _alembic()
    with store.engine.begin() as conn:  # back to the first schema, as an old install has it
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    store.close()
    store = Store.open(database_url)
    try:
        with store.engine.connect() as conn:
            assert (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                == SCHEMA_REVISION
            )
            indexes = {i["name"] for i in inspect(conn).get_indexes("messages")}
        assert "ix_messages_date" in indexes
    finally:
        store.close()


def test_the_migrated_tables_have_every_column_the_code_uses(database_url: str) -> None:
    """Each migration adds what schema.py declares: the same tables with the same columns."""
    from inboxwatch.storage.schema import metadata

    with Store.open(database_url) as store, store.engine.connect() as conn:
        reflected = inspect(conn)
        for table in metadata.sorted_tables:
            columns = {c["name"] for c in reflected.get_columns(table.name)}
            assert columns == {c.name for c in table.columns}, table.name
