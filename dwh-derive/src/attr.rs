//! Parsing of `#[dwh(...)]` attributes into plain values with their spans.
//! A bad key or value is recorded in the context and skipped, so parsing goes
//! on and every mistake is reported.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, LitInt, LitStr, Path, Token};

use crate::ctxt::Ctxt;
use crate::model::{Derive, DistStyle, EncodeName, SortStyle};
use crate::names::suggestion;

/// A parsed value and where it was written.
#[derive(Clone)]
pub struct WithSpan<T> {
    pub value: T,
    pub span: Span,
}

impl<T> WithSpan<T> {
    fn new(value: T, span: Span) -> Self {
        WithSpan { value, span }
    }
}

/// `varchar = 256` or `varchar = max`.
#[derive(Clone, Copy)]
pub enum VarcharLen {
    Bytes(u64),
    Max,
    /// A value that did not parse (and was reported): the length is still
    /// given, so no error says it is missing.
    Invalid,
}

pub struct LookupAttr {
    pub table: Path,
    pub alias: LitStr,
    pub on: Vec<(Ident, LitStr)>,
    pub joins: Vec<JoinAttr>,
}

/// `join(table = Type, alias = "a", key(column = "expr"), on(column = "expr"))`
/// inside a lookup: a table inner-joined to the looked-up one.
pub struct JoinAttr {
    pub table: Path,
    pub alias: LitStr,
    pub key: Vec<(Ident, LitStr)>,
    pub on: Vec<(Ident, LitStr)>,
}

#[derive(Default)]
pub struct ContainerAttrs {
    pub table: Option<LitStr>,
    pub diststyle: Option<WithSpan<DistStyle>>,
    pub distkey: Option<Ident>,
    pub sortkey: Option<WithSpan<(SortStyle, Vec<Ident>)>>,
    pub source: Option<Path>,
    pub filter: Option<LitStr>,
    pub latest_by: Option<LitStr>,
    pub tie_break: Option<LitStr>,
    pub lookups: Vec<LookupAttr>,
    pub keyless: Option<Span>,
    /// `history = scd2`: a type-2 dimension; `scd1` is the default.
    pub history: Option<WithSpan<HistoryKind>>,
}

/// `history = scd1 | scd2`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum HistoryKind {
    Scd1,
    Scd2,
}

impl HistoryKind {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "scd1" => Some(Self::Scd1),
            "scd2" => Some(Self::Scd2),
            _ => None,
        }
    }

    fn names() -> impl Iterator<Item = &'static str> {
        ["scd1", "scd2"].into_iter()
    }
}

#[derive(Default)]
pub struct FieldAttrs {
    pub column: Option<LitStr>,
    pub varchar: Option<WithSpan<VarcharLen>>,
    pub encode: Option<WithSpan<EncodeName>>,
    pub identity: Option<Span>,
    pub natural_key: Option<Span>,
    pub primary_key: Option<Span>,
    pub distkey: Option<Span>,
    pub json: Option<LitStr>,
    pub epoch_millis: Option<Span>,
    pub from: Option<LitStr>,
    pub expr: Option<LitStr>,
    pub references: Option<Path>,
    pub as_of: Option<Ident>,
    pub tracked: Option<Span>,
    pub valid_from: Option<Span>,
    pub valid_to: Option<Span>,
    pub is_current: Option<Span>,
}

/// Where an attribute is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Struct,
    Field,
}

const CONTAINER_KEYS: &[&str] = &[
    "table",
    "diststyle",
    "distkey",
    "sortkey",
    "interleaved_sortkey",
    "source",
    "filter",
    "latest_by",
    "tie_break",
    "lookup",
    "keyless",
    "history",
];

const FIELD_KEYS: &[&str] = &[
    "column",
    "varchar",
    "encode",
    "identity",
    "natural_key",
    "primary_key",
    "distkey",
    "json",
    "epoch_millis",
    "from",
    "expr",
    "references",
    "as_of",
    "tracked",
    "valid_from",
    "valid_to",
    "is_current",
];

impl Place {
    fn keys(self) -> &'static [&'static str] {
        match self {
            Place::Struct => CONTAINER_KEYS,
            Place::Field => FIELD_KEYS,
        }
    }

    fn other(self) -> Place {
        match self {
            Place::Struct => Place::Field,
            Place::Field => Place::Struct,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Place::Struct => "the struct",
            Place::Field => "a field",
        }
    }
}

/// Which derives accept a key, and how to say so when one does not.
fn key_scope(key: &str, derive: Derive) -> Result<(), &'static str> {
    use Derive::*;
    let ok = match key {
        "column" => true,
        "table"
        | "diststyle"
        | "distkey"
        | "sortkey"
        | "interleaved_sortkey"
        | "varchar"
        | "encode" => derive != Row,
        "json" | "epoch_millis" => derive == Staging,
        "source" | "filter" | "latest_by" | "tie_break" | "lookup" | "identity" | "natural_key"
        | "primary_key" | "from" | "expr" => matches!(derive, Dimension | Fact),
        "references" | "keyless" | "as_of" => derive == Fact,
        "history" | "tracked" | "valid_from" | "valid_to" | "is_current" => derive == Dimension,
        _ => true,
    };
    if ok {
        return Ok(());
    }
    Err(match key {
        "json" | "epoch_millis" => "applies to staging tables only",
        "references" | "as_of" => "applies to fact tables only",
        "history" | "tracked" | "valid_from" | "valid_to" | "is_current" => {
            "applies to dimension tables only: only a dimension keeps a history of versions"
        }
        "keyless" => {
            "applies to fact tables only: a dimension is upserted by its natural key, \
             so it needs one (`#[dwh(natural_key)]`)"
        }
        "source" | "filter" | "latest_by" | "tie_break" | "lookup" | "identity" | "natural_key"
        | "primary_key" | "from" | "expr" => "applies to dimension and fact tables only",
        _ => "does not apply to `Row`, which only reads query results",
    })
}

/// Records the first use of each key, reporting repeats.
#[derive(Default)]
struct Seen(Vec<String>);

impl Seen {
    fn first_use(&mut self, cx: &Ctxt, key: &str, path: &Path) -> bool {
        if self.contains(key) {
            cx.error_spanned_by(path, format!("duplicate dwh attribute `{key}`"));
            return false;
        }
        self.0.push(key.to_owned());
        true
    }

    fn contains(&self, key: &str) -> bool {
        self.0.iter().any(|k| k == key)
    }
}

/// Calls `f` for every `key ...` inside every `#[dwh(...)]`. An error from
/// `f` is recorded and the rest of that key is skipped, so the keys after it
/// are still parsed.
fn for_each_key(
    cx: &Ctxt,
    attrs: &[Attribute],
    mut f: impl FnMut(&ParseNestedMeta, &str) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("dwh")) {
        let result = attr.parse_nested_meta(|meta| {
            let result = f(&meta, &key_name(&meta));
            recover(cx, meta.input, result)
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
}

fn key_name(meta: &ParseNestedMeta) -> String {
    let path = &meta.path;
    match path.get_ident() {
        Some(ident) => ident.unraw().to_string(),
        None => quote::quote!(#path).to_string().replace(' ', ""),
    }
}

/// The tokens up to the next `,` of this level, or to the end.
fn until_comma(input: ParseStream) -> syn::Result<TokenStream> {
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        tokens.extend([input.parse::<TokenTree>()?]);
    }
    Ok(tokens)
}

fn skip_to_comma(input: ParseStream) -> syn::Result<()> {
    until_comma(input).map(drop)
}

/// Consumes whatever follows a key: `= value` or `(...)`; returns its tokens.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<TokenStream> {
    if meta.input.peek(Token![=]) {
        meta.input.parse::<Token![=]>()?;
        return until_comma(meta.input);
    }
    if meta.input.peek(syn::token::Paren) {
        return Ok(meta.input.parse::<TokenTree>()?.into());
    }
    Ok(TokenStream::new())
}

/// Reports an unknown, misplaced or repeated key; true when it may be parsed.
fn accept_key(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    key: &str,
    place: Place,
    derive: Derive,
    seen: &mut Seen,
) -> bool {
    if !place.keys().contains(&key) {
        let message = if place.other().keys().contains(&key) {
            format!(
                "dwh attribute `{key}` belongs on {}, not on {}",
                place.other().describe(),
                place.describe()
            )
        } else {
            format!(
                "unknown dwh attribute `{key}`{}",
                suggestion(key, place.keys().iter().copied())
            )
        };
        cx.error_spanned_by(&meta.path, message);
        return false;
    }
    if let Err(why) = key_scope(key, derive) {
        cx.error_spanned_by(&meta.path, format!("dwh attribute `{key}` {why}"));
        return false;
    }
    // `lookup` may repeat: one per joined table.
    key == "lookup" || seen.first_use(cx, key, &meta.path)
}

pub fn parse_container(cx: &Ctxt, attrs: &[Attribute], derive: Derive) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    let mut seen = Seen::default();
    for_each_key(cx, attrs, |meta, key| {
        if accept_key(cx, meta, key, Place::Struct, derive, &mut seen) {
            container_key(cx, meta, key, &mut out)
        } else {
            skip_value(meta).map(drop)
        }
    });
    if seen.contains("sortkey") && seen.contains("interleaved_sortkey") {
        if let Some(sortkey) = &out.sortkey {
            cx.syn_error(syn::Error::new(
                sortkey.span,
                "a table has one sort key: use either `sortkey(...)` or `interleaved_sortkey(...)`",
            ));
        }
    }
    out
}

fn container_key(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    key: &str,
    out: &mut ContainerAttrs,
) -> syn::Result<()> {
    match key {
        "table" => out.table = Some(meta.value()?.parse()?),
        "diststyle" => {
            out.diststyle = keyword(cx, meta, "diststyle", DistStyle::parse, DistStyle::names)?;
        }
        "distkey" => out.distkey = Some(field_name(meta.value()?)?),
        "sortkey" | "interleaved_sortkey" => {
            let style = match key {
                "sortkey" => SortStyle::Compound,
                _ => SortStyle::Interleaved,
            };
            let columns = parse_field_list(meta, key)?;
            out.sortkey = Some(WithSpan::new((style, columns), meta.path.span()));
        }
        "source" => out.source = Some(meta.value()?.parse()?),
        "filter" => out.filter = Some(meta.value()?.parse()?),
        "latest_by" => out.latest_by = Some(meta.value()?.parse()?),
        "tie_break" => out.tie_break = Some(meta.value()?.parse()?),
        "lookup" => {
            if let Some(lookup) = parse_lookup(cx, meta)? {
                out.lookups.push(lookup);
            }
        }
        "keyless" => out.keyless = Some(flag(cx, meta, key)?),
        "history" => {
            out.history = keyword(cx, meta, "history", HistoryKind::parse, HistoryKind::names)?
        }
        _ => return Err(unhandled(meta, key)),
    }
    Ok(())
}

/// `accept_key` admits only listed keys, and every listed key has an arm;
/// this reports rather than panics should the two ever disagree.
fn unhandled(meta: &ParseNestedMeta, key: &str) -> syn::Error {
    meta.error(format!("dwh attribute `{key}` is not supported here"))
}

/// A field name as written in `distkey = x` or `sortkey(x, y)`.
fn field_name(input: ParseStream) -> syn::Result<Ident> {
    input
        .call(Ident::parse_any)
        .map_err(|e| syn::Error::new(e.span(), "expected a field name"))
}

/// `sortkey(a, b)`: at least the parentheses; emptiness is checked later.
fn parse_field_list(meta: &ParseNestedMeta, key: &str) -> syn::Result<Vec<Ident>> {
    if !meta.input.peek(syn::token::Paren) {
        let message = format!("`{key}` takes a list of fields: `{key}(a, b)`");
        skip_value(meta)?;
        return Err(syn::Error::new_spanned(&meta.path, message));
    }
    comma_list(meta.input, field_name)
}

/// The comma-separated items of the parenthesized group at the front of
/// `input`. On an error the rest of the group is consumed, so that syn adds
/// no "unexpected token" error of its own.
fn comma_list<T>(
    input: ParseStream,
    item: fn(ParseStream) -> syn::Result<T>,
) -> syn::Result<Vec<T>> {
    let content;
    syn::parenthesized!(content in input);
    match Punctuated::<T, Token![,]>::parse_terminated_with(&content, item) {
        Ok(items) => Ok(items.into_iter().collect()),
        Err(e) => {
            content.parse::<TokenStream>()?;
            Err(e)
        }
    }
}

/// Records an error from parsing one key and skips the rest of that key.
fn recover(cx: &Ctxt, input: ParseStream, result: syn::Result<()>) -> syn::Result<()> {
    if let Err(e) = result {
        cx.syn_error(e);
        skip_to_comma(input)?;
    }
    Ok(())
}

const LOOKUP_KEYS: &[&str] = &["table", "alias", "on", "join"];
const JOIN_KEYS: &[&str] = &["table", "alias", "key", "on"];

/// The keys of a `lookup(...)` or of a `join(...)` inside one.
#[derive(Default)]
struct LookupParts {
    table: Option<Path>,
    alias: Option<LitStr>,
    key: Option<Vec<(Ident, LitStr)>>,
    on: Option<Vec<(Ident, LitStr)>>,
    joins: Vec<JoinAttr>,
    seen: Seen,
}

/// Parses the keys `allowed` of a `lookup(...)` (`what` = "lookup") or
/// `join(...)`, reporting unknown and repeated ones.
fn parse_lookup_parts(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    what: &str,
    allowed: &[&str],
) -> syn::Result<LookupParts> {
    let mut parts = LookupParts::default();
    meta.parse_nested_meta(|inner| {
        let key = key_name(&inner);
        if !allowed.contains(&key.as_str()) {
            let hint = suggestion(&key, allowed.iter().copied());
            cx.error_spanned_by(&inner.path, format!("unknown {what} key `{key}`{hint}"));
            return skip_value(&inner).map(drop);
        }
        // `join` may repeat: one per joined table.
        if key != "join" && !parts.seen.first_use(cx, &key, &inner.path) {
            return skip_value(&inner).map(drop);
        }
        let result = match key.as_str() {
            "table" => inner
                .value()
                .and_then(|v| v.parse())
                .map(|t| parts.table = Some(t)),
            "alias" => inner
                .value()
                .and_then(|v| v.parse())
                .map(|a| parts.alias = Some(a)),
            "key" => comma_list(inner.input, on_pair).map(|pairs| parts.key = Some(pairs)),
            "join" => parse_join(cx, &inner).map(|join| parts.joins.extend(join)),
            _ => comma_list(inner.input, on_pair).map(|pairs| parts.on = Some(pairs)),
        };
        recover(cx, inner.input, result)
    })?;
    Ok(parts)
}

/// Reports the required keys of a lookup or join that are missing.
fn report_missing(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    what: &str,
    seen: &Seen,
    required: &[(&str, &str)],
) {
    let missing: Vec<&str> = required
        .iter()
        .filter_map(|(key, part)| (!seen.contains(key)).then_some(*part))
        .collect();
    if !missing.is_empty() {
        let message = format!("this {what} is missing {}", missing.join(" and "));
        cx.error_spanned_by(&meta.path, message);
    }
}

/// `lookup(table = Type, alias = "a", on(column = "expr", ...), join(...)*)`;
/// `None` (reported) when the table or alias is missing.
fn parse_lookup(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<LookupAttr>> {
    let parts = parse_lookup_parts(cx, meta, "lookup", LOOKUP_KEYS)?;
    let required = [
        ("table", "`table = Type`"),
        ("alias", "`alias = \"a\"`"),
        ("on", "`on(column = \"expr\", ...)`"),
    ];
    report_missing(cx, meta, "lookup", &parts.seen, &required);
    if required.iter().all(|(k, _)| parts.seen.contains(k))
        && parts.on.as_ref().is_some_and(Vec::is_empty)
    {
        cx.error_spanned_by(
            &meta.path,
            "a lookup needs at least one `on(column = \"expr\")`",
        );
    }
    Ok(parts
        .table
        .zip(parts.alias)
        .map(|(table, alias)| LookupAttr {
            table,
            alias,
            on: parts.on.unwrap_or_default(),
            joins: parts.joins,
        }))
}

/// `join(table = Type, alias = "a", key(column = "expr", ...), on(...))`
/// inside a lookup; `None` (reported) when a required key is missing.
fn parse_join(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<JoinAttr>> {
    let parts = parse_lookup_parts(cx, meta, "join", JOIN_KEYS)?;
    let required = [
        ("table", "`table = Type`"),
        ("alias", "`alias = \"a\"`"),
        ("key", "`key(column = \"alias.column\", ...)`"),
    ];
    report_missing(cx, meta, "join", &parts.seen, &required);
    if parts.key.as_ref().is_some_and(Vec::is_empty) {
        cx.error_spanned_by(
            &meta.path,
            "a join needs at least one `key(column = \"alias.column\")`",
        );
    }
    Ok(match (parts.table, parts.alias, parts.key) {
        (Some(table), Some(alias), Some(key)) => Some(JoinAttr {
            table,
            alias,
            key,
            on: parts.on.unwrap_or_default(),
        }),
        _ => None,
    })
}

/// `column = "expr"` inside a lookup's `on(...)`.
fn on_pair(input: ParseStream) -> syn::Result<(Ident, LitStr)> {
    let column = input
        .call(Ident::parse_any)
        .map_err(|e| syn::Error::new(e.span(), "expected a column of the looked-up table"))?;
    input.parse::<Token![=]>()?;
    Ok((column.unraw(), input.parse()?))
}

pub fn parse_field(cx: &Ctxt, attrs: &[Attribute], derive: Derive) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    let mut seen = Seen::default();
    for_each_key(cx, attrs, |meta, key| {
        if accept_key(cx, meta, key, Place::Field, derive, &mut seen) {
            field_key(cx, meta, key, &mut out)
        } else {
            skip_value(meta).map(drop)
        }
    });
    out
}

fn field_key(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    key: &str,
    out: &mut FieldAttrs,
) -> syn::Result<()> {
    match key {
        "column" => out.column = Some(meta.value()?.parse()?),
        "varchar" => {
            let input = meta.value()?;
            let span = input.span();
            let len = parse_varchar(input).unwrap_or_else(|e| {
                cx.syn_error(e);
                WithSpan::new(VarcharLen::Invalid, span)
            });
            out.varchar = Some(len);
        }
        "encode" => {
            out.encode = keyword(cx, meta, "encoding", EncodeName::parse, EncodeName::names)?
        }
        "identity" => out.identity = Some(flag(cx, meta, key)?),
        "natural_key" => out.natural_key = Some(flag(cx, meta, key)?),
        "primary_key" => out.primary_key = Some(flag(cx, meta, key)?),
        "distkey" => out.distkey = Some(flag(cx, meta, key)?),
        "json" => out.json = Some(meta.value()?.parse()?),
        "epoch_millis" => out.epoch_millis = Some(flag(cx, meta, key)?),
        "from" => out.from = Some(meta.value()?.parse()?),
        "expr" => out.expr = Some(meta.value()?.parse()?),
        "references" => out.references = Some(meta.value()?.parse()?),
        "as_of" => out.as_of = Some(field_name(meta.value()?)?),
        "tracked" => out.tracked = Some(flag(cx, meta, key)?),
        "valid_from" => out.valid_from = Some(flag(cx, meta, key)?),
        "valid_to" => out.valid_to = Some(flag(cx, meta, key)?),
        "is_current" => out.is_current = Some(flag(cx, meta, key)?),
        _ => return Err(unhandled(meta, key)),
    }
    Ok(())
}

/// A key written alone, such as `natural_key`. A value after it is reported
/// but the flag still counts, so no follow-on error says it is missing.
fn flag(cx: &Ctxt, meta: &ParseNestedMeta, key: &str) -> syn::Result<Span> {
    let value = skip_value(meta)?;
    if !value.is_empty() {
        cx.error_spanned_by(
            value,
            format!("`{key}` takes no value: write `#[dwh({key})]`"),
        );
    }
    Ok(meta.path.span())
}

fn parse_varchar(input: ParseStream) -> syn::Result<WithSpan<VarcharLen>> {
    let expected = "expected a byte length such as `varchar = 256`, or `varchar = max`";
    if input.peek(Ident) {
        let ident: Ident = input.parse()?;
        if ident == "max" || ident == "MAX" {
            return Ok(WithSpan::new(VarcharLen::Max, ident.span()));
        }
        return Err(syn::Error::new(ident.span(), expected));
    }
    if input.peek(LitInt) {
        let lit: LitInt = input.parse()?;
        let bytes = lit
            .base10_parse()
            .map_err(|_| syn::Error::new(lit.span(), expected))?;
        return Ok(WithSpan::new(VarcharLen::Bytes(bytes), lit.span()));
    }
    Err(syn::Error::new_spanned(until_comma(input)?, expected))
}

/// Parses a keyword value such as `even` or `zstd`, in either case as SQL
/// allows. An unknown word is recorded, with a did-you-mean or the choices.
fn keyword<T, N: Iterator<Item = &'static str>>(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    what: &str,
    parse: fn(&str) -> Option<T>,
    names: fn() -> N,
) -> syn::Result<Option<WithSpan<T>>> {
    let choices = || {
        let quoted: Vec<String> = names().map(|n| format!("`{n}`")).collect();
        format!("expected one of {}", quoted.join(", "))
    };
    let input = meta.value()?;
    if let Ok(lit) = input.fork().parse::<LitStr>() {
        input.parse::<LitStr>()?;
        return Err(syn::Error::new(
            lit.span(),
            format!("write the {what} without quotes: `{}`", lit.value()),
        ));
    }
    let ident = input
        .call(Ident::parse_any)
        .map_err(|e| syn::Error::new(e.span(), choices()))?;
    let text = ident.to_string().to_ascii_lowercase();
    let parsed = parse(&text);
    if parsed.is_none() {
        let hint = match suggestion(&text, names()) {
            s if s.is_empty() => format!("; {}", choices()),
            s => s,
        };
        cx.error_spanned_by(&ident, format!("unknown {what} `{ident}`{hint}"));
    }
    Ok(parsed.map(|value| WithSpan::new(value, ident.span())))
}

/// Tokens of a path, for error spans that cover the whole path.
pub fn path_tokens(path: &Path) -> TokenStream {
    quote::quote!(#path)
}
