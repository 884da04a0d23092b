"""Django's SQLite backend, with one change: `flush` empties the append-only tables last.

The stock ledger refuses to lose a movement while its stock row exists (a trigger; inventory
migration 0002). PostgreSQL's flush is a TRUNCATE, which row triggers don't see; SQLite's is a
DELETE per table, in no fixed order, so the ledger must come after the rows it belongs to
(foreign keys are checked at commit, so the order is otherwise free).
"""
from django.db.backends.sqlite3 import base, operations

FLUSH_LAST = ("inventory_stockmovement",)


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return sorted(statements, key=lambda sql: any(f'"{table}"' in sql for table in FLUSH_LAST))


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
