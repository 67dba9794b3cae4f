"""Migration steps every schema shares: the audit, idempotency and outbox tables of records.py.

Migrations call these rather than repeating the DDL, so the four schemas stay alike.
A later change to those tables needs a new helper here and a revision in each schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


def create_record_tables(schema: str) -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("entity", sa.String(length=80), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
        schema=schema,
    )
    op.create_index(op.f("ix_audit_entry_entity"), "audit_entry", ["entity"], schema=schema)
    op.create_index(op.f("ix_audit_entry_entity_id"), "audit_entry", ["entity_id"], schema=schema)
    op.create_table(
        "idempotency_record",
        sa.Column("principal", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("principal", "key", name=op.f("pk_idempotency_record")),
        schema=schema,
    )


def drop_record_tables(schema: str) -> None:
    op.drop_table("idempotency_record", schema=schema)
    op.drop_table("audit_entry", schema=schema)


def create_outbox_table(schema: str) -> None:
    op.create_table(
        "outbox_event",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_event")),
        schema=schema,
    )
    op.create_index(op.f("ix_outbox_event_type"), "outbox_event", ["type"], schema=schema)


def drop_outbox_table(schema: str) -> None:
    op.drop_table("outbox_event", schema=schema)


# The audit chain (records.py, audit.py): each row's hash covers its content and the previous row's hash.
# The canonical text is PostgreSQL's own jsonb rendering, so the trigger, the backfill and every verifier
# hash the same bytes; the epoch keeps the time free of the session's time zone.
_CANONICAL = """
CREATE FUNCTION {s}.audit_entry_canonical(seq bigint, prev_hash text, at timestamptz, actor text, action text,
    entity text, entity_id text, before jsonb, after jsonb, reason text, request_id text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_array(seq, prev_hash, extract(epoch FROM at)::text, actor, action, entity, entity_id,
                             before, after, reason, request_id)::text
$$"""
_ROW_HASH = ("encode(sha256(convert_to({s}.audit_entry_canonical({r}.seq, {r}.prev_hash, {r}.at, {r}.actor, "
             "{r}.action, {r}.entity, {r}.entity_id, {r}.before, {r}.after, {r}.reason, {r}.request_id), 'UTF8')), "
             "'hex')")
# Appending takes the chain head's row lock, so concurrent writers queue instead of forking the chain;
# SELECT ... FOR UPDATE in READ COMMITTED reads the head as the writer before left it.
_APPEND = """
CREATE FUNCTION {s}.audit_chain_append() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    SELECT seq, head INTO last_seq, last_hash FROM {s}.audit_chain WHERE id = 1 FOR UPDATE;
    NEW.seq := last_seq + 1;
    NEW.prev_hash := last_hash;
    NEW.row_hash := {row_hash};
    UPDATE {s}.audit_chain SET seq = NEW.seq, head = NEW.row_hash WHERE id = 1;
    RETURN NEW;
END $$"""
_BACKFILL = """
DO $$
DECLARE
    r record;
    n bigint := 0;
    prev text := repeat('0', 64);
BEGIN
    FOR r IN SELECT * FROM {s}.audit_entry ORDER BY id LOOP
        n := n + 1;
        UPDATE {s}.audit_entry e SET seq = n, prev_hash = prev WHERE e.id = r.id;
        UPDATE {s}.audit_entry e SET row_hash = {row_hash} WHERE e.id = r.id RETURNING e.row_hash INTO prev;
    END LOOP;
    UPDATE {s}.audit_chain SET seq = n, head = prev WHERE id = 1;
END $$"""


def create_audit_chain(schema: str) -> None:
    op.create_table(
        "audit_chain",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain")),
        schema=schema,
    )
    op.execute(f"INSERT INTO {schema}.audit_chain (id, seq, head) VALUES (1, 0, repeat('0', 64))")
    for column, type_ in (("seq", sa.BigInteger()), ("prev_hash", sa.String(length=64)),
                          ("row_hash", sa.String(length=64))):
        op.add_column("audit_entry", sa.Column(column, type_, nullable=True), schema=schema)
    op.execute(_CANONICAL.format(s=schema))
    op.execute(_BACKFILL.format(s=schema, row_hash=_ROW_HASH.format(s=schema, r="e")))
    for column in ("seq", "prev_hash", "row_hash"):
        op.alter_column("audit_entry", column, nullable=False, schema=schema)
    op.create_unique_constraint(op.f("uq_audit_entry_seq"), "audit_entry", ["seq"], schema=schema)
    op.execute(_APPEND.format(s=schema, row_hash=_ROW_HASH.format(s=schema, r="NEW")))
    op.execute(f"CREATE TRIGGER audit_chain_append BEFORE INSERT ON {schema}.audit_entry "
               f"FOR EACH ROW EXECUTE FUNCTION {schema}.audit_chain_append()")


def drop_audit_chain(schema: str) -> None:
    op.execute(f"DROP TRIGGER audit_chain_append ON {schema}.audit_entry")
    op.execute(f"DROP FUNCTION {schema}.audit_chain_append()")
    op.execute(f"DROP FUNCTION {schema}.audit_entry_canonical(bigint, text, timestamptz, text, text, text, text, "
               "jsonb, jsonb, text, text)")
    op.drop_constraint(op.f("uq_audit_entry_seq"), "audit_entry", schema=schema)
    for column in ("row_hash", "prev_hash", "seq"):
        op.drop_column("audit_entry", column, schema=schema)
    op.drop_table("audit_chain", schema=schema)


# Kabupaten/kota renumbered by the Papua laws of 2022 (UU 14, 15, 16 and 29), as the region registry ships
# them (history/code_changes.csv): frozen here, so a migration brings rows recorded before it along.
RENUMBERED_2022 = {
    "91.01": "93.01", "91.02": "95.01", "91.04": "94.01", "91.07": "94.02", "91.08": "94.03", "91.09": "94.04",
    "91.12": "95.02", "91.13": "95.03", "91.14": "95.04", "91.16": "93.02", "91.17": "93.03", "91.18": "93.04",
    "91.21": "95.05", "91.22": "95.06", "91.23": "95.07", "91.24": "95.08", "91.25": "94.05", "91.26": "94.06",
    "91.27": "94.07", "91.28": "94.08", "92.01": "96.01", "92.04": "96.02", "92.05": "96.03", "92.09": "96.04",
    "92.10": "96.05", "92.71": "96.71",
}


def add_region_code_today(schema: str, table: str) -> None:
    """`region_code_today` beside the recorded `region_code`, filled for the rows already there."""
    op.add_column(table, sa.Column("region_code_today", sa.String(length=13), nullable=True), schema=schema)
    mapping = ", ".join(f"('{old}', '{new}')" for old, new in RENUMBERED_2022.items())
    op.execute(f"UPDATE {schema}.{table} t SET region_code_today = coalesce("
               f"(SELECT m.new FROM (VALUES {mapping}) AS m(old, new) WHERE m.old = t.region_code), t.region_code)")
    op.alter_column(table, "region_code_today", nullable=False, schema=schema)
    op.create_index(op.f(f"ix_{table}_region_code_today"), table, ["region_code_today"], schema=schema)


def drop_region_code_today(schema: str, table: str) -> None:
    op.drop_index(op.f(f"ix_{table}_region_code_today"), table_name=table, schema=schema)
    op.drop_column(table, "region_code_today", schema=schema)


def create_document_table(schema: str) -> None:
    """The `document` table of documents/models.py."""
    op.create_table(
        "document",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("owner_kind", sa.String(length=30), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("object_key", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("stored_by", sa.String(length=200), nullable=True),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'stored')", name=op.f("ck_document_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
        sa.UniqueConstraint("object_key", name=op.f("uq_document_object_key")),
        schema=schema,
    )
    op.create_index(op.f("ix_document_region_code"), "document", ["region_code"], schema=schema)
    op.create_index("ix_document_owner", "document", ["owner_kind", "owner_id"], schema=schema)
    op.create_index("uq_document_version", "document", ["owner_kind", "owner_id", "purpose", "version"],
                    unique=True, schema=schema, postgresql_where=sa.text("version IS NOT NULL"))


def drop_document_table(schema: str) -> None:
    op.drop_table("document", schema=schema)
