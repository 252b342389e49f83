"""Move the embedded SQLite database into an empty PostgreSQL one, and prove nothing was lost.

Everything here works from the models' metadata, so a table added by a later migration is
moved with the rest. The checks before a move are in aid/services/move_checks.py.
"""
from dataclasses import dataclass, field

import sqlalchemy as sa

from aid.services import ServiceError
from aid.services.checksums import digest


@dataclass(frozen=True)
class TableCheck:
    name: str
    source: object  # checksums.Digest
    target: object

    @property
    def ok(self):
        return self.source == self.target


@dataclass
class Report:
    tables: list[TableCheck] = field(default_factory=list)
    sequences: dict[str, int] = field(default_factory=dict)  # sequence name -> the next id it gives

    @property
    def ok(self):
        return all(check.ok for check in self.tables)


def move(source, target, metadata, batch=1000):
    """Copy every table from `source` to `target` (engines) and verify it, in one target transaction.

    The target's rows are committed only when every table's count and checksum match; on a
    mismatch or an error the target is left as empty as it was found.
    """
    report = Report()
    with source.connect() as src, target.connect() as dst, dst.begin() as transaction:
        copy_rows(src, dst, metadata, batch)
        report.sequences = reset_sequences(dst, metadata)
        report.tables = verify(src, dst, metadata)
        if not report.ok:
            transaction.rollback()
    return report


def copy_rows(src, dst, metadata, batch=1000):
    """Insert every row, parents before children (`sorted_tables`), `batch` rows at a time.

    A foreign key to the same table (a skill's parent) or to a table not yet copied (a region's
    hub, in the regions/unions cycle) is stored empty first and filled in once every row is in.
    """
    done, later = set(), []
    for table in metadata.sorted_tables:
        deferred = [fk.parent for fk in table.foreign_keys if fk.column.table.name not in done]
        if any(not column.nullable for column in deferred):
            raise ServiceError(f"Table {table.name} needs a row of a table copied after it and cannot wait for it.")
        _insert(src, dst, table, deferred, batch)
        later += [(table, deferred)] if deferred else []
        done.add(table.name)
    for table, deferred in later:
        _fill_in(src, dst, table, deferred, batch)


def _insert(src, dst, table, deferred, batch):
    blank, columns = {column.key: None for column in deferred}, list(table.columns)
    query = sa.select(*columns).order_by(*table.primary_key.columns)
    for rows in src.execution_options(yield_per=batch).execute(query).partitions():
        try:
            dst.execute(table.insert(), [{**{c.key: v for c, v in zip(columns, row, strict=True)}, **blank}
                                         for row in rows])
        except sa.exc.DBAPIError as error:
            raise ServiceError(f"Table {table.name}: a row could not be stored: {_first_line(error)}") from error


def _fill_in(src, dst, table, deferred, batch):
    # Columns with an onupdate (updated_at) are written back as they were, so the UPDATE keeps them.
    columns = deferred + [c for c in table.columns if c.onupdate is not None and c not in deferred]
    key = list(table.primary_key.columns)
    statement = (table.update().where(*[c == sa.bindparam(f"key_{c.key}") for c in key])
                 .values({c.key: sa.bindparam(f"new_{c.key}") for c in columns}))
    query = sa.select(*key, *columns).where(sa.or_(*[c.isnot(None) for c in deferred]))
    for rows in src.execution_options(yield_per=batch).execute(query).partitions():
        dst.execute(statement, [{**{f"key_{c.key}": row[i] for i, c in enumerate(key)},
                                 **{f"new_{c.key}": row[len(key) + i] for i, c in enumerate(columns)}}
                                for row in rows])


def reset_sequences(dst, metadata):
    """Set each table's id sequence past its highest id, so the next insert cannot collide."""
    sequences = {}
    for table in metadata.sorted_tables:
        for column in table.primary_key.columns:
            name = dst.scalar(sa.select(sa.func.pg_get_serial_sequence(table.name, column.name)))
            if name:
                following = (dst.scalar(sa.select(sa.func.max(column))) or 0) + 1
                dst.execute(sa.select(sa.func.setval(name, following, False)))
                sequences[name] = following
    return sequences


def verify(src, dst, metadata):
    """Row count and checksum of every table, on each side."""
    return [TableCheck(table.name, digest(src, table), digest(dst, table)) for table in metadata.sorted_tables]


def _first_line(error):
    return str(getattr(error, "orig", error)).strip().splitlines()[0]
