//! Turns the parsed input into a [`TableModel`], checking every rule that
//! can be checked at compile time. Each rule is a small function that records
//! its errors in the context; none stops the others.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Field, Fields, Ident, LitStr};

use crate::attr::{self, ContainerAttrs, FieldAttrs, JoinAttr, LookupAttr, VarcharLen};
use crate::ctxt::Ctxt;
use crate::history::{self, HistoryField, HistoryModel};
use crate::model::{
    ColumnModel, ColumnRequirement, Derive, DistStyle, EncodeName, FillModel, JoinModel, LoadModel,
    LookupModel, SortStyle, TableModel,
};
use crate::names::{case_problem, identifier_problem, snake_case, suggestion};
use crate::types::{classify, option_inner, TypeClass};

/// Redshift allows at most 8 columns in an INTERLEAVED SORTKEY.
const MAX_INTERLEAVED_COLUMNS: usize = 8;
const VARCHAR_MAX: u64 = 65535;
/// The alias of the load source in generated SQL.
const SOURCE_ALIAS: &str = "src";

/// A field with its parsed attributes.
struct FieldAst<'a> {
    field: &'a Field,
    ident: &'a Ident,
    name: String,
    inner_ty: &'a syn::Type,
    nullable: bool,
    class: Option<TypeClass>,
    attrs: FieldAttrs,
}

pub fn build(cx: &Ctxt, input: &DeriveInput, derive: Derive) -> Option<TableModel> {
    let fields = named_fields(cx, input, derive)?;
    check_no_generics(cx, input, derive);
    let container = attr::parse_container(cx, &input.attrs, derive);
    let fields: Vec<FieldAst> = fields
        .into_iter()
        .map(|(ident, f)| field_ast(cx, ident, f, derive))
        .collect();
    check_has_columns(cx, input, derive, &fields);

    let name = table_name(cx, input, &container);
    check_fields(cx, &fields, derive);
    let dist_key = dist_key(cx, &container, &fields);
    let dist_style = dist_style(cx, &container, dist_key.as_ref());
    let sort_key = sort_key(cx, &container, &fields);
    let load = load(cx, input, &container, derive);
    let natural_key = natural_key(&fields);
    check_natural_key_present(cx, input, derive, &natural_key, container.keyless);
    check_keyless(cx, &fields, &container);
    let history = history::build(cx, input, &container, &history_fields(&fields));
    let primary_key = versioned_primary_key(&fields, &natural_key, history.as_ref());
    let (columns, requirements) = columns(cx, &fields, derive, load.as_ref(), &container.lookups);

    Some(TableModel {
        ident: input.ident.clone(),
        derive,
        name,
        dist_style,
        dist_key: dist_key.map(|(name, _)| name),
        sort_key,
        natural_key,
        primary_key,
        columns,
        load,
        requirements,
        history,
        doc: crate::docs::doc_text(&input.attrs),
    })
}

/// The rules about one field, for every field, then the one across fields:
/// all run, so one compile reports every mistake.
fn check_fields(cx: &Ctxt, fields: &[FieldAst], derive: Derive) {
    for f in fields {
        check_name(
            cx,
            &f.name,
            f.attrs.column.as_ref().map(|l| l.span()),
            f.ident.span(),
        );
        check_varchar(cx, f, derive);
        check_encode(cx, f);
        check_identity(cx, f);
        check_epoch_millis(cx, f);
        check_fill_exclusive(cx, f);
        check_natural_key_field(cx, f);
    }
    check_duplicate_columns(cx, fields);
}

/// The columns of the fields marked `natural_key`, in field order.
fn natural_key(fields: &[FieldAst]) -> Vec<String> {
    fields
        .iter()
        .filter(|f| f.attrs.natural_key.is_some())
        .map(|f| f.name.clone())
        .collect()
}

/// The primary key; a type-2 dimension keyed by its natural key holds one
/// row per version, so its key adds the time the version began.
fn versioned_primary_key(
    fields: &[FieldAst],
    natural_key: &[String],
    history: Option<&HistoryModel>,
) -> Vec<String> {
    let mut primary_key = primary_key(fields, natural_key);
    if let Some(h) = history.filter(|_| primary_key == natural_key) {
        primary_key.push(h.valid_from.clone());
    }
    primary_key
}

/// Each field's column, and what the columns' fills and the lookups need
/// of other tables (checked at compile time as requirements). `as_of`
/// looks across all fields, so it is set once every column is modelled.
fn columns(
    cx: &Ctxt,
    fields: &[FieldAst],
    derive: Derive,
    load: Option<&LoadModel>,
    lookups: &[LookupAttr],
) -> (Vec<ColumnModel>, Vec<ColumnRequirement>) {
    let mut requirements = Vec::new();
    let mut columns: Vec<ColumnModel> = fields
        .iter()
        .map(|f| column_model(cx, f, derive, load, &mut requirements))
        .collect();
    for (f, c) in fields.iter().zip(&mut columns) {
        c.as_of = as_of(cx, f, fields);
    }
    if load.is_some() {
        lookup_requirements(lookups, &mut requirements);
    }
    (columns, requirements)
}

fn history_fields<'a>(fields: &'a [FieldAst]) -> Vec<HistoryField<'a>> {
    fields
        .iter()
        .map(|f| HistoryField {
            ident: f.ident,
            name: &f.name,
            ty: &f.field.ty,
            nullable: f.nullable,
            class: f.class,
            attrs: &f.attrs,
        })
        .collect()
}

/// The struct's fields with their names, or `None` (reported) for any other
/// shape of input.
fn named_fields<'a>(
    cx: &Ctxt,
    input: &'a DeriveInput,
    derive: Derive,
) -> Option<Vec<(&'a Ident, &'a Field)>> {
    match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => Some(
                named
                    .named
                    .iter()
                    .filter_map(|f| Some((f.ident.as_ref()?, f)))
                    .collect(),
            ),
            _ => {
                cx.error_spanned_by(
                    &input.ident,
                    format!(
                        "`{}` needs a struct with named fields, one per column",
                        derive.name()
                    ),
                );
                None
            }
        },
        _ => {
            cx.error_spanned_by(
                &input.ident,
                format!("`{}` can only be derived for a struct", derive.name()),
            );
            None
        }
    }
}

fn check_no_generics(cx: &Ctxt, input: &DeriveInput, derive: Derive) {
    if derive.is_table() && !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "a table struct cannot be generic: its columns must be known at compile time",
        );
    }
}

fn check_has_columns(cx: &Ctxt, input: &DeriveInput, derive: Derive, fields: &[FieldAst]) {
    if derive.is_table() && fields.is_empty() {
        cx.error_spanned_by(&input.ident, "a table needs at least one column (field)");
    }
}

fn field_ast<'a>(cx: &Ctxt, ident: &'a Ident, field: &'a Field, derive: Derive) -> FieldAst<'a> {
    let attrs = attr::parse_field(cx, &field.attrs, derive);
    let (inner_ty, nullable) = match option_inner(&field.ty) {
        Some(inner) => (inner, true),
        None => (&field.ty, false),
    };
    let name = attrs
        .column
        .as_ref()
        .map(LitStr::value)
        .unwrap_or_else(|| ident.unraw().to_string());
    FieldAst {
        field,
        ident,
        name,
        inner_ty,
        nullable,
        class: classify(inner_ty),
        attrs,
    }
}

fn check_name(cx: &Ctxt, name: &str, literal: Option<Span>, fallback: Span) {
    if let Some(problem) = identifier_problem(name).or_else(|| case_problem(name)) {
        cx.syn_error(syn::Error::new(literal.unwrap_or(fallback), problem));
    }
}

fn table_name(cx: &Ctxt, input: &DeriveInput, container: &ContainerAttrs) -> String {
    let name = container
        .table
        .as_ref()
        .map(LitStr::value)
        .unwrap_or_else(|| snake_case(&input.ident.unraw().to_string()));
    check_name(
        cx,
        &name,
        container.table.as_ref().map(LitStr::span),
        input.ident.span(),
    );
    name
}

fn check_varchar(cx: &Ctxt, f: &FieldAst, derive: Derive) {
    if !derive.is_table() {
        return;
    }
    match (&f.attrs.varchar, f.class) {
        (None, Some(TypeClass::Varchar)) => cx.error_spanned_by(
            &f.field.ty,
            format!(
                "`{}` needs an explicit byte length: add `#[dwh(varchar = N)]` \
                 (Redshift would silently make it VARCHAR(256))",
                f.ident
            ),
        ),
        (Some(len), class) if class.is_some_and(|c| c != TypeClass::Varchar) => {
            cx.syn_error(syn::Error::new(
                len.span,
                format!(
                    "`varchar` applies to `String` columns; `{}` is {}",
                    f.ident,
                    class.map(TypeClass::sql).unwrap_or("not text")
                ),
            ))
        }
        (Some(len), _) => {
            if let VarcharLen::Bytes(n) = len.value {
                if n == 0 || n > VARCHAR_MAX {
                    cx.syn_error(syn::Error::new(
                        len.span,
                        format!(
                            "a VARCHAR length is 1 to {VARCHAR_MAX} bytes; use `varchar = max` for the longest"
                        ),
                    ));
                }
            }
        }
        _ => {}
    }
}

fn check_encode(cx: &Ctxt, f: &FieldAst) {
    let (Some(encode), Some(class)) = (&f.attrs.encode, f.class) else {
        return;
    };
    if encode_suits(encode.value, class) {
        return;
    }
    let fitting: Vec<String> = EncodeName::all()
        .filter(|e| encode_suits(*e, class))
        .map(|e| format!("`{}`", e.name()))
        .collect();
    cx.syn_error(syn::Error::new(
        encode.span,
        format!(
            "encoding `{}` does not suit {} column `{}`; use one of {}",
            encode.value.name(),
            class.sql(),
            f.ident,
            fitting.join(", ")
        ),
    ));
}

/// Mirrors `dwh_core::schema::Encode::suits` for the classes the macro knows.
fn encode_suits(encode: EncodeName, class: TypeClass) -> bool {
    use EncodeName as E;
    use TypeClass as T;
    let numeric_or_time = matches!(
        class,
        T::SmallInt | T::Integer | T::BigInt | T::Date | T::Timestamp | T::TimestampTz
    );
    match encode {
        E::Raw | E::Zstd | E::Runlength => true,
        E::Bytedict => class != T::Boolean,
        E::Lzo => !matches!(class, T::Boolean | T::Real | T::Double),
        E::Az64 | E::Delta => numeric_or_time,
        E::Delta32k => numeric_or_time && class != T::SmallInt,
        E::Mostly8 => class.is_integer(),
        E::Mostly16 => matches!(class, T::Integer | T::BigInt),
        E::Mostly32 => class == T::BigInt,
        E::Text255 | E::Text32k => class == T::Varchar,
    }
}

fn check_identity(cx: &Ctxt, f: &FieldAst) {
    let Some(span) = f.attrs.identity else { return };
    // Redshift: "The data type for an IDENTITY column must be either INT or
    // BIGINT" (https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html).
    if f.class
        .is_some_and(|c| !matches!(c, TypeClass::Integer | TypeClass::BigInt))
    {
        cx.syn_error(syn::Error::new(
            span,
            format!(
                "an IDENTITY column must be INTEGER or BIGINT (i32 or i64), as Redshift requires; `{}` is {}",
                f.ident,
                f.class.map(TypeClass::sql).unwrap_or("not an integer")
            ),
        ));
    }
    let fills = [("from", &f.attrs.from), ("expr", &f.attrs.expr)];
    for (key, lit) in fills {
        if let Some(lit) = lit {
            cx.error_spanned_by(
                lit,
                format!("an IDENTITY column is filled by the database; remove `{key}`"),
            );
        }
    }
}

fn check_epoch_millis(cx: &Ctxt, f: &FieldAst) {
    let Some(span) = f.attrs.epoch_millis else {
        return;
    };
    if f.class.is_some_and(|c| !c.is_timestamp()) {
        cx.syn_error(syn::Error::new(
            span,
            format!(
                "`epoch_millis` loads epoch milliseconds into a TIMESTAMP; `{}` should be a `NaiveDateTime`",
                f.ident
            ),
        ));
    }
}

fn check_fill_exclusive(cx: &Ctxt, f: &FieldAst) {
    if let (Some(_), Some(expr)) = (&f.attrs.from, &f.attrs.expr) {
        cx.error_spanned_by(expr, "use either `from` or `expr` for a column, not both");
    }
}

fn check_natural_key_field(cx: &Ctxt, f: &FieldAst) {
    if let (Some(span), Some(_)) = (f.attrs.natural_key, f.attrs.identity) {
        cx.syn_error(syn::Error::new(
            span,
            "a natural key comes from the source data; it cannot be an IDENTITY column",
        ));
    }
}

fn check_duplicate_columns(cx: &Ctxt, fields: &[FieldAst]) {
    for (i, f) in fields.iter().enumerate() {
        if fields.iter().take(i).any(|g| g.name == f.name) {
            cx.error_spanned_by(f.ident, format!("column `{}` is declared twice", f.name));
        }
    }
}

/// Finds a field by SQL column name, with a did-you-mean error if absent.
fn field_named<'f, 'a>(
    cx: &Ctxt,
    fields: &'f [FieldAst<'a>],
    ident: &Ident,
    what: &str,
) -> Option<&'f FieldAst<'a>> {
    let wanted = ident.unraw().to_string();
    let found = fields
        .iter()
        .find(|f| f.name == wanted || f.ident.unraw() == wanted);
    if found.is_none() {
        cx.error_spanned_by(
            ident,
            format!(
                "{what} `{wanted}` names no field of this struct{}",
                suggestion(&wanted, fields.iter().map(|f| f.name.as_str()))
            ),
        );
    }
    found
}

fn dist_key(cx: &Ctxt, container: &ContainerAttrs, fields: &[FieldAst]) -> Option<(String, Span)> {
    let mut keys: Vec<(String, Span)> = Vec::new();
    if let Some(ident) = &container.distkey {
        if let Some(f) = field_named(cx, fields, ident, "distkey") {
            keys.push((f.name.clone(), ident.span()));
        }
    }
    for f in fields {
        if let Some(span) = f.attrs.distkey {
            keys.push((f.name.clone(), span));
        }
    }
    for (_, span) in keys.iter().skip(1) {
        cx.syn_error(syn::Error::new(
            *span,
            "a table has at most one DISTKEY; remove the extra `distkey`",
        ));
    }
    keys.into_iter().next()
}

fn dist_style(
    cx: &Ctxt,
    container: &ContainerAttrs,
    dist_key: Option<&(String, Span)>,
) -> DistStyle {
    let declared = container.diststyle.as_ref();
    match (declared.map(|d| d.value), dist_key) {
        (Some(DistStyle::Key), None) => {
            cx.syn_error(syn::Error::new(
                declared.map(|d| d.span).unwrap_or_else(Span::call_site),
                "`diststyle = key` needs a DISTKEY: add `distkey = <field>` to the struct \
                 or `#[dwh(distkey)]` to one field",
            ));
            DistStyle::Key
        }
        (Some(style @ (DistStyle::Even | DistStyle::All | DistStyle::Auto)), Some((_, span))) => {
            cx.syn_error(syn::Error::new(
                *span,
                format!(
                    "a DISTKEY contradicts `diststyle = {}`, {}; use `diststyle = key` or remove the `distkey`",
                    style.name(),
                    match style {
                        DistStyle::Even => "which spreads rows round-robin",
                        DistStyle::All => "which copies the table to every node",
                        _ => "which leaves the choice to Redshift",
                    }
                ),
            ));
            style
        }
        (Some(style), _) => style,
        (None, Some(_)) => DistStyle::Key,
        (None, None) => DistStyle::Auto,
    }
}

fn sort_key(
    cx: &Ctxt,
    container: &ContainerAttrs,
    fields: &[FieldAst],
) -> Option<(SortStyle, Vec<String>)> {
    let sortkey = container.sortkey.as_ref()?;
    let (style, idents) = &sortkey.value;
    if idents.is_empty() {
        cx.syn_error(syn::Error::new(
            sortkey.span,
            "a sort key needs at least one column",
        ));
    }
    if *style == SortStyle::Interleaved && idents.len() > MAX_INTERLEAVED_COLUMNS {
        cx.syn_error(syn::Error::new(
            sortkey.span,
            format!(
                "an INTERLEAVED SORTKEY takes at most {MAX_INTERLEAVED_COLUMNS} columns; this one has {}",
                idents.len()
            ),
        ));
    }
    let mut columns: Vec<String> = Vec::new();
    for ident in idents {
        let Some(f) = field_named(cx, fields, ident, "sortkey column") else {
            continue;
        };
        if columns.contains(&f.name) {
            cx.error_spanned_by(
                ident,
                format!("column `{}` is already in the sort key", f.name),
            );
        } else {
            columns.push(f.name.clone());
        }
    }
    Some((*style, columns))
}

fn load(
    cx: &Ctxt,
    input: &DeriveInput,
    container: &ContainerAttrs,
    derive: Derive,
) -> Option<LoadModel> {
    if !matches!(derive, Derive::Dimension | Derive::Fact) {
        return None;
    }
    let Some(source) = container.source.clone() else {
        cx.error_spanned_by(
            &input.ident,
            format!(
                "a {} needs the staging table it is loaded from: add `#[dwh(source = StagingType)]`",
                if derive == Derive::Fact { "fact table" } else { "dimension" }
            ),
        );
        return None;
    };
    let mut aliases: Vec<String> = Vec::new();
    let lookups = container
        .lookups
        .iter()
        .map(|lookup| lookup_model(cx, lookup, &mut aliases))
        .collect();
    Some(LoadModel {
        source,
        filter: container.filter.as_ref().map(LitStr::value),
        latest_by: container.latest_by.as_ref().map(LitStr::value),
        tie_break: container.tie_break.as_ref().map(LitStr::value),
        lookups,
    })
}

/// Reports an alias that is not an identifier, is `src`, or is taken.
fn check_alias(cx: &Ctxt, alias: &LitStr, taken: &mut Vec<String>) {
    let name = alias.value();
    if let Some(problem) = identifier_problem(&name) {
        cx.error_spanned_by(alias, problem);
    } else if name == SOURCE_ALIAS {
        cx.error_spanned_by(
            alias,
            format!("lookup alias `{SOURCE_ALIAS}` is taken by the source table"),
        );
    } else if taken.contains(&name) {
        cx.error_spanned_by(alias, format!("lookup alias `{name}` is used twice"));
    }
    taken.push(name);
}

fn pairs(list: &[(Ident, LitStr)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(c, e)| (c.to_string(), e.value()))
        .collect()
}

fn lookup_model(cx: &Ctxt, lookup: &LookupAttr, aliases: &mut Vec<String>) -> LookupModel {
    check_alias(cx, &lookup.alias, aliases);
    for (column, _) in &lookup.on {
        check_name(cx, &column.to_string(), None, column.span());
    }
    let mut joined = vec![lookup.alias.value()];
    let joins = lookup
        .joins
        .iter()
        .map(|join| join_model(cx, join, aliases, &mut joined))
        .collect();
    LookupModel {
        table: lookup.table.clone(),
        alias: lookup.alias.value(),
        on: pairs(&lookup.on),
        joins,
    }
}

/// A join's `key` relates it to the tables joined before it (inside the
/// lookup's parentheses, where the source is not visible): each expression
/// must name one of their aliases, never `src`.
fn join_model(
    cx: &Ctxt,
    join: &JoinAttr,
    aliases: &mut Vec<String>,
    joined: &mut Vec<String>,
) -> JoinModel {
    check_alias(cx, &join.alias, aliases);
    for (column, _) in join.key.iter().chain(&join.on) {
        check_name(cx, &column.to_string(), None, column.span());
    }
    for (_, expr) in &join.key {
        let text = expr.value();
        let names_source = text.contains(&format!("{SOURCE_ALIAS}."));
        let names_joined = joined.iter().any(|a| text.contains(&format!("{a}.")));
        if names_source || !names_joined {
            let known: Vec<String> = joined.iter().map(|a| format!("`{a}.column`")).collect();
            cx.error_spanned_by(
                expr,
                format!(
                    "a join key relates `{}` to the tables joined before it ({}); \
                     conditions on the source `{SOURCE_ALIAS}` go in the join's `on(...)`",
                    join.alias.value(),
                    known.join(", ")
                ),
            );
        }
    }
    joined.push(join.alias.value());
    JoinModel {
        table: join.table.clone(),
        alias: join.alias.value(),
        key: pairs(&join.key),
        on: pairs(&join.on),
    }
}

fn check_natural_key_present(
    cx: &Ctxt,
    input: &DeriveInput,
    derive: Derive,
    natural_key: &[String],
    keyless: Option<Span>,
) {
    if !natural_key.is_empty() || keyless.is_some() {
        return;
    }
    match derive {
        Derive::Dimension => cx.error_spanned_by(
            &input.ident,
            "a table loaded from staging needs a natural key, so that re-runs do not duplicate rows: \
             mark its key field(s) with `#[dwh(natural_key)]`",
        ),
        Derive::Fact => cx.error_spanned_by(
            &input.ident,
            "a fact table needs a natural key, so that re-runs do not duplicate rows: mark its key \
             field(s) with `#[dwh(natural_key)]`; or, for an append-only event fact whose rows have \
             no key, declare it `#[dwh(keyless)]` (rebuilt from staging on every run)",
        ),
        _ => {}
    }
}

/// `keyless` means no natural key: the two together contradict each other.
fn check_keyless(cx: &Ctxt, fields: &[FieldAst], container: &ContainerAttrs) {
    if container.keyless.is_none() {
        return;
    }
    for span in fields.iter().filter_map(|f| f.attrs.natural_key) {
        cx.syn_error(syn::Error::new(
            span,
            "a `keyless` fact has no natural key: remove this `natural_key`, or remove `keyless` \
             to append only rows whose key is new",
        ));
    }
    let orders = [
        ("latest_by", &container.latest_by),
        ("tie_break", &container.tie_break),
    ];
    for (key, lit) in orders {
        if let Some(lit) = lit {
            cx.error_spanned_by(
                lit,
                format!(
                    "`{key}` picks one row per natural key; a `keyless` fact keeps every source row, \
                     so remove it"
                ),
            );
        }
    }
}

/// `as_of = field`: the timestamp field that picks the version of the
/// referenced type-2 dimension.
fn as_of(cx: &Ctxt, f: &FieldAst, fields: &[FieldAst]) -> Option<String> {
    let ident = f.attrs.as_of.as_ref()?;
    if f.attrs.references.is_none() {
        cx.error_spanned_by(
            ident,
            "`as_of` picks the version of a referenced type-2 dimension: add `references = Dim`",
        );
        return None;
    }
    let target = field_named(cx, fields, ident, "as_of")?;
    if target.class.is_some_and(|c| !c.is_timestamp()) {
        cx.error_spanned_by(
            ident,
            format!(
                "`as_of` names the time of the fact row; `{}` should be a `NaiveDateTime`",
                target.ident
            ),
        );
    }
    Some(target.name.clone())
}

/// Explicit `primary_key` fields, else the IDENTITY column, else the natural key.
fn primary_key(fields: &[FieldAst], natural_key: &[String]) -> Vec<String> {
    let explicit: Vec<String> = fields
        .iter()
        .filter(|f| f.attrs.primary_key.is_some())
        .map(|f| f.name.clone())
        .collect();
    if !explicit.is_empty() {
        return explicit;
    }
    if let Some(identity) = fields.iter().find(|f| f.attrs.identity.is_some()) {
        return vec![identity.name.clone()];
    }
    natural_key.to_vec()
}

fn column_model(
    cx: &Ctxt,
    f: &FieldAst,
    derive: Derive,
    load: Option<&LoadModel>,
    requirements: &mut Vec<ColumnRequirement>,
) -> ColumnModel {
    let json = (derive == Derive::Staging).then(|| {
        let key = f
            .attrs
            .json
            .as_ref()
            .map(LitStr::value)
            .unwrap_or_else(|| f.name.clone());
        (key, f.attrs.epoch_millis.is_some())
    });
    let fill = match load {
        // History role columns are filled by the history load itself.
        Some(load) if f.attrs.identity.is_none() && !history::is_role(&f.attrs) => {
            fill(cx, f, load, requirements)
        }
        _ => FillModel::None,
    };
    ColumnModel {
        field: f.ident.clone(),
        name: f.name.clone(),
        ty: f.inner_ty.clone(),
        nullable: f.nullable,
        varchar_len: f.attrs.varchar.as_ref().map(|v| match v.value {
            VarcharLen::Bytes(n) => u32::try_from(n).unwrap_or(u32::MAX),
            VarcharLen::Max => VARCHAR_MAX as u32,
            VarcharLen::Invalid => 0,
        }),
        encode: f.attrs.encode.as_ref().map(|e| e.value),
        identity: f.attrs.identity.is_some(),
        json,
        fill,
        references: f.attrs.references.clone(),
        as_of: None,
        doc: crate::docs::doc_text(&f.field.attrs),
    }
}

/// How a column is filled; a named column becomes a compile-time requirement
/// on the table it comes from.
fn fill(
    cx: &Ctxt,
    f: &FieldAst,
    load: &LoadModel,
    requirements: &mut Vec<ColumnRequirement>,
) -> FillModel {
    if let Some(expr) = &f.attrs.expr {
        return FillModel::Expr(expr.value());
    }
    let (text, span) = match &f.attrs.from {
        Some(lit) => (lit.value(), lit.span()),
        None => (f.name.clone(), f.ident.span()),
    };
    let (alias, column) = match text.split_once('.') {
        Some((alias, column)) => (Some(alias.to_owned()), column.to_owned()),
        None => (None, text.clone()),
    };
    let problem = alias
        .iter()
        .chain([&column])
        .find_map(|name| identifier_problem(name));
    if let Some(problem) = problem {
        // Without `from` this is the column's own name, already reported.
        if f.attrs.from.is_some() {
            cx.syn_error(syn::Error::new(span, problem));
        }
        return FillModel::None;
    }
    let table = match alias.as_deref() {
        None | Some(SOURCE_ALIAS) => &load.source,
        Some(alias) => match load.aliases().find(|(a, _)| *a == alias) {
            Some((_, table)) => table,
            None => {
                cx.syn_error(syn::Error::new(span, unknown_alias(alias, load)));
                return FillModel::None;
            }
        },
    };
    let table_name = attr::path_tokens(table).to_string().replace(' ', "");
    let hint = if f.attrs.from.is_none() {
        "; name its source with `#[dwh(from = \"...\")]` or compute it with `#[dwh(expr = \"...\")]`"
            .to_owned()
    } else {
        String::new()
    };
    requirements.push(ColumnRequirement {
        table: table.clone(),
        column: column.clone(),
        message: format!(
            "column `{}` is filled from `{column}`, which is not a column of `{table_name}`{hint}",
            f.name
        ),
        span,
    });
    FillModel::Column(alias, column)
}

fn unknown_alias(alias: &str, load: &LoadModel) -> String {
    let known = || {
        [SOURCE_ALIAS]
            .into_iter()
            .chain(load.aliases().map(|(a, _)| a))
    };
    let hint = match suggestion(alias, known()) {
        s if !s.is_empty() => s,
        _ => {
            let quoted: Vec<String> = known().map(|a| format!("`{a}`")).collect();
            format!("; known aliases: {}", quoted.join(", "))
        }
    };
    format!("`{alias}` is neither the source `{SOURCE_ALIAS}` nor a lookup alias{hint}")
}

/// Every `on(column = ...)` of a lookup names a column of the looked-up
/// table, and every `key`/`on` column of a join one of the joined table.
fn lookup_requirements(lookups: &[LookupAttr], requirements: &mut Vec<ColumnRequirement>) {
    let mut require = |table: &syn::Path, alias: &LitStr, column: &Ident, verb: &str| {
        let table_name = attr::path_tokens(table).to_string().replace(' ', "");
        requirements.push(ColumnRequirement {
            table: table.clone(),
            column: column.to_string(),
            message: format!(
                "{verb} `{}` joins on `{column}`, which is not a column of `{table_name}`",
                alias.value()
            ),
            span: column.span(),
        });
    };
    for lookup in lookups {
        for (column, _) in &lookup.on {
            require(&lookup.table, &lookup.alias, column, "lookup");
        }
        for join in &lookup.joins {
            for (column, _) in join.key.iter().chain(&join.on) {
                require(&join.table, &join.alias, column, "join");
            }
        }
    }
}
