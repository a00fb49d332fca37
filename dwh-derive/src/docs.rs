//! `///` doc comments, captured so the schema model (and `dwh docs`) can show
//! what the author wrote about a table or column.

use syn::{Attribute, Expr, ExprLit, Lit, Meta};

/// The text of the `#[doc = "…"]` attributes, one line each, with the single
/// space rustdoc puts after `///` removed; empty when there are none.
pub fn doc_text(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .map(|line| {
            line.strip_prefix(' ')
                .unwrap_or(&line)
                .trim_end()
                .to_string()
        })
        .collect();
    lines.join("\n").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::doc_text;
    use syn::parse_quote;

    #[test]
    fn joins_lines_and_strips_the_leading_space() {
        let item: syn::ItemStruct = parse_quote! {
            /// Users, one row each.
            ///
            /// Distributed ALL: small.
            #[derive(Debug)]
            struct A;
        };
        assert_eq!(
            doc_text(&item.attrs),
            "Users, one row each.\n\nDistributed ALL: small."
        );
    }

    #[test]
    fn empty_without_doc_comments() {
        let item: syn::ItemStruct = parse_quote! { struct A; };
        assert_eq!(doc_text(&item.attrs), "");
    }
}
