//! `annex render`: one document of a kind; final annexes sealed and, with a key, signed.
//!
//! Intermediate files (`--emit`) are written before the PDF, so a failed write leaves no
//! PDF claiming success; every write is atomic.

use std::path::PathBuf;

use crate::cli::{Emit, RenderArgs};
use crate::error::EXIT_OK;
use crate::prepare::Shared;
use crate::{document, output, seal, sign};

/// Runs `annex render`.
pub fn run(args: &RenderArgs) -> anyhow::Result<u8> {
    // Fonts and Typst's tables get ready on another core while the inputs load.
    crate::pdf::warm_up_in_background();
    // Before any document is made: a register that cannot be opened stops the run.
    let register = args.record.open()?;
    let shared = Shared::load(&args.input.options())?;
    let mut prepared = shared.prepare_file(args.input.profile.as_deref())?;
    if let Some(old) = &args.since {
        prepared.since = Some(seal::read_matrix(old)?);
    }
    for n in &shared.notices {
        eprintln!("note: {n}");
    }
    super::print_findings(&prepared);
    let kind = args.input.kind;
    let asked = args.seal.final_ || args.seal.signer.sign_key.is_some();
    let sealed = seal::for_document(&prepared, kind, asked, args.source_date_epoch)?;
    let path = args.out.join(prepared.file_name(kind));
    let stem = path.with_extension("");
    let made = document::make(&prepared, kind, args.source_date_epoch, sealed.as_ref());
    let mut document = match made {
        Ok(document) => document,
        Err(err) => {
            // Asked for the source: it is what the user needs to see why Typst failed.
            if let (true, Some(failed)) = (
                args.emit.contains(&Emit::Typ),
                err.downcast_ref::<document::Untypeset>(),
            ) {
                let typ = PathBuf::from(format!("{}.typ", stem.display()));
                output::write_atomic(&typ, failed.typst.as_bytes(), args.force)?;
                eprintln!("the generated source is in {}", typ.display());
            }
            return Err(err);
        }
    };
    for w in &document.compiled.warnings {
        eprint!("typst {w}");
    }
    let mut signed_by = None;
    if sealed.is_some() {
        seal::check_attached(&document.compiled.pdf)?;
        if let Some(signer) = args.seal.signer.load()? {
            let label = path.display().to_string();
            let (signed, place) =
                sign::sign_pdf(&document.compiled.pdf, &label, &signer, sign::now())?;
            signed_by = Some(format!("signed by {} ({place})", signer.name()));
            document.compiled.pdf = signed;
        }
    }
    sign::guard_overwrite(
        &path,
        &document.compiled.pdf,
        args.force,
        args.seal.replace_signed,
    )?;
    for emit in &args.emit {
        let (ext, bytes) = match emit {
            Emit::Typ => ("typ", document.typst.clone().into_bytes()),
            Emit::Txt => ("txt", document.compiled.text.clone().into_bytes()),
            Emit::Context => ("json", serde_json::to_vec_pretty(&document.context)?),
        };
        output::write_atomic(
            &PathBuf::from(format!("{}.{ext}", stem.display())),
            &bytes,
            args.force,
        )?;
    }
    output::write_atomic(&path, &document.compiled.pdf, args.force)?;
    if let Some(register) = &register {
        let file = crate::diag::shown_name(&path.display().to_string());
        register.record_made(&prepared, kind, &file, &document.compiled.pdf, "render")?;
    }
    if let Some(signed_by) = signed_by {
        eprintln!("{signed_by}");
    }
    println!("{}", path.display());
    Ok(EXIT_OK)
}
