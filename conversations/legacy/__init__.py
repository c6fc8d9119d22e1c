"""Moving from the legacy Flask bot: its SQLite database imported into our models, once.

`rows` parses and normalises the legacy rows, `reader` streams them from the file,
`importer` runs the import (`writer` writes, `dry_run` only counts), `bulk` inserts. For a
bulk load, `plain` has SQLite turn the rows the old bot wrote as they are into COPY lines,
read in a process of its own (`lines`).
"""
