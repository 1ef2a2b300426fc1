//! Validate stage: checks the parsed inputs against each other and the catalogue, into
//! validated types. Every problem is collected (not just the first) as a
//! [`crate::diag::Finding`] pointing at the offending value, with a "did you mean" hint
//! where a close name exists.
//!
//! - [`profile()`]: a profile against the catalogue and the matrix →
//!   [`crate::profile::Profile`].
//! - [`conditions()`]: a matrix's applicability conditions against the catalogue.
//! - [`translations()`]: the catalogue entries a document shows, in the profile's language.

mod conditions;
mod profile;
mod translations;

pub use conditions::conditions;
pub use profile::profile;
pub use translations::translations;
