//! Making one document of a kind from a prepared profile: tailor → context → render
//! (Tera → Typst markup) → pdf (in-process Typst), sealed when a [`Seal`] is given.
//!
//! Invariants: a pure function of the prepared inputs, the kind, the date override and
//! the seal, so the same inputs give the same bytes; nothing is written here (the caller
//! writes the PDF atomically); a document whose layout lost contract text is an error
//! ([`layout_check`]), never a `Document`; a failure after rendering carries the
//! generated source ([`Untypeset`]) so the caller can show it.

use anyhow::Context as _;

use crate::context::DocumentContext;
use crate::error::Invalid;
use crate::kind::Kind;
use crate::prepare::Prepared;
use crate::seal::Seal;
use crate::{context, layout_check, pdf, render, seal, tailor};

/// A rendered document.
pub struct Document {
    /// The generated Typst source.
    pub typst: String,
    /// The compiled PDF and its text.
    pub compiled: pdf::Compiled,
    /// The template context.
    pub context: DocumentContext,
}

/// Context of an error after the Typst source was generated (Typst failed, or the layout
/// lost text): the source, for `--emit typ`.
#[derive(Debug, thiserror::Error)]
#[error("the {kind} could not be typeset (`--emit typ` writes the generated source)")]
pub struct Untypeset {
    /// The document kind's name.
    pub kind: &'static str,
    /// The generated Typst source.
    pub typst: String,
}

/// The context stage for `kind`: the data its templates receive (`annex context`).
pub fn context(prepared: &Prepared, kind: Kind) -> DocumentContext {
    context::build(prepared, tailor::tailor(prepared), kind)
}

/// Renders and typesets one document: PDF/UA-1, and PDF/A-3a unless a draft; sealed (with
/// the seal's attachments) when `seal` is given. `source_date_epoch` overrides the PDF creation date.
pub fn make(
    prepared: &Prepared,
    kind: Kind,
    source_date_epoch: Option<i64>,
    seal: Option<&Seal>,
) -> anyhow::Result<Document> {
    let context = context(prepared, kind);
    let renderer = render::Renderer::cached(&prepared.templates)?;
    let main = format!("{}.typ.tera", kind.name());
    if !renderer.has(&main) {
        anyhow::bail!("the template set has no {main}");
    }
    let typst = renderer.render(&main, &context)?;
    let context_json = serde_json::to_vec(&context).context("cannot serialise the context")?;
    let mut data = vec![
        ("context.json".to_owned(), context_json),
        ("page.json".to_owned(), page_json(&context)?),
    ];
    match seal {
        Some(seal) => data.extend(seal.data_files(&context.document.keywords)),
        None => data.push(seal::unsealed_index()),
    }
    let untypeset = |typst: &str| Untypeset {
        kind: kind.name(),
        typst: typst.to_owned(),
    };
    let compiled = pdf::compile(pdf::Job {
        main_name: &format!("{}.typ", kind.name()),
        source: typst.clone(),
        templates: &prepared.templates,
        data,
        date: prepared.profile.contract.effective_date,
        timestamp: source_date_epoch,
        ident: context.document.fingerprint.clone(),
        archival: !context.document.draft,
    })
    .map_err(|e| anyhow::Error::new(e).context(untypeset(&typst)))?;
    let expected = layout_check::expected(&context, kind);
    layout_check::check(&expected, &typst, &compiled.laid_out).map_err(|why| {
        Invalid::input(format!(
            "contract text would be lost in the laid-out {}: {why}; nothing was written",
            kind.name()
        ))
        .context(untypeset(&typst))
    })?;
    Ok(Document {
        typst,
        compiled,
        context,
    })
}

/// The fields of the context that page headers and footers read at layout time (lib.typ's
/// `from-context`), at the same paths as in `context.json`: read on every page of every
/// layout pass, so kept small.
fn page_json(context: &DocumentContext) -> anyhow::Result<Vec<u8>> {
    let page = serde_json::json!({
        "customer": { "legal_name": context.customer.legal_name },
        "document": {
            "reference": context.document.reference,
            "fingerprint_short": context.document.fingerprint_short,
        },
    });
    serde_json::to_vec(&page).context("cannot serialise the page data")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::Kind;
    use crate::prepare::{InputOptions, Shared};
    use std::path::Path;

    /// The guide's library example, end to end: a final profile gives a sealed annex
    /// whose text carries the fingerprint, and the same call gives the same bytes.
    #[test]
    fn the_library_makes_a_sealed_annex_reproducibly() {
        let shared = Shared::load(&InputOptions::default()).unwrap();
        let profile = crate::testing::root().join("data/profiles/nordwind.toml");
        let prepared = shared.prepare_file(Some(Path::new(&profile))).unwrap();
        let make = || {
            let sealed = seal::for_document(&prepared, Kind::Annex, false, None).unwrap();
            assert!(sealed.is_some(), "a final annex is sealed");
            make(&prepared, Kind::Annex, None, sealed.as_ref()).unwrap()
        };
        let (one, two) = (make(), make());
        assert_eq!(one.compiled.pdf, two.compiled.pdf);
        assert!(one.compiled.text.contains(&prepared.fingerprint()));
        assert!(crate::seal::check_attached(&one.compiled.pdf).is_ok());
    }

    /// The warm-up a command starts on another thread leaves nothing in the caches that
    /// changes a document: made after it, or with every cache emptied, the bytes are the
    /// same.
    #[test]
    fn a_document_is_the_same_after_the_warm_up() {
        let shared = Shared::load(&InputOptions::default()).unwrap();
        let prepared = shared.prepare_file(None).unwrap();
        crate::pdf::evict_all();
        let cold = make(&prepared, Kind::Annex, None, None).unwrap();
        crate::pdf::evict_all();
        crate::pdf::warm_up().unwrap();
        let warmed = make(&prepared, Kind::Annex, None, None).unwrap();
        assert_eq!(cold.compiled.pdf, warmed.compiled.pdf);
    }
}
