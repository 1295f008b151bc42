"""The database: models, engine and migrations, and the named queries of the core tables.

``articles``, ``sources``, ``runs``, ``listings`` and ``sink`` hold the queries on articles,
sources, runs and stories that several stages share. A stage that owns a table keeps its queries
beside its logic: the ledger (``judge/ledger/book``: positions, claims, events), story
assignment (``judge/stories``), the outbox and dispatch (``deliver/``: alerts), the digest
(``deliver/digest/collect``), and the daemon's housekeeping and health (``daemon/``).
"""
