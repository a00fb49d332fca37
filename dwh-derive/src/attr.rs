//! Parsing of `#[dwh(...)]` attributes into plain values with their spans.
//! Unknown or misplaced keys are recorded in the context and skipped, so
//! parsing goes on and every mistake is reported.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
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
}

pub struct LookupAttr {
    pub table: Path,
    pub alias: LitStr,
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
    pub lookups: Vec<LookupAttr>,
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
    "lookup",
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
];

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
        "source" | "filter" | "latest_by" | "lookup" | "identity" | "natural_key"
        | "primary_key" | "from" | "expr" => matches!(derive, Dimension | Fact),
        "references" => derive == Fact,
        _ => true,
    };
    if ok {
        return Ok(());
    }
    Err(match key {
        "json" | "epoch_millis" => "applies to staging tables only",
        "references" => "applies to fact tables only",
        "source" | "filter" | "latest_by" | "lookup" | "identity" | "natural_key"
        | "primary_key" | "from" | "expr" => "applies to dimension and fact tables only",
        _ => "does not apply to `Row`, which only reads query results",
    })
}

/// Records the first use of each key, reporting repeats.
#[derive(Default)]
struct Seen(Vec<String>);

impl Seen {
    fn first_use(&mut self, cx: &Ctxt, key: &str, path: &Path) -> bool {
        if self.0.iter().any(|k| k == key) {
            cx.error_spanned_by(path, format!("duplicate dwh attribute `{key}`"));
            return false;
        }
        self.0.push(key.to_owned());
        true
    }
}

fn dwh_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("dwh"))
}

fn key_name(meta: &ParseNestedMeta) -> String {
    let path = &meta.path;
    path.get_ident()
        .map(Ident::to_string)
        .unwrap_or_else(|| quote::quote!(#path).to_string().replace(' ', ""))
}

/// Consumes whatever follows a key we do not understand: `= value` or `(...)`.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}

/// Reports an unknown or misplaced key; true when the key may be parsed.
fn accept_key(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    key: &str,
    known: &[&str],
    derive: Derive,
    seen: &mut Seen,
) -> bool {
    if !known.contains(&key) {
        cx.error_spanned_by(
            &meta.path,
            format!(
                "unknown dwh attribute `{key}`{}",
                suggestion(key, known.iter().copied())
            ),
        );
        return false;
    }
    if let Err(why) = key_scope(key, derive) {
        cx.error_spanned_by(&meta.path, format!("dwh attribute `{key}` {why}"));
        return false;
    }
    seen.first_use(cx, key, &meta.path)
}

pub fn parse_container(cx: &Ctxt, attrs: &[Attribute], derive: Derive) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    let mut seen = Seen::default();
    for attr in dwh_attrs(attrs) {
        let result = attr.parse_nested_meta(|meta| {
            let key = key_name(&meta);
            // `lookup` may repeat: one per joined table.
            let repeatable = key == "lookup";
            let mut scratch = Seen::default();
            let seen = if repeatable { &mut scratch } else { &mut seen };
            if !accept_key(cx, &meta, &key, CONTAINER_KEYS, derive, seen) {
                return skip_value(&meta);
            }
            match key.as_str() {
                "table" => out.table = Some(meta.value()?.parse()?),
                "diststyle" => {
                    let ident: Ident = meta.value()?.parse()?;
                    out.diststyle = parse_keyword(cx, &ident, DistStyle::parse, DistStyle::NAMES)
                        .map(|d| WithSpan::new(d, ident.span()));
                }
                "distkey" => out.distkey = Some(meta.value()?.parse()?),
                "sortkey" | "interleaved_sortkey" => {
                    let style = if key == "sortkey" {
                        SortStyle::Compound
                    } else {
                        SortStyle::Interleaved
                    };
                    let columns = parse_ident_list(&meta)?;
                    out.sortkey = Some(WithSpan::new((style, columns), meta.path.span()));
                }
                "source" => out.source = Some(meta.value()?.parse()?),
                "filter" => out.filter = Some(meta.value()?.parse()?),
                "latest_by" => out.latest_by = Some(meta.value()?.parse()?),
                "lookup" => out.lookups.push(parse_lookup(cx, &meta)?),
                _ => unreachable!("key list and match agree"),
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    if seen.0.iter().any(|k| k == "sortkey") && seen.0.iter().any(|k| k == "interleaved_sortkey") {
        if let Some(sk) = &out.sortkey {
            cx.syn_error(syn::Error::new(
                sk.span,
                "a table has one sort key: use either `sortkey(...)` or `interleaved_sortkey(...)`",
            ));
        }
    }
    out
}

fn parse_ident_list(meta: &ParseNestedMeta) -> syn::Result<Vec<Ident>> {
    let mut idents = Vec::new();
    meta.parse_nested_meta(|inner| {
        match inner.path.get_ident() {
            Some(ident) => idents.push(ident.clone()),
            None => return Err(inner.error("expected a field name")),
        }
        Ok(())
    })?;
    Ok(idents)
}

fn parse_lookup(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<LookupAttr> {
    let mut table = None;
    let mut alias = None;
    let mut on = Vec::new();
    let span = meta.path.span();
    meta.parse_nested_meta(|inner| {
        let key = key_name(&inner);
        match key.as_str() {
            "table" => table = Some(inner.value()?.parse::<Path>()?),
            "alias" => alias = Some(inner.value()?.parse::<LitStr>()?),
            "on" => inner.parse_nested_meta(|pair| {
                let column = pair
                    .path
                    .get_ident()
                    .cloned()
                    .ok_or_else(|| pair.error("expected a column name"))?;
                on.push((column, pair.value()?.parse::<LitStr>()?));
                Ok(())
            })?,
            _ => {
                cx.error_spanned_by(
                    &inner.path,
                    format!(
                        "unknown lookup key `{key}`{}",
                        suggestion(&key, ["table", "alias", "on"])
                    ),
                );
                skip_value(&inner)?;
            }
        }
        Ok(())
    })?;
    let (Some(table), Some(alias)) = (table, alias) else {
        return Err(syn::Error::new(
            span,
            "a lookup needs `table = Type`, `alias = \"a\"` and `on(column = \"expr\", ...)`",
        ));
    };
    if on.is_empty() {
        cx.syn_error(syn::Error::new(
            span,
            "a lookup needs at least one `on(column = \"expr\")` condition",
        ));
    }
    Ok(LookupAttr { table, alias, on })
}

pub fn parse_field(cx: &Ctxt, attrs: &[Attribute], derive: Derive) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    let mut seen = Seen::default();
    for attr in dwh_attrs(attrs) {
        let result = attr.parse_nested_meta(|meta| {
            let key = key_name(&meta);
            if !accept_key(cx, &meta, &key, FIELD_KEYS, derive, &mut seen) {
                return skip_value(&meta);
            }
            let flag = || Some(meta.path.span());
            match key.as_str() {
                "column" => out.column = Some(meta.value()?.parse()?),
                "varchar" => out.varchar = Some(parse_varchar(&meta)?),
                "encode" => {
                    let ident: Ident = meta.value()?.parse()?;
                    out.encode = parse_keyword(cx, &ident, EncodeName::parse, EncodeName::NAMES)
                        .map(|e| WithSpan::new(e, ident.span()));
                }
                "identity" => out.identity = flag(),
                "natural_key" => out.natural_key = flag(),
                "primary_key" => out.primary_key = flag(),
                "distkey" => out.distkey = flag(),
                "json" => out.json = Some(meta.value()?.parse()?),
                "epoch_millis" => out.epoch_millis = flag(),
                "from" => out.from = Some(meta.value()?.parse()?),
                "expr" => out.expr = Some(meta.value()?.parse()?),
                "references" => out.references = Some(meta.value()?.parse()?),
                _ => unreachable!("key list and match agree"),
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

fn parse_varchar(meta: &ParseNestedMeta) -> syn::Result<WithSpan<VarcharLen>> {
    let input = meta.value()?;
    if input.peek(Ident) {
        let ident: Ident = input.parse()?;
        if ident == "max" || ident == "MAX" {
            return Ok(WithSpan::new(VarcharLen::Max, ident.span()));
        }
        return Err(syn::Error::new(
            ident.span(),
            "expected a byte length such as `varchar = 256`, or `varchar = max`",
        ));
    }
    let lit: LitInt = input.parse()?;
    Ok(WithSpan::new(
        VarcharLen::Bytes(lit.base10_parse()?),
        lit.span(),
    ))
}

/// Parses a lowercase keyword value such as `even` or `zstd`.
fn parse_keyword<T>(
    cx: &Ctxt,
    ident: &Ident,
    parse: fn(&str) -> Option<T>,
    names: &[&str],
) -> Option<T> {
    let text = ident.to_string().to_ascii_lowercase();
    let parsed = parse(&text);
    if parsed.is_none() {
        let expected: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        cx.error_spanned_by(
            ident,
            format!(
                "unknown value `{ident}`; expected one of {}{}",
                expected.join(", "),
                suggestion(&text, names.iter().copied())
            ),
        );
    }
    parsed
}

/// Tokens of a path, for error spans that cover the whole path.
pub fn path_tokens(path: &Path) -> TokenStream {
    quote::quote!(#path)
}
