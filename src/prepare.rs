//! Load and validate stages, for a whole run: the library's entry point.
//!
//! [`Shared::load`] reads what every document of a run shares (matrices, catalogue,
//! template set, check policy) once; [`Shared::prepare`] then loads and validates one
//! profile against them into a [`Prepared`], the value every later stage starts from
//! (tailor → context → render → pdf → seal). `annex batch` prepares thousands of profiles
//! against one `Shared`.
//!
//! Invariants: nothing here prints or writes; every problem of the input is an
//! [`Invalid`] error carrying all findings at once (profile, conditions, denied checks),
//! so nothing is written for an invalid profile; warnings travel on in
//! [`Prepared::findings`].

use std::path::{Path, PathBuf};

use crate::catalogue::Catalogue;
use crate::diag::{Finding, Severity, Sources};
use crate::error::Invalid;
use crate::load::{self, LoadedMatrix, LoadedProfile, SourceFile};
use crate::policy::Policy;
use crate::profile::{self, Profile, Scope};
use crate::templates::TemplateSet;
use crate::{align, canonical, check, compose, digest, validate};

/// Where the inputs shared by a run come from. Every field defaults to the embedded input.
#[derive(Debug, Clone, Default)]
pub struct InputOptions {
    /// Matrices to render, as parts in this order, replacing the profile's `[subscription]
    /// matrices` (canonical TOML/JSON or Markdown pages). Empty: the profile's list, else
    /// the embedded seed matrix.
    pub matrices: Vec<PathBuf>,
    /// Catalogue of regions, services and options (TOML).
    pub catalogue: Option<PathBuf>,
    /// Folder whose files add to or replace the built-in templates.
    pub templates: Option<PathBuf>,
    /// Check policy: `default`, `strict` or a policy file.
    pub policy: Option<String>,
    /// Treat warnings of the checks as errors.
    pub deny_warnings: bool,
    /// Scope override (`--scope`); `None`: each profile's own.
    pub scope: Option<Scope>,
    /// The matrix's page in another language (`--translation`), replacing the profile's
    /// `[subscription] translation`.
    pub translation: Option<PathBuf>,
    /// Print each activity in both languages (`--bilingual`), whatever the profile says.
    pub bilingual: bool,
}

/// The inputs every document of a run shares, loaded once.
pub struct Shared {
    /// The options they were loaded with.
    pub options: InputOptions,
    /// The matrices given in the options, or the embedded seed matrix.
    pub matrices: Vec<LoadedMatrix>,
    /// The translation given in the options.
    pub translation: Option<LoadedMatrix>,
    /// The catalogue.
    pub catalogue: Catalogue,
    /// The catalogue's source (attached to sealed annexes, digested by the audit report).
    pub catalogue_source: SourceFile,
    /// The template set.
    pub templates: TemplateSet,
    /// The policy the matrix checks are judged by.
    pub policy: Policy,
    /// Things worth telling the user ("using annex.typ.tera from my-templates").
    pub notices: Vec<String>,
}

/// Everything a document needs, loaded and validated.
pub struct Prepared {
    /// The matrices of the documents, as parts in order (at least one).
    pub parts: Vec<LoadedMatrix>,
    /// The validated profile (scope override applied).
    pub profile: Profile,
    /// The profile's source.
    pub profile_source: SourceFile,
    /// The scope override the profile was prepared with (recorded in a seal's manifest).
    pub scope_override: Option<Scope>,
    /// The catalogue.
    pub catalogue: Catalogue,
    /// The catalogue's source.
    pub catalogue_source: SourceFile,
    /// The template set.
    pub templates: TemplateSet,
    /// Warnings and notes met on the way (errors stop preparation).
    pub findings: Vec<Finding>,
    /// The matrix in the other language, aligned with the first part (which is the
    /// prevailing one: its letters are the contract's).
    pub translation: Option<Translation>,
    /// `render --since`: the earlier version of the first part's matrix, whose changes the
    /// document lists (set by the caller after preparation). Such a document is never
    /// sealed, and its fingerprint covers this matrix too.
    pub since: Option<LoadedMatrix>,
}

/// A translation of the (single) matrix, aligned with it.
#[derive(Debug, Clone)]
pub struct Translation {
    /// The matrix in the language that does not prevail.
    pub matrix: LoadedMatrix,
    /// Its rows paired with the prevailing matrix's.
    pub alignment: align::Alignment,
    /// The alignment as reported (`check`, the audit report).
    pub report: align::Report,
}

impl Shared {
    /// Loads the shared inputs.
    pub fn load(options: &InputOptions) -> anyhow::Result<Shared> {
        let (catalogue, catalogue_source) = load::catalogue(options.catalogue.as_deref())?;
        let matrices = if options.matrices.is_empty() {
            vec![load::matrix(None)?]
        } else {
            options
                .matrices
                .iter()
                .map(|p| load::matrix(Some(p)))
                .collect::<anyhow::Result<_>>()?
        };
        let translation = options
            .translation
            .as_deref()
            .map(|p| load::matrix(Some(p)))
            .transpose()?;
        let templates = TemplateSet::load(options.templates.as_deref())?;
        let notices = templates
            .overridden()
            .iter()
            .map(|name| {
                format!(
                    "using {name} from {}",
                    options
                        .templates
                        .as_deref()
                        .unwrap_or(Path::new(""))
                        .display()
                )
            })
            .chain(templates.refused().map(str::to_owned))
            .collect();
        Ok(Shared {
            policy: Policy::resolve(options.policy.as_deref())?,
            options: options.clone(),
            matrices,
            translation,
            catalogue,
            catalogue_source,
            templates,
            notices,
        })
    }

    /// Loads the profile at `path` (the embedded sample profile if `None`) and validates it.
    pub fn prepare_file(&self, path: Option<&Path>) -> anyhow::Result<Prepared> {
        self.prepare(load::profile(path)?)
    }

    /// Validates one loaded profile against the shared inputs (which it copies: they are
    /// small next to a compile, and a `Prepared` stays self-contained).
    pub fn prepare(&self, loaded: LoadedProfile) -> anyhow::Result<Prepared> {
        // Composition: matrices given in the options win; else the profile's list, if any.
        // A profile read past problems of its TOML is only validated, to report the rest:
        // its matrix list may hold a placeholder, so it is not composed.
        let mut parts = if self.options.matrices.is_empty() && loaded.findings.is_empty() {
            compose::profile_matrices(&loaded.raw, &loaded.source)?
        } else {
            Vec::new()
        };
        if parts.is_empty() {
            parts = self.matrices.clone();
        }
        self.prepare_parts(loaded, parts)
    }

    /// Validates one loaded profile against `parts`, the matrices of its documents chosen
    /// by the caller (`annex serve` names them by id); the profile's own list is not read.
    pub fn prepare_parts(
        &self,
        loaded: LoadedProfile,
        mut parts: Vec<LoadedMatrix>,
    ) -> anyhow::Result<Prepared> {
        let view = compose::validation_view(&parts);
        let (profile, mut findings) = validate::profile(&loaded, &view, &self.catalogue);
        let Some(mut profile) = profile else {
            return Err(invalid(findings, &[&loaded.source], &[]));
        };
        if let Some(scope) = self.options.scope {
            profile.scope = scope;
        }
        profile.contract.bilingual |= self.options.bilingual;
        let translation = match &self.translation {
            Some(t) => Some(t.clone()),
            None => compose::profile_translation(&loaded.raw, &loaded.source)?,
        };
        let translation = match translation {
            Some(t) => Some(translate(&mut parts, t, &profile, &loaded)?),
            // A matrix that carries both texts needs no translation file.
            None if profile.contract.bilingual
                && !parts[0]
                    .matrix
                    .activities()
                    .any(|(_, a)| !a.translations.is_empty()) =>
            {
                return Err(Invalid::input(format!(
                    "{}: a bilingual annex needs a translation: give --translation FILE, `translation = \"page.fr.md\"` in [subscription], or a matrix made by `annex import --translation`",
                    loaded.source.name
                )))
            }
            None => None,
        };
        let condition_errors: Vec<Finding> = parts
            .iter()
            .flat_map(|p| validate::conditions(p, &self.catalogue))
            .collect();
        if !condition_errors.is_empty() {
            let mut sources = Sources::default();
            for p in &parts {
                sources.add(&p.source.name, &p.source.text);
            }
            return Err(Invalid::findings(condition_errors, sources));
        }
        findings.extend(check::conflicting_letters(&parts));
        findings.extend(validate::translations(
            &profile,
            &parts.iter().map(|p| &p.matrix).collect::<Vec<_>>(),
            &self.catalogue,
            &self.catalogue_source,
        ));
        if let Some(t) = &translation {
            // Rows whose letters differ between the languages: shown at both places.
            findings.extend(check::conflicts(&parts[0], &t.matrix));
            // Its text is printed too (its letters are not).
            findings.extend(check::text_findings(&t.matrix));
        }
        // The checks of `annex check`, judged by the same policy: denied findings stop here,
        // so nothing is written; warnings go on to be printed and listed in the audit report.
        for part in &parts {
            findings.extend(check::matrix_findings(part));
        }
        let findings = self.policy.apply(findings, self.options.deny_warnings);
        if findings.iter().any(|f| f.severity == Severity::Error) {
            let mut shown = parts.clone();
            shown.extend(translation.map(|t| t.matrix));
            return Err(invalid(
                findings,
                &[&loaded.source, &self.catalogue_source],
                &shown,
            ));
        }
        Ok(Prepared {
            parts,
            translation,
            profile,
            profile_source: loaded.source,
            scope_override: self.options.scope,
            catalogue: self.catalogue.clone(),
            catalogue_source: self.catalogue_source.clone(),
            templates: self.templates.clone(),
            findings,
            since: None,
        })
    }
}

/// Pairs `other` with the single part: the prevailing one (the profile's
/// `prevailing-language`, else the part's language) becomes the part, the other the
/// translation.
fn translate(
    parts: &mut [LoadedMatrix],
    other: LoadedMatrix,
    profile: &Profile,
    loaded: &LoadedProfile,
) -> anyhow::Result<Translation> {
    let name = &loaded.source.name;
    if parts.len() != 1 {
        return Err(Invalid::input(format!(
            "{name}: a translation pairs with one matrix, and this profile composes {}: render each part with its own translation",
            parts.len()
        )));
    }
    let (first, second) = (
        crate::model::primary_language(&parts[0].matrix.language),
        crate::model::primary_language(&other.matrix.language),
    );
    if first == second {
        return Err(Invalid::input(format!(
            "the translation {} is in the same language ({first}) as the matrix {}: give the page in the other language",
            other.source.name, parts[0].source.name
        )));
    }
    let prevailing = profile
        .contract
        .prevailing_language
        .clone()
        .unwrap_or_else(|| first.clone());
    let mut other = other;
    if prevailing == second {
        std::mem::swap(&mut parts[0], &mut other);
    } else if prevailing != first {
        return Err(Invalid::input(format!(
            "{name}: prevailing-language = \"{prevailing}\" is neither the matrix's language ({first}) nor the translation's ({second})"
        )));
    }
    let alignment = align::align_loaded(&parts[0], &other);
    align::supply_letters(&mut other, &parts[0], &alignment);
    let report = align::Report::new(&alignment, &parts[0], &other);
    Ok(Translation {
        matrix: other,
        alignment,
        report,
    })
}

fn invalid(findings: Vec<Finding>, files: &[&SourceFile], parts: &[LoadedMatrix]) -> anyhow::Error {
    let mut sources = Sources::default();
    for f in files {
        sources.add(&f.name, &f.text);
    }
    for p in parts {
        sources.add(&p.source.name, &p.source.text);
    }
    Invalid::findings(findings, sources)
}

impl Prepared {
    /// The document fingerprint ([`digest::fingerprint`]) over the canonical matrices, the
    /// validated profile and the template set.
    pub fn fingerprint(&self) -> String {
        let matrices: Vec<String> = self
            .parts
            .iter()
            .map(|p| canonical::to_json(&p.matrix))
            .collect();
        let mut later: Vec<&[u8]> = matrices[1..].iter().map(|m| m.as_bytes()).collect();
        // A document listing changes since an earlier version depends on that version: it
        // is hashed last, tagged so it can never be mistaken for a composed part.
        let since = self
            .since
            .as_ref()
            .map(|s| format!("since\n{}", canonical::to_json(&s.matrix)));
        if let Some(s) = &since {
            later.push(s.as_bytes());
        }
        // A translated document depends on the translation, tagged like `since`.
        let translation = self
            .translation
            .as_ref()
            .map(|t| format!("translation\n{}", canonical::to_json(&t.matrix.matrix)));
        if let Some(t) = &translation {
            later.push(t.as_bytes());
        }
        digest::fingerprint(
            matrices[0].as_bytes(),
            &self.profile_json(),
            &self.templates.digest(),
            &later,
        )
    }

    /// The validated profile as JSON, as fingerprinted and attached to sealed annexes.
    pub fn profile_json(&self) -> Vec<u8> {
        serde_json::to_vec(&self.profile).expect("a profile always serialises")
    }

    /// Every problem worth showing (warnings and errors), with the sources to show them.
    pub fn shown_findings(&self) -> Option<(Vec<Finding>, Sources)> {
        let shown: Vec<Finding> = self
            .findings
            .iter()
            .filter(|f| f.severity <= Severity::Warning)
            .cloned()
            .collect();
        if shown.is_empty() {
            return None;
        }
        let mut sources = Sources::default();
        sources.add(&self.profile_source.name, &self.profile_source.text);
        for part in &self.parts {
            sources.add(&part.source.name, &part.source.text);
        }
        if let Some(t) = &self.translation {
            sources.add(&t.matrix.source.name, &t.matrix.source.text);
        }
        sources.add(&self.catalogue_source.name, &self.catalogue_source.text);
        Some((shown, sources))
    }

    /// The output file name: `<customer slug>-<kind>.pdf`.
    pub fn file_name(&self, kind: crate::kind::Kind) -> String {
        format!(
            "{}-{}.pdf",
            profile::file_slug(&self.profile.customer.short_name),
            kind.name()
        )
    }
}
