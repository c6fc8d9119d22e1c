"""Moving from the legacy Flask bot: its SQLite database imported into our models, once.

`importer.import_legacy_database` runs an import (`manage.py import_legacy_db`); the
modules, in the order a row meets them:

Reading the file
- `layout`: the legacy tables and their columns (required, optional), as the contract has them.
- `reader`: the file opened read-only, checked before anything is written, read in batches.
- `values`: each loosely typed value normalised (times, booleans, phones, senders…), with
  how it went (`Outcome`), for the report.
- `rows`: a legacy row parsed once into a typed row; the hot path of an import.
- `identity`: what makes a message the same message in a grown copy of its file and
  another one in a different file: its row id and a digest of its raw values.
- `plain`, `lines`: for a bulk load, SQLite itself turns the rows the old bot wrote as they
  are into COPY lines (`plain`: the SQL), in a process of its own (`lines`: stdlib only).

Running it
- `importer`: table after table, batch by batch: parse, count, write.
- `background`: the next batch read while this one is written; a table written beside.
- `report`: what an import did, per table: the numbers of the closing summary.

Writing
- `writer`: one batch of each table written (`DatabaseWriter`); existing rows win.
- `merging`: rows of one phone put together; rows already here only get blanks filled.
- `carry_over`: messages imported before they had a digest (before migration 0013),
  recognised in their file and given it.
- `loading`: when a table loads in bulk (a first import on PostgreSQL) and how.
- `bulk_load`: a bulk load's schema steps: indexes, foreign and unique keys built at the
  end, constant columns as defaults.
- `shape`, `inserts`: how a table is written (its columns, its unique keys) and the one
  write primitive (insert what is new, skip what is there; COPY on PostgreSQL).
- `clocks`: conversations' activity times set from their imported messages, at the end.
- `dry_run`: `--dry-run`: the same counts, found by reading and writing nothing.
"""
