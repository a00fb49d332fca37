//! SQL type names as the catalogs print them, back into [`SqlType`].

use crate::schema::SqlType;

/// The [`SqlType`] of a catalog type name: PostgreSQL's `format_type`
/// (`character varying(64)`, `timestamp without time zone`), which
/// Redshift's PG_TABLE_DEF and SVV_REDSHIFT_COLUMNS print too, and the
/// short aliases (`varchar(64)`, `int4`, `timestamptz`). `None` for a type
/// dwh does not declare (it then differs from any struct field).
pub fn parse_type(name: &str) -> Option<SqlType> {
    let name = name.trim().to_ascii_lowercase();
    let (base, args) = match name.split_once('(') {
        Some((base, rest)) => (base.trim(), Some(rest.trim_end_matches(')'))),
        None => (name.as_str(), None),
    };
    let ty = match (base, args) {
        ("smallint" | "int2", None) => SqlType::SmallInt,
        ("integer" | "int" | "int4", None) => SqlType::Integer,
        ("bigint" | "int8", None) => SqlType::BigInt,
        ("real" | "float4", None) => SqlType::Real,
        ("double precision" | "float8" | "float", None) => SqlType::Double,
        ("boolean" | "bool", None) => SqlType::Boolean,
        ("character varying" | "varchar", Some(len)) => SqlType::Varchar(len.trim().parse().ok()?),
        ("date", None) => SqlType::Date,
        ("timestamp without time zone" | "timestamp", None) => SqlType::Timestamp,
        ("timestamp with time zone" | "timestamptz", None) => SqlType::TimestampTz,
        ("numeric" | "decimal", Some(args)) => {
            let (p, s) = args.split_once(',').unwrap_or((args, "0"));
            SqlType::Numeric {
                precision: p.trim().parse().ok()?,
                scale: s.trim().parse().ok()?,
            }
        }
        _ => return None,
    };
    Some(ty)
}

/// Whether data of type `from` fits `to` without loss: a wider VARCHAR, a
/// wider integer, REAL to DOUBLE, more NUMERIC digits at the same scale.
pub(crate) fn widens(from: SqlType, to: SqlType) -> bool {
    use SqlType::*;
    match (from, to) {
        (Varchar(a), Varchar(b)) => b > a,
        (SmallInt, Integer | BigInt) | (Integer, BigInt) | (Real, Double) => true,
        (
            Numeric {
                precision: p1,
                scale: s1,
            },
            Numeric {
                precision: p2,
                scale: s2,
            },
        ) => s1 == s2 && p2 > p1,
        _ => false,
    }
}

/// The value existing rows get in a new NOT NULL column: the type's zero.
pub(crate) fn zero_literal(ty: SqlType) -> &'static str {
    use SqlType::*;
    match ty {
        SmallInt | Integer | BigInt | Real | Double | Numeric { .. } => "0",
        Boolean => "FALSE",
        Varchar(_) => "''",
        Date => "'1970-01-01'",
        Timestamp | TimestampTz => "'1970-01-01 00:00:00'",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_type_names_parse_back() {
        assert_eq!(
            parse_type("character varying(256)"),
            Some(SqlType::Varchar(256))
        );
        assert_eq!(parse_type("VARCHAR(8)"), Some(SqlType::Varchar(8)));
        assert_eq!(
            parse_type("timestamp without time zone"),
            Some(SqlType::Timestamp)
        );
        assert_eq!(
            parse_type("numeric(18,2)"),
            Some(SqlType::Numeric {
                precision: 18,
                scale: 2
            })
        );
        assert_eq!(parse_type("double precision"), Some(SqlType::Double));
        assert_eq!(parse_type("text"), None);
        assert!(widens(SqlType::Varchar(8), SqlType::Varchar(16)));
        assert!(!widens(SqlType::Varchar(16), SqlType::Varchar(8)));
        assert!(widens(SqlType::Integer, SqlType::BigInt));
        assert!(!widens(SqlType::BigInt, SqlType::Integer));
    }
}
