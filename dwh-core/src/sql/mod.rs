pub mod ident;
