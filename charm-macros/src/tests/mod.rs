//! A snapshot of what the macros generate for a small charm (`small_charm.expanded.rs`),
//! so a change to the generated code shows in review. `UPDATE_EXPECT=1 cargo test -p
//! charm-macros` rewrites it after a deliberate change.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ctxt::Ctxt;
use crate::expand;
use crate::handshake;

fn pretty(tokens: TokenStream) -> String {
    let file: syn::File = syn::parse2(tokens).expect("the expansion is Rust items");
    prettyplease::unparse(&file)
}

#[test]
fn small_charm() {
    let charm: syn::DeriveInput = syn::parse_quote! {
        #[charm(name = "demo", summary = "A demo charm")]
        #[requires(db(interface = "postgresql_client", limit = 1))]
        #[actions(backup(params = BackupParams, description = "Back up the data"))]
        pub struct Demo;
    };
    let mut block: syn::ItemImpl = syn::parse_quote! {
        impl Demo {
            #[on(db_relation_changed, config_changed)]
            fn reconcile(&mut self, ctx: &mut Context<Self>) -> Result<()> {
                Ok(())
            }

            #[on(backup_action)]
            fn backup(&mut self, ctx: &mut Context<Self>, action: &Action<BackupParams>) -> Result<()> {
                Ok(())
            }
        }
    };
    let derived = expand::charm::derive(charm.clone());
    let attribute = expand::handlers::attribute(TokenStream::new(), block.clone());
    // What the handshake macro hands `__check_handlers!`: the derive's declarations and
    // the block's handlers.
    let ctxt = Ctxt::new();
    let mut model = crate::parse::charm::charm(&ctxt, &charm);
    crate::valid::charm(&ctxt, &mut model);
    let context = crate::parse::handlers::ContextType("Context<Self>");
    let handlers = crate::parse::handlers::handlers(&ctxt, &mut block, context);
    ctxt.check().expect("the small charm is valid");
    let mut check = handshake::declarations(&model);
    check.extend(handshake::components(&[]));
    check.extend(handshake::block(
        &block.self_ty,
        quote!(::core::line!()),
        &handlers,
    ));
    let checked = expand::handlers::check(check);
    let out = format!(
        "// #[derive(Charm)]\n{}\n// #[handlers]\n{}\n// __check_handlers!\n{}",
        pretty(derived),
        pretty(attribute),
        pretty(checked)
    );
    expect_test::expect_file!["small_charm.expanded.rs"].assert_eq(&out);
}
