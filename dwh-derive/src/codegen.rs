//! Code generation: the checked model becomes a `const TABLE` of plain data
//! plus trait impls. Generated code names only `::dwh_core` paths.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{DeriveInput, Path, Type};

use crate::check;
use crate::ctxt::Ctxt;
use crate::history::HistoryModel;
use crate::model::{ColumnModel, Derive, FillModel, LoadModel, SortStyle, TableModel};

pub fn expand(input: &DeriveInput, derive: Derive) -> syn::Result<TokenStream> {
    let cx = Ctxt::default();
    let model = check::build(&cx, input, derive);
    cx.check()?;
    // `build` returns no model only after recording why.
    let model = model.ok_or_else(|| syn::Error::new_spanned(&input.ident, "not a dwh table"))?;
    let bounds = column_bounds(&model);
    let from_row = from_row_impl(input, &model, &bounds);
    let table = table_trait(derive).map(|t| table_impls(&model, &t, &bounds));
    Ok(quote! {
        #[doc(hidden)]
        const _: () = {
            #from_row
            #table
        };
    })
}

fn table_trait(derive: Derive) -> Option<TokenStream> {
    match derive {
        Derive::Staging => Some(quote!(::dwh_core::StagingTable)),
        Derive::Dimension => Some(quote!(::dwh_core::DimTable)),
        Derive::Fact => Some(quote!(::dwh_core::FactTable)),
        Derive::Row => None,
    }
}

/// One `Type: SqlColumn` bound per column of a table (none for `Row`, which
/// reads any type the driver decodes). Every impl carries the same bounds, so
/// an unsupported type is reported once, at the field, and not again where
/// the impls use each other.
fn column_bounds(model: &TableModel) -> Vec<TokenStream> {
    if !model.derive.is_table() {
        return Vec::new();
    }
    model
        .columns
        .iter()
        .map(|c| sql_column_bound(&c.ty))
        .collect()
}

/// `Type: SqlColumn`, its span running from the type's first token to its
/// last so that the whole type is underlined.
fn sql_column_bound(ty: &Type) -> TokenStream {
    let (_, last) = span_ends(ty);
    quote_spanned!(last=> #ty: ::dwh_core::__private::SqlColumn)
}

/// The spans of a type's first and last tokens. Generated tokens spanned from
/// one to the other make rustc underline the whole type, which a single span
/// cannot do on stable.
fn span_ends(ty: &Type) -> (Span, Span) {
    let mut tokens = ty.to_token_stream().into_iter().map(|t| t.span());
    let first = tokens.next().unwrap_or_else(|| ty.span());
    (first, tokens.last().unwrap_or(first))
}

fn from_row_impl(input: &DeriveInput, model: &TableModel, bounds: &[TokenStream]) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let predicates = where_clause.into_iter().flat_map(|w| &w.predicates);
    let names = model.columns.iter().map(|c| &c.name);
    let inits = model.columns.iter().map(|c| {
        let field = &c.field;
        let name = &c.name;
        // The call spans the field's type: a type the driver cannot decode
        // is underlined there.
        let (first, last) = span_ends(&c.ty);
        let get = quote_spanned!(first=> ::dwh_core::__private::get);
        let args = quote_spanned!(last=> (__row, #name));
        quote! { #field: #get #args? }
    });
    quote! {
        #[automatically_derived]
        impl #impl_generics ::dwh_core::FromRow for #ident #ty_generics
        where
            #(#predicates,)*
            #(#bounds,)*
        {
            const COLUMNS: &'static [&'static str] = &[#(#names),*];

            fn from_row(
                __row: &::dwh_core::__private::PgRow,
            ) -> ::core::result::Result<Self, ::dwh_core::RowError> {
                ::core::result::Result::Ok(Self { #(#inits),* })
            }
        }
    }
}

fn table_impls(
    model: &TableModel,
    trait_path: &TokenStream,
    bounds: &[TokenStream],
) -> TokenStream {
    let ident = &model.ident;
    let table = table_expr(model);
    let requirements = model.requirements.iter().map(|r| {
        let table = &r.table;
        let column = &r.column;
        let message = &r.message;
        quote_spanned! {r.span=>
            const _: () = if !::dwh_core::__private::has_column(
                &<#table as ::dwh_core::AnyTable>::TABLE, #column,
            ) {
                ::core::panic!("{}", #message)
            };
        }
    });
    let versioned = model
        .columns
        .iter()
        .filter(|c| c.as_of.is_none())
        .filter_map(|c| Some((c, c.references.as_ref()?)))
        .map(|(c, path)| {
            let message = format!(
                "column `{}` refers to a type-2 dimension (`history = scd2`): add \
                 `as_of = <timestamp field>` to pick the version valid at the row's time",
                c.name
            );
            quote_spanned! {path.span()=>
                const _: () = if <#path as ::dwh_core::DimTable>::TABLE.history.is_some() {
                    ::core::panic!("{}", #message)
                };
            }
        });
    quote! {
        #(#versioned)*

        #[automatically_derived]
        impl #trait_path for #ident where #(#bounds,)* {
            const TABLE: ::dwh_core::schema::Table = #table;
        }

        #[automatically_derived]
        impl ::dwh_core::AnyTable for #ident where #(#bounds,)* {
            const TABLE: ::dwh_core::schema::Table = <#ident as #trait_path>::TABLE;
        }

        #(#requirements)*
    }
}

fn table_expr(model: &TableModel) -> TokenStream {
    let name = &model.name;
    let rust_name = model.ident.to_string();
    let kind = format_ident!(
        "{}",
        match model.derive {
            Derive::Staging => "Staging",
            Derive::Dimension => "Dimension",
            _ => "Fact",
        }
    );
    let dist_style = format_ident!("{}", model.dist_style.variant());
    let dist_key = option_str(model.dist_key.as_deref());
    let sort_key = sort_key_expr(model.sort_key.as_ref());
    let natural_key = &model.natural_key;
    let primary_key = &model.primary_key;
    let doc = &model.doc;
    let columns = model.columns.iter().map(column_expr);
    let history = history_expr(model.history.as_ref());
    let load = match &model.load {
        None => quote!(::core::option::Option::None),
        Some(load) => {
            let load = load_expr(load);
            quote!(::core::option::Option::Some(#load))
        }
    };
    quote! {
        ::dwh_core::schema::Table {
            name: #name,
            rust_name: #rust_name,
            kind: ::dwh_core::schema::TableKind::#kind,
            columns: &[#(#columns),*],
            dist_style: ::dwh_core::schema::DistStyle::#dist_style,
            dist_key: #dist_key,
            sort_key: #sort_key,
            natural_key: &[#(#natural_key),*],
            primary_key: &[#(#primary_key),*],
            load: #load,
            history: #history,
            doc: #doc,
        }
    }
}

/// The table's `Option<SortKey>`: its style and columns, when it has one.
fn sort_key_expr(sort_key: Option<&(SortStyle, Vec<String>)>) -> TokenStream {
    let Some((style, columns)) = sort_key else {
        return quote!(::core::option::Option::None);
    };
    let style = format_ident!(
        "{}",
        match style {
            SortStyle::Compound => "Compound",
            SortStyle::Interleaved => "Interleaved",
        }
    );
    quote!(::core::option::Option::Some(::dwh_core::schema::SortKey {
        style: ::dwh_core::schema::SortStyle::#style,
        columns: &[#(#columns),*],
    }))
}

/// The table's `Option<History>`: a type-2 dimension's tracked columns and
/// the three columns the history load fills.
fn history_expr(history: Option<&HistoryModel>) -> TokenStream {
    let Some(h) = history else {
        return quote!(::core::option::Option::None);
    };
    let (tracked, from, to, current) = (&h.tracked, &h.valid_from, &h.valid_to, &h.is_current);
    quote!(::core::option::Option::Some(::dwh_core::schema::History {
        tracked: &[#(#tracked),*],
        valid_from: #from,
        valid_to: #to,
        is_current: #current,
    }))
}

fn column_expr(c: &ColumnModel) -> TokenStream {
    let name = &c.name;
    let field = c.field.to_string();
    let ty = &c.ty;
    let len = c.varchar_len.unwrap_or(0);
    let nullable = c.nullable;
    let encode = match c.encode {
        None => quote!(::core::option::Option::None),
        Some(e) => {
            let variant = format_ident!("{}", e.variant());
            quote!(::core::option::Option::Some(::dwh_core::schema::Encode::#variant))
        }
    };
    let identity = c.identity;
    let doc = &c.doc;
    let rust_type = rust_type(&c.ty, c.nullable);
    let json = match &c.json {
        None => quote!(::core::option::Option::None),
        Some((key, epoch_millis)) => quote!(::core::option::Option::Some(
            ::dwh_core::schema::JsonField { key: #key, epoch_millis: #epoch_millis }
        )),
    };
    let fill = match &c.fill {
        FillModel::None => quote!(::dwh_core::schema::Fill::None),
        FillModel::Column(alias, column) => {
            let text = match alias {
                Some(alias) => format!("{alias}.{column}"),
                None => column.clone(),
            };
            quote!(::dwh_core::schema::Fill::Column(#text))
        }
        FillModel::Expr(expr) => quote!(::dwh_core::schema::Fill::Expr(#expr)),
    };
    let references = match &c.references {
        None => quote!(::core::option::Option::None),
        Some(path) => {
            let table = dim_table(path);
            quote!(::core::option::Option::Some(#table))
        }
    };
    let as_of = option_str(c.as_of.as_deref());
    quote! {
        ::dwh_core::schema::Column {
            name: #name,
            field: #field,
            ty: ::dwh_core::__private::sql_type::<#ty>(#len),
            nullable: #nullable,
            encode: #encode,
            identity: #identity,
            json: #json,
            fill: #fill,
            references: #references,
            as_of: #as_of,
            doc: #doc,
            rust_type: #rust_type,
        }
    }
}

/// The field's Rust type as written, e.g. `Option<NaiveDateTime>`, for docs.
fn rust_type(ty: &Type, nullable: bool) -> String {
    let text = ty.to_token_stream().to_string();
    let text = [
        (" :: ", "::"),
        (":: ", "::"),
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
    ]
    .iter()
    .fold(text, |t, (from, to)| t.replace(from, to));
    if nullable {
        format!("Option<{text}>")
    } else {
        text
    }
}

/// `&<Path as DimTable>::TABLE`, spanned so a non-dimension errors at the path.
fn dim_table(path: &Path) -> TokenStream {
    quote_spanned!(path.span()=> &<#path as ::dwh_core::DimTable>::TABLE)
}

fn any_table(path: &Path) -> TokenStream {
    quote_spanned!(path.span()=> &<#path as ::dwh_core::AnyTable>::TABLE)
}

fn load_expr(load: &LoadModel) -> TokenStream {
    let source = any_table(&load.source);
    let filter = option_str(load.filter.as_deref());
    let latest_by = option_str(load.latest_by.as_deref());
    let tie_break = option_str(load.tie_break.as_deref());
    let lookups = load.lookups.iter().map(|l| {
        let table = any_table(&l.table);
        let alias = &l.alias;
        let on = l.on.iter().map(|(column, expr)| quote!((#column, #expr)));
        let joins = l.joins.iter().map(|j| {
            let table = any_table(&j.table);
            let alias = &j.alias;
            let key = j.key.iter().map(|(column, expr)| quote!((#column, #expr)));
            let on = j.on.iter().map(|(column, expr)| quote!((#column, #expr)));
            quote! {
                ::dwh_core::schema::LookupJoin {
                    table: #table, alias: #alias, key: &[#(#key),*], on: &[#(#on),*],
                }
            }
        });
        quote! {
            ::dwh_core::schema::Lookup {
                table: #table, alias: #alias, on: &[#(#on),*], joins: &[#(#joins),*],
            }
        }
    });
    quote! {
        ::dwh_core::schema::Load {
            source: #source,
            filter: #filter,
            latest_by: #latest_by,
            tie_break: #tie_break,
            lookups: &[#(#lookups),*],
        }
    }
}

fn option_str(value: Option<&str>) -> TokenStream {
    match value {
        None => quote!(::core::option::Option::None),
        Some(s) => quote!(::core::option::Option::Some(#s)),
    }
}
