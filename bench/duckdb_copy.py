"""DuckDB as a migration peer (issue 16): attach the SQLite file and the PostgreSQL
database at once and copy every table with INSERT ... SELECT, each column cast to its
target column's type, in one transaction, parents first; then set the sequences past the
highest key. What a data engineer would reach for.

    python3 duckdb_copy.py SQLITE_DB LIBPQ_URL ORDER_FILE

Settings tried, scale 1.5 (2.1 GB, 3.46 M rows), 2 cores, one run each: casts with the
extension's binary COPY (its default) 43.1 s; casts with text COPY (pg_use_binary_copy =
false) 38.5 s; no casts (DuckDB's implicit ones) with text COPY 37.1 s. Its threads (scale 0.3): the
default (2) 7.8 s, SET threads = 1 8.1 s; a profile shows the PostgreSQL side is what it
waits on (its own scan of the SQLite file alone takes 2.2 s at scale 1.5). Kept: a cast per
target type (TIMESTAMPTZ, BOOLEAN, BIGINT, DOUBLE; jsonb/json as VARCHAR for PostgreSQL to
parse) with text COPY, one transaction around all tables.
"""
import pathlib
import sys

import duckdb

sqlite_path, url, order_file = sys.argv[1:4]
extensions = next(pathlib.Path(duckdb.__file__).parent.parent.glob("duckdb_ext/extensions"))
con = duckdb.connect()
con.execute(f"SET extension_directory = '{extensions}'")
con.execute("LOAD sqlite")
con.execute("LOAD postgres")
con.execute(f"ATTACH '{sqlite_path}' AS src (TYPE sqlite, READ_ONLY)")
con.execute(f"ATTACH '{url}' AS pg (TYPE postgres)")
con.execute("SET sqlite_all_varchar = false")
con.execute("SET pg_use_binary_copy = false")

# Target column types, from PostgreSQL itself.
columns = {}
for table, column, kind in con.execute(
        "SELECT * FROM postgres_query('pg', 'SELECT table_name::text, column_name::text, data_type::text "
        "FROM information_schema.columns WHERE table_schema = ''public'' ORDER BY table_name, ordinal_position')").fetchall():
    columns.setdefault(table, []).append((column, kind))

duck_type = {"timestamp with time zone": "TIMESTAMPTZ", "timestamp without time zone": "TIMESTAMP", "boolean": "BOOLEAN",
             "bigint": "BIGINT", "integer": "INTEGER", "smallint": "SMALLINT", "double precision": "DOUBLE", "real": "FLOAT",
             "numeric": "DOUBLE", "text": "VARCHAR", "character varying": "VARCHAR", "jsonb": "VARCHAR", "json": "VARCHAR",
             "bytea": "BLOB", "uuid": "UUID", "date": "DATE"}
source_columns = {row[0]: [c[1] for c in con.execute(f"PRAGMA table_info('src.\"{row[0]}\"')").fetchall()]
                  for row in con.execute("SELECT table_name FROM information_schema.tables WHERE table_catalog = 'src'").fetchall()}

con.execute("BEGIN")
for table in pathlib.Path(order_file).read_text().split():
    present = set(source_columns.get(table, []))
    targets = [(c, k) for c, k in columns[table] if c in present]
    select = ", ".join(f'CAST(s."{c}" AS {duck_type.get(k, "VARCHAR")})' for c, k in targets)
    names = ", ".join(f'"{c}"' for c, _ in targets)
    con.execute(f'INSERT INTO pg.public."{table}" ({names}) SELECT {select} FROM src."{table}" s')
for (statement,) in con.execute(
        "SELECT * FROM postgres_query('pg', 'SELECT format(''SELECT setval(%L, COALESCE((SELECT max(%I) FROM %I), 1))'', "
        "pg_get_serial_sequence(quote_ident(table_name), column_name), column_name, table_name) FROM information_schema.columns "
        "WHERE table_schema = ''public'' AND (is_identity = ''YES'' OR column_default LIKE ''nextval%%'')')").fetchall():
    con.execute(f"CALL postgres_execute('pg', $${statement}$$)")
con.execute("COMMIT")
