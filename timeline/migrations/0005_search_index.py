"""A trigram index for the timeline's text search, on PostgreSQL only.

The search is `search_text LIKE '%term%'` on every database (the normalised, accent-free text
kept by timeline/signals.py), so SQLite and PostgreSQL find exactly the same events, partial
words included. On PostgreSQL a pg_trgm GIN index answers that LIKE without reading every row;
SQLite has no such index and scans (fast enough for one machine's data). Full-text search was not
used: its word stemming and prefix-only matching would make PostgreSQL find other events than
SQLite ("raine" in "oekraine", a word inside a compound).
"""

from django.db import migrations

FORWARD = [
    # Needs a superuser or (PostgreSQL 13+) a database owner, since pg_trgm is a trusted extension.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    (
        "CREATE INDEX IF NOT EXISTS event_search_trgm ON timeline_event "
        "USING gin (search_text gin_trgm_ops)"
    ),
]
BACKWARD = ["DROP INDEX IF EXISTS event_search_trgm"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0004_ingest_proposals"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]
