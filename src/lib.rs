//! `annex`: a provider's shared-responsibility (RACI) matrix + one customer's profile →
//! a signed-off shared-responsibility annex PDF.
//!
//! The library API, stage by stage (ARCHITECTURE.md is the map): [`prepare::Shared::load`]
//! reads the inputs a run shares and [`prepare::Shared::prepare`] validates one profile
//! into a [`prepare::Prepared`] (load → validate, with [`check`] and [`compose`]);
//! [`document::make`] makes one document of a [`kind::Kind`] from it (tailor → context →
//! render → pdf), sealed with a [`seal::Seal`] when final; [`sign`] signs it,
//! [`verify`] checks it, [`output`] writes it atomically. [`batch`] does it for many
//! profiles. The command line ([`cli`], [`commands`]) is a thin layer over this API: no
//! module below it knows clap or prints.

#![warn(missing_docs)]

// Foundations: shared types and rules, no pipeline stage.
pub mod canonical;
pub mod catalogue;
pub mod controls;
pub mod diag;
pub mod digest;
pub mod error;
pub mod escape;
pub mod fonts;
pub mod ids;
pub mod kind;
pub mod limits;
pub mod model;
pub mod output;
pub mod profile;
pub mod templates;
pub mod wording;

// Pipeline stages, in order.
pub mod align;
pub mod batch;
pub mod check;
pub mod compose;
pub mod context;
pub mod diff;
pub mod document;
pub mod import;
pub mod init;
pub mod layout_check;
pub mod load;
pub mod oscal;
pub mod pack;
pub mod pdf;
pub mod policy;
pub mod prepare;
pub mod register;
pub mod render;
pub mod schema;
pub mod seal;
pub mod sign;
pub mod tailor;
pub mod validate;
pub mod verify;

#[cfg(test)]
mod testing;

// The HTTP service, just below the command layer: it calls the library like a command.
pub mod serve;

// Command layer.
pub mod cli;
pub mod commands;

/// Version of the embedded Typst compiler (pinned in Cargo.toml).
pub const TYPST_VERSION: &str = "0.15.1";

/// What `annex --version` prints after the name: this version, the embedded Typst and the
/// canonical matrix schema, `0.1.0 (typst 0.15.1, matrix schema 1)`.
pub fn version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        format!(
            "{} (typst {TYPST_VERSION}, matrix schema {})",
            env!("CARGO_PKG_VERSION"),
            model::SCHEMA_VERSION
        )
    })
}
