//! `annex init`: a commented profile for a matrix, from flags and, on a terminal, a short
//! prompt for what they leave out.

use std::io::IsTerminal;
use std::path::Path;

use crate::catalogue::Catalogue;
use crate::cli::InitArgs;
use crate::error::{Invalid, EXIT_OK};
use crate::init::{self, InitValues};
use crate::wording::Language;
use crate::{diag, load, output, profile};

/// Runs `annex init`.
pub fn run(args: &InitArgs) -> anyhow::Result<u8> {
    // Refuse before asking anything: an existing file is kept unless --force.
    if let Some(path) = &args.output {
        if path.exists() && !args.force {
            return Err(Invalid::input(format!(
                "{} exists: pass --force to replace it",
                path.display()
            )));
        }
    }
    let matrix = load::matrix(args.matrix.as_deref())?;
    let (catalogue, _) = load::catalogue(args.catalogue.as_deref())?;
    let mut values = InitValues {
        customer: args.customer.clone(),
        region: args
            .region
            .as_deref()
            .map(|r| region(&catalogue, r, "--region"))
            .transpose()?,
        reference: args.reference.clone(),
        annex_number: args.annex_number.clone(),
        effective_date: args.effective_date.as_deref().map(date).transpose()?,
        language: args.language.as_deref().map(language).transpose()?,
        matrix_path: None,
    };
    if !args.no_prompt && std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        ask(&mut values, &catalogue)?;
    }
    values.matrix_path = args.matrix.as_deref().map(|m| {
        let base = args
            .output
            .as_deref()
            .and_then(Path::parent)
            .unwrap_or(Path::new(""));
        init::relative_to(m, base)
    });
    let text = init::profile_text(&matrix, &catalogue, &values);
    match &args.output {
        Some(path) => {
            output::write_atomic(path, text.as_bytes(), args.force)?;
            let matrix = args
                .matrix
                .as_deref()
                .map_or(String::new(), |m| format!("{} ", m.display()));
            eprintln!(
                "wrote {}: fill in its \"<FILL: …>\" values, then `annex check {matrix}--profile {}`",
                path.display(),
                path.display()
            );
        }
        None => print!("{text}"),
    }
    Ok(EXIT_OK)
}

/// A region code of the catalogue, as the catalogue spells it (`given`: how the user gave
/// it, for the message).
fn region(catalogue: &Catalogue, code: &str, given: &str) -> anyhow::Result<String> {
    if let Some(r) = catalogue.region(code) {
        return Ok(r.code.clone());
    }
    let mut message = format!("{given} {code}: not a region of the catalogue");
    if let Some(s) = diag::did_you_mean(code, catalogue.regions.iter().map(|r| r.code.as_str())) {
        message.push_str(&format!("; {s}"));
    }
    message.push_str(" (run `annex catalogue regions` to list them)");
    Err(Invalid::input(message))
}

/// A plain date, as a profile needs it.
fn date(text: &str) -> anyhow::Result<chrono::NaiveDate> {
    text.trim()
        .parse::<toml::value::Datetime>()
        .ok()
        .and_then(|d| profile::toml_date(&d))
        .ok_or_else(|| {
            Invalid::input(format!(
                "--effective-date {text}: not a date such as 2027-01-15"
            ))
        })
}

/// A language the annex's wording exists in.
fn language(code: &str) -> anyhow::Result<String> {
    let codes: Vec<&str> = Language::all().map(Language::code).collect();
    if codes.contains(&code) {
        Ok(code.to_owned())
    } else {
        Err(Invalid::input(format!(
            "--language {code}: the annex's wording exists in {} only",
            codes.join(", ")
        )))
    }
}

/// Asks, on the terminal, for each value the flags left out; an empty answer leaves a
/// marker to fill in later.
fn ask(values: &mut InitValues, catalogue: &Catalogue) -> anyhow::Result<()> {
    fn text(
        prompt: &str,
        check: impl Fn(&str) -> Result<(), String>,
    ) -> anyhow::Result<Option<String>> {
        let answer: String = dialoguer::Input::new()
            .with_prompt(format!("{prompt} (empty: fill in later)"))
            .allow_empty(true)
            .validate_with(|s: &String| {
                if s.trim().is_empty() {
                    Ok(())
                } else {
                    check(s.trim())
                }
            })
            .interact_text()?;
        let answer = answer.trim();
        Ok((!answer.is_empty()).then(|| answer.to_owned()))
    }
    let any = |_: &str| Ok(());
    if values.customer.is_none() {
        values.customer = text("Customer legal name", any)?;
    }
    if values.region.is_none() {
        let answer = text("Region code (`annex catalogue regions`)", |s| {
            region(catalogue, s, "region")
                .map(drop)
                .map_err(|e| e.to_string())
        })?;
        values.region = answer
            .map(|r| region(catalogue, &r, "region"))
            .transpose()?;
    }
    if values.reference.is_none() {
        values.reference = text("Contract reference", any)?;
    }
    if values.annex_number.is_none() {
        values.annex_number = text("Annex number or letter", any)?;
    }
    if values.effective_date.is_none() {
        let answer = text("Effective date (YYYY-MM-DD)", |s| {
            date(s).map(drop).map_err(|e| e.to_string())
        })?;
        values.effective_date = answer.as_deref().map(date).transpose()?;
    }
    Ok(())
}
