"""Writes Parquet files with pyarrow (an independent writer) and, beside
them, expected.json: each row as PostgreSQL prints the loaded values
(CAST AS TEXT), computed here from the data written, not by dwh.

usage: write.py OUT_DIR, or write.py OUT_DIR ROWS for big.parquet alone:
ROWS rows (the five rows over and over), written with pyarrow's defaults."""
import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

out = Path(sys.argv[1])
UTC = dt.timezone.utc

SCHEMA = pa.schema([
    ("id", pa.int64(), False),
    ("small", pa.int8()),
    ("unsigned", pa.uint32()),
    ("tally", pa.int32()),
    ("ratio", pa.float32()),
    ("score", pa.float64()),
    ("flag", pa.bool_()),
    ("name", pa.string()),
    ("day", pa.date32()),
    ("ts_ms", pa.timestamp("ms")),
    ("ts_us", pa.timestamp("us", tz="UTC")),
    ("ts_ns", pa.timestamp("ns")),
    ("amount", pa.decimal128(10, 2)),
    ("big", pa.decimal128(20, 4)),
    ("epochMs", pa.timestamp("ms")),
])


def rows(first):
    """Five rows with ids from `first`; every nullable column NULL once."""
    base = dt.datetime(2024, 2, 29, 13, 45, 1, 123456)
    out = []
    for i in range(5):
        n = first + i
        out.append({
            "id": n,
            "small": [-128, 127, None, 5, -3][i],
            "unsigned": [4294967295, 0, 17, None, 1][i],
            "tally": [None, -2147483648, 2147483647, 42, 7][i],
            "ratio": [1.5, -0.25, None, 0.125, 3.75][i],
            "score": [2.5, None, -1e-3, 1234.5678, 0.1][i],
            "flag": [True, False, None, True, False][i],
            # Repeated names: pyarrow writes them dictionary encoded.
            "name": ["ann", "bo", "ann", None, "çé ü"][i],
            "day": [dt.date(1969, 12, 31), dt.date(2024, 2, 29), None, dt.date(2000, 1, 1), dt.date(1999, 12, 31)][i],
            "ts_ms": None if i == 1 else base.replace(microsecond=123000) + dt.timedelta(days=n),
            "ts_us": None if i == 2 else (base + dt.timedelta(hours=n)).replace(tzinfo=UTC),
            "ts_ns": None if i == 3 else base + dt.timedelta(minutes=n),
            "amount": [Decimal("12.30"), Decimal("-0.05"), None, Decimal("99999999.99"), Decimal("0")][i],
            "big": [Decimal("1234567890123456.7891"), None, Decimal("-0.0001"), Decimal("10000"), Decimal("5.5")][i],
            "epochMs": [1700000000123, None, 0, -1000, 86400000][i],
        })
    return out


def table(data):
    written = pa.Table.from_pylist(data, schema=SCHEMA)
    # 789 ns below each ts_ns microsecond: PostgreSQL and Redshift keep
    # microseconds, so the load cuts them (the expected text has none).
    i = SCHEMA.get_field_index("ts_ns")
    ints = written.column(i).cast(pa.int64()).to_pylist()
    nanos = [None if t is None else t + 789 for t in ints]
    nanos = pa.array(nanos, pa.int64()).cast(pa.timestamp("ns"))
    return written.set_column(i, SCHEMA.field(i), nanos)


def ts_text(value):
    """PostgreSQL's TIMESTAMP text: trailing zeros of the fraction cut."""
    text = value.strftime("%Y-%m-%d %H:%M:%S.%f").rstrip("0").rstrip(".")
    return text


def expected(data):
    out = []
    for row in data:
        def text(key, fmt=str):
            return "NULL" if row[key] is None else fmt(row[key])
        out.append({
            "id": str(row["id"]),
            "small": text("small"),
            "unsigned": text("unsigned"),
            "tally": text("tally"),
            "ratio": text("ratio", repr),
            "score": text("score", repr),
            "flag": text("flag", lambda b: "true" if b else "false"),
            "name": text("name"),
            "day": text("day", lambda d: d.isoformat()),
            "ts_ms": text("ts_ms", ts_text),
            "ts_us": text("ts_us", lambda t: ts_text(t.astimezone(UTC).replace(tzinfo=None))),
            # The 789 ns `table` adds are cut.
            "ts_ns": text("ts_ns", ts_text),
            "amount": text("amount", lambda d: str(d.quantize(Decimal("0.01")))),
            "big": text("big", lambda d: str(d.quantize(Decimal("0.0001")))),
            "epochMs": text("epochMs", lambda ms: ts_text(dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=ms))),
        })
    return out


if len(sys.argv) > 2:
    count = int(sys.argv[2])
    block = table(rows(1))
    batch = pa.concat_tables([block] * 20_000)
    batch = batch.set_column(0, SCHEMA.field(0), pa.array(range(len(batch)), pa.int64()))
    with pq.ParquetWriter(out / "big.parquet", SCHEMA) as writer:
        for start in range(0, count, len(batch)):
            ids = pa.array(range(start, start + len(batch)), pa.int64())
            writer.write_table(batch.set_column(0, SCHEMA.field(0), ids).slice(0, count - start))
    sys.exit(0)

first, second = rows(1), rows(101)
# Several row groups, snappy, decimals as fixed-length bytes.
pq.write_table(table(first), out / "day1" / "a.parquet", row_group_size=2, compression="snappy")
# Zstd, INT96 timestamps (Spark's and Impala's), decimals as INT32/INT64.
pq.write_table(table(second), out / "day2" / "b.parquet", compression="zstd",
               use_deprecated_int96_timestamps=True, store_decimal_as_integer=True)
# A column of the wrong type: `small` as a double.
bad = table(first).set_column(1, pa.field("small", pa.float64()), pa.array([1.5, 2, None, 4, 5], pa.float64()))
pq.write_table(bad, out / "bad" / "c.parquet")
# Row 3's name is longer than the column's VARCHAR(32): a bad row.
long = rows(1)
long[2]["name"] = "x" * 40
pq.write_table(table(long), out / "long" / "e.parquet", row_group_size=2)
# The table's columns in another order, for the Redshift check.
reordered = table(first).select(list(reversed(SCHEMA.names)))
pq.write_table(reordered, out / "reordered.parquet")
(out / "expected.json").write_text(json.dumps({"day1": expected(first), "day2": expected(second)}))
