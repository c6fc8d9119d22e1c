"""Moving from the legacy Flask bot: its SQLite database imported into our models, once.

`rows` parses and normalises the legacy rows, `reader` streams them from the file,
`importer` runs the import (`writer` writes, `dry_run` only counts), `bulk` inserts.
"""
