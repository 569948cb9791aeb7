"""Django's database cache with an increment that concurrent requests cannot lose.

The rate limits (``config/ratelimit.py``) count with ``incr``. Redis's ``INCR`` is atomic, and
Django's ``RedisCache`` uses it; Django's ``DatabaseCache`` inherits ``BaseCache.incr``, a
``get`` then a ``set``: two requests that both read 3 both write 4, and a limit of 5 lets
through as many requests as arrive together. No maintained package fixes that (django-axes and
django-ratelimit both count with the same ``incr``), hence this one method.
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, models, router, transaction
from django.utils.timezone import now


class AtomicDatabaseCache(DatabaseCache):
    """A ``DatabaseCache`` whose ``incr`` (and so ``decr``) reads and writes under a lock."""

    def __init__(self, table: str, params: dict[str, Any]) -> None:
        super().__init__(table, params)
        self.table = table  # the parent keeps it too, as a private attribute

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        """Add ``delta`` to a stored number in one transaction that holds its row's lock.

        PostgreSQL: ``SELECT … FOR UPDATE`` locks the row, so a second increment waits for the
        first to commit and then reads its result. SQLite has no row locks, and needs none: the
        project opens every SQLite transaction ``IMMEDIATE`` (``config/settings/base.py``), so
        this one holds the database's write lock from its first statement and writers queue
        (were it ``DEFERRED``, SQLite would refuse the second writer with "database is locked"
        rather than lose its update).
        """
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table, key_column = quote(self.table), quote("cache_key")
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('value')}, {quote('expires')} FROM {table} "  # noqa: S608
                f"WHERE {key_column} = %s{lock}",
                [key],
            )
            row = cursor.fetchone()
            if row is None or self._expiry(connection, row[1]) < now():
                raise ValueError(f"Key '{key}' not found.")  # as BaseCache.incr says it
            stored = connection.ops.process_clob(row[0])
            value = pickle.loads(base64.b64decode(stored.encode())) + delta  # noqa: S301
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote('value')} = %s WHERE {key_column} = %s",  # noqa: S608
                [encoded, key],
            )
        return value

    @staticmethod
    def _expiry(connection: Any, expires: Any) -> Any:
        """Read an ``expires`` column as ``DatabaseCache.get`` does (aware or naive alike)."""
        expression = models.Expression(output_field=models.DateTimeField())
        converters = connection.ops.get_db_converters(expression)
        for converter in converters + expression.get_db_converters(connection):
            expires = converter(expires, expression, connection)
        return expires
