//! Errors collected while a macro reads and checks its input, as serde_derive's `Ctxt`:
//! every mistake is reported in one build, none cuts the others short.

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::Span;

/// The errors of one macro invocation. Read it with [`Ctxt::check`] before it is
/// dropped.
pub struct Ctxt {
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    pub fn new() -> Self {
        Ctxt {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Records an error at `span`.
    pub fn error(&self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records an error underlining all of `tokens`.
    pub fn error_spanned_by(&self, tokens: impl quote::ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error made elsewhere (a `syn` parse error, say).
    pub fn push(&self, error: syn::Error) {
        self.errors
            .borrow_mut()
            .as_mut()
            .expect("Ctxt used after check")
            .push(error);
    }

    /// Keeps the value of `result`, recording its error.
    pub fn ok<T>(&self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|e| self.push(e)).ok()
    }

    /// How many errors are recorded so far.
    pub fn count(&self) -> usize {
        self.errors.borrow().as_ref().map_or(0, Vec::len)
    }

    /// All the errors recorded, as one.
    pub fn check(self) -> syn::Result<()> {
        let errors = self.errors.borrow_mut().take().expect("Ctxt checked twice");
        let mut errors = errors.into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for rest in errors {
            combined.combine(rest);
        }
        Err(combined)
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        // A programming error of this crate (as in serde_derive), never a user's.
        if !std::thread::panicking() && self.errors.borrow().is_some() {
            panic!("charm-macros: forgot to check for errors");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_error_in_order() {
        let ctxt = Ctxt::new();
        ctxt.error(Span::call_site(), "first");
        assert_eq!(ctxt.ok(Ok::<_, syn::Error>(3)), Some(3));
        ctxt.push(syn::Error::new(Span::call_site(), "second"));
        let messages: Vec<String> = ctxt
            .check()
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(messages, ["first", "second"]);
        assert!(Ctxt::new().check().is_ok());
    }
}
