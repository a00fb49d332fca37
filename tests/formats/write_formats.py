"""Writes the same records as CSV and as Parquet, with tools independent
of dwh (Python's csv module, pyarrow), for tests/formats.rs.

    python write_formats.py SPEC.json OUT_DIR

SPEC lists each source: its folder, its JSON files (relative paths below
the folder and absolute paths to read) and its columns as (key, kind).
Every JSON file becomes OUT_DIR/csv/<folder>/<name>.csv (every third one
gzipped, .csv.gz) and OUT_DIR/parquet/<folder>/<name>.parquet, record for
record. CSV: a header of the keys in reverse order (the loader maps by
name), `\\N` for null, Python's default CRLF line ends, QUOTE_MINIMAL.
Parquet: one typed column per key, in the table's order.
"""

import csv
import gzip
import io
import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq

NULL = "\\N"

ARROW_TYPES = {
    "text": pa.string(),
    "int16": pa.int16(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "epoch_millis": pa.timestamp("ms"),
}


def records(path):
    """Every JSON object of a file: JSON lines or objects back to back."""
    text = open(path, encoding="utf-8").read()
    decoder = json.JSONDecoder()
    at, out = 0, []
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return out
        value, at = decoder.raw_decode(text, at)
        out.append(value)


def typed(kind, value):
    """A JSON value as the column's Python value (None for null or a blank
    string in a column that is not text)."""
    if value is None:
        return None
    if kind == "text":
        return value if isinstance(value, str) else json.dumps(value)
    if isinstance(value, str) and value.strip() == "":
        return None
    if kind in ("int16", "int32", "int64", "epoch_millis"):
        return int(float(value)) if isinstance(value, str) else int(value)
    if kind == "float64":
        return float(value)
    if kind == "bool":
        return value if isinstance(value, bool) else str(value).lower() == "true"
    raise ValueError(kind)


def csv_text(kind, value):
    if value is None:
        return NULL
    if kind == "float64":
        return repr(value)
    return str(value)


def write_csv(path, columns, rows, gzipped):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)  # QUOTE_MINIMAL, "\r\n"
    order = list(reversed(range(len(columns))))
    writer.writerow([columns[i][0] for i in order])
    for row in rows:
        writer.writerow([csv_text(columns[i][1], row[i]) for i in order])
    data = buffer.getvalue().encode("utf-8")
    if gzipped:
        path += ".gz"
        data = gzip.compress(data, mtime=0)
    with open(path, "wb") as out:
        out.write(data)


def write_parquet(path, columns, rows):
    schema = pa.schema([(key, ARROW_TYPES[kind]) for key, kind in columns])
    arrays = []
    for i, (key, kind) in enumerate(columns):
        values = [row[i] for row in rows]
        arrays.append(pa.array(values, type=ARROW_TYPES[kind]))
    table = pa.Table.from_arrays(arrays, schema=schema)
    pq.write_table(table, path, compression="snappy", row_group_size=1000)


def main(spec_path, out):
    spec = json.load(open(spec_path))
    for source in spec["sources"]:
        columns = [tuple(c) for c in source["columns"]]
        for n, (relative, absolute) in enumerate(source["files"]):
            stem = os.path.splitext(relative)[0]
            rows = [
                [typed(kind, record.get(key)) for key, kind in columns]
                for record in records(absolute)
            ]
            for fmt in ("csv", "parquet"):
                folder = os.path.join(out, fmt, source["dir"], os.path.dirname(stem))
                os.makedirs(folder, exist_ok=True)
            base = os.path.join(out, "csv", source["dir"], stem + ".csv")
            write_csv(base, columns, rows, gzipped=n % 3 == 2)
            base = os.path.join(out, "parquet", source["dir"], stem + ".parquet")
            write_parquet(base, columns, rows)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
