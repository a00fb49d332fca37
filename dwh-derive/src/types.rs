//! What the macro can tell about a field's Rust type from its syntax.
//! The authoritative mapping is the `SqlColumn` trait in dwh-core (checked by
//! a where-bound per field); this mirror lets the macro give early, precisely
//! spanned errors for the common types.

use syn::{GenericArgument, PathArguments, Type};

/// The SQL family of a known Rust type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeClass {
    SmallInt,
    Integer,
    BigInt,
    Real,
    Double,
    Boolean,
    Varchar,
    Date,
    Timestamp,
    TimestampTz,
}

impl TypeClass {
    pub fn is_integer(self) -> bool {
        matches!(self, Self::SmallInt | Self::Integer | Self::BigInt)
    }

    pub fn is_timestamp(self) -> bool {
        matches!(self, Self::Timestamp | Self::TimestampTz)
    }

    /// The SQL spelling, for messages.
    pub fn sql(self) -> &'static str {
        match self {
            Self::SmallInt => "SMALLINT",
            Self::Integer => "INTEGER",
            Self::BigInt => "BIGINT",
            Self::Real => "REAL",
            Self::Double => "DOUBLE PRECISION",
            Self::Boolean => "BOOLEAN",
            Self::Varchar => "VARCHAR",
            Self::Date => "DATE",
            Self::Timestamp => "TIMESTAMP",
            Self::TimestampTz => "TIMESTAMPTZ",
        }
    }
}

/// `Option<T>` → `Some(T)`.
pub fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// The class of a type the macro recognises by name, if it does.
pub fn classify(ty: &Type) -> Option<TypeClass> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let class = match last.ident.to_string().as_str() {
        "i16" => TypeClass::SmallInt,
        "i32" => TypeClass::Integer,
        "i64" => TypeClass::BigInt,
        "f32" => TypeClass::Real,
        "f64" => TypeClass::Double,
        "bool" => TypeClass::Boolean,
        "String" => TypeClass::Varchar,
        "NaiveDate" => TypeClass::Date,
        "NaiveDateTime" => TypeClass::Timestamp,
        "DateTime" => TypeClass::TimestampTz,
        _ => return None,
    };
    Some(class)
}
