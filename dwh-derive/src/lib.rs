//! Derive macros for dwh. Each entry point only hands the input to
//! [`expand`]; parsing, checks and code generation live in their own modules.

mod attr;
mod check;
mod codegen;
mod ctxt;
mod docs;
mod history;
mod model;
mod names;
mod types;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

use crate::model::Derive;

#[proc_macro_derive(StagingTable, attributes(dwh))]
pub fn derive_staging_table(input: TokenStream) -> TokenStream {
    expand(parse_macro_input!(input as DeriveInput), Derive::Staging)
}

#[proc_macro_derive(DimTable, attributes(dwh))]
pub fn derive_dim_table(input: TokenStream) -> TokenStream {
    expand(parse_macro_input!(input as DeriveInput), Derive::Dimension)
}

#[proc_macro_derive(FactTable, attributes(dwh))]
pub fn derive_fact_table(input: TokenStream) -> TokenStream {
    expand(parse_macro_input!(input as DeriveInput), Derive::Fact)
}

#[proc_macro_derive(Row, attributes(dwh))]
pub fn derive_row(input: TokenStream) -> TokenStream {
    expand(parse_macro_input!(input as DeriveInput), Derive::Row)
}

fn expand(input: DeriveInput, derive: Derive) -> TokenStream {
    codegen::expand(&input, derive)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
