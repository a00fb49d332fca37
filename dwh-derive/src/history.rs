//! Type-2 history (`#[dwh(history = scd2)]`): the checks of its attributes
//! and the model of its columns. A type-2 dimension keeps one row per
//! version of a natural key; the load needs the version's time
//! (`latest_by`), the columns whose change starts a version (`tracked`), and
//! three columns it fills itself (`valid_from`, `valid_to`, `is_current`).

use proc_macro2::Span;
use syn::DeriveInput;

use crate::attr::{ContainerAttrs, FieldAttrs, HistoryKind};
use crate::ctxt::Ctxt;
use crate::types::TypeClass;

/// The checked history spec: SQL column names.
pub struct HistoryModel {
    pub tracked: Vec<String>,
    pub valid_from: String,
    pub valid_to: String,
    pub is_current: String,
}

/// A field as the history checks see it.
pub struct HistoryField<'a> {
    pub ident: &'a syn::Ident,
    pub name: &'a str,
    pub ty: &'a syn::Type,
    pub nullable: bool,
    pub class: Option<TypeClass>,
    pub attrs: &'a FieldAttrs,
}

/// A role column: its attribute, the field's spelling and the type it needs.
struct Role {
    key: &'static str,
    attr: fn(&FieldAttrs) -> Option<Span>,
    class: TypeClass,
    nullable: bool,
    rust: &'static str,
}

const ROLES: [Role; 3] = [
    Role {
        key: "valid_from",
        attr: |a| a.valid_from,
        class: TypeClass::Timestamp,
        nullable: false,
        rust: "NaiveDateTime",
    },
    Role {
        key: "valid_to",
        attr: |a| a.valid_to,
        class: TypeClass::Timestamp,
        nullable: true,
        rust: "Option<NaiveDateTime>",
    },
    Role {
        key: "is_current",
        attr: |a| a.is_current,
        class: TypeClass::Boolean,
        nullable: false,
        rust: "bool",
    },
];

/// Whether the field is one of the three columns the history load fills.
pub fn is_role(attrs: &FieldAttrs) -> bool {
    ROLES.iter().any(|r| (r.attr)(attrs).is_some())
}

/// Checks the history attributes; the model when the table is type 2 and
/// every part is there.
pub fn build(
    cx: &Ctxt,
    input: &DeriveInput,
    container: &ContainerAttrs,
    fields: &[HistoryField],
) -> Option<HistoryModel> {
    let scd2 = container
        .history
        .as_ref()
        .is_some_and(|h| h.value == HistoryKind::Scd2);
    if !scd2 {
        check_no_history_fields(cx, fields);
        return None;
    }
    let tracked = tracked(cx, input, fields);
    if container.latest_by.is_none() {
        cx.error_spanned_by(
            &input.ident,
            "`history = scd2` needs the time of each source row, which starts a version: \
             add `latest_by = \"src.<timestamp column>\"` to the struct",
        );
    }
    let mut roles = ROLES.iter().map(|role| role_field(cx, input, fields, role));
    let (valid_from, valid_to, is_current) = (roles.next()?, roles.next()?, roles.next()?);
    Some(HistoryModel {
        tracked,
        valid_from: valid_from?,
        valid_to: valid_to?,
        is_current: is_current?,
    })
}

/// Without `history = scd2`, `tracked` and the role attributes mean nothing.
fn check_no_history_fields(cx: &Ctxt, fields: &[HistoryField]) {
    for f in fields {
        let keys = [("tracked", f.attrs.tracked)]
            .into_iter()
            .chain(ROLES.iter().map(|r| (r.key, (r.attr)(f.attrs))));
        for (key, span) in keys {
            if let Some(span) = span {
                cx.syn_error(syn::Error::new(
                    span,
                    format!(
                        "`{key}` belongs to a type-2 dimension: add `history = scd2` to the \
                         struct's `#[dwh(...)]`, or remove `{key}`"
                    ),
                ));
            }
        }
    }
}

fn tracked(cx: &Ctxt, input: &DeriveInput, fields: &[HistoryField]) -> Vec<String> {
    let mut tracked = Vec::new();
    for f in fields {
        let Some(span) = f.attrs.tracked else {
            continue;
        };
        let why = if f.attrs.natural_key.is_some() {
            Some(
                "a natural key column identifies the row whose versions are kept; it cannot change",
            )
        } else if is_role(f.attrs) {
            Some("a `valid_from`, `valid_to` or `is_current` column is filled by the history load")
        } else if f.attrs.identity.is_some() {
            Some("an IDENTITY column is filled by the database")
        } else {
            None
        };
        match why {
            Some(why) => cx.syn_error(syn::Error::new(
                span,
                format!("`{}` cannot be `tracked`: {why}", f.ident),
            )),
            None => tracked.push(f.name.to_owned()),
        }
    }
    if tracked.is_empty() && !fields.iter().any(|f| f.attrs.tracked.is_some()) {
        cx.error_spanned_by(
            &input.ident,
            "`history = scd2` keeps a new version when a tracked column changes: mark those \
             fields `#[dwh(tracked)]`",
        );
    }
    tracked
}

/// The one field with the role, of the right type; reported otherwise.
fn role_field(
    cx: &Ctxt,
    input: &DeriveInput,
    fields: &[HistoryField],
    role: &Role,
) -> Option<String> {
    let marked: Vec<&HistoryField> = fields
        .iter()
        .filter(|f| (role.attr)(f.attrs).is_some())
        .collect();
    let key = role.key;
    let Some(first) = marked.first() else {
        cx.error_spanned_by(
            &input.ident,
            format!(
                "`history = scd2` needs a field marked `{key}`: add \
                 `#[dwh({key})] {key}: {}`",
                role.rust
            ),
        );
        return None;
    };
    for extra in &marked[1..] {
        cx.error_spanned_by(
            extra.ident,
            format!(
                "only one field can be `{key}`; `{}` already is",
                first.ident
            ),
        );
    }
    let fits = first.class == Some(role.class) && first.nullable == role.nullable;
    if !fits {
        cx.error_spanned_by(
            first.ty,
            format!(
                "the `{key}` column `{}` must be `{}`",
                first.ident, role.rust
            ),
        );
    }
    let fill = [&first.attrs.from, &first.attrs.expr];
    if let Some(lit) = fill.into_iter().flatten().next() {
        cx.error_spanned_by(
            lit,
            format!("the `{key}` column is filled by the history load; remove `from`/`expr`"),
        );
    }
    if first.attrs.natural_key.is_some() || first.attrs.identity.is_some() {
        cx.error_spanned_by(
            first.ident,
            format!("the `{key}` column cannot also be a natural key or IDENTITY"),
        );
    }
    fits.then(|| first.name.to_owned())
}
