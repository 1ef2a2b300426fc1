//! `annex init`'s work: a commented profile for one matrix, ready to fill in.
//!
//! Stage: before load (it writes the input the pipeline reads). Takes the loaded matrix,
//! the catalogue and the values the user already gave; gives the profile's text. The
//! matrix's service is filled in, one signatory block per signing party is laid out, and
//! the regions, options, variants and qualifications the catalogue and the matrix allow
//! are listed in comments beside their keys.
//!
//! Invariants: every value the user gave is written as a TOML string literal (data, never
//! TOML syntax); every value still to give is a [`FILL`] marker, which the loader refuses
//! (`profile::unfilled`) until it is replaced, so a skeleton never renders by mistake;
//! the same inputs give the same text.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use crate::catalogue::Catalogue;
use crate::load::LoadedMatrix;
use crate::model::PartyRole;
use crate::profile::FILL;
use crate::wording::Language;

/// What the user already gave (`None`: a [`FILL`] marker is written instead).
#[derive(Debug, Clone, Default)]
pub struct InitValues {
    /// `customer.legal-name`.
    pub customer: Option<String>,
    /// `location.region` (a catalogue code; checked by the caller).
    pub region: Option<String>,
    /// `contract.reference`.
    pub reference: Option<String>,
    /// `contract.annex-number`.
    pub annex_number: Option<String>,
    /// `contract.effective-date`, a plain date (checked by the caller).
    pub effective_date: Option<chrono::NaiveDate>,
    /// `contract.language` code.
    pub language: Option<String>,
    /// `subscription.matrices`: the matrix as the profile's folder reaches it.
    pub matrix_path: Option<String>,
}

/// A TOML string literal of `s` (escaped: the value is data).
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// The marker for a value still to give.
fn fill(what: &str) -> String {
    quoted(&format!("{FILL} {what}>"))
}

/// The value given, quoted, or the marker for it.
fn given_or_fill(value: &Option<String>, what: &str) -> String {
    value.as_deref().map_or_else(|| fill(what), quoted)
}

/// A commented list under a key: `#   id  name`, ids aligned.
fn listing<'a>(out: &mut String, items: impl IntoIterator<Item = (&'a str, String)>) {
    let items: Vec<(&str, String)> = items.into_iter().collect();
    let width = items.iter().map(|(id, _)| id.len()).max().unwrap_or(0);
    for (id, name) in items {
        out.push_str(&format!("#   {id:width$}  {name}\n"));
    }
}

/// The profile text for `matrix`, with `values` filled in.
pub fn profile_text(matrix: &LoadedMatrix, catalogue: &Catalogue, values: &InitValues) -> String {
    let m = &matrix.matrix;
    let mut out = String::new();
    out.push_str(&format!(
        "# Customer profile for {} ({}), written by `annex init`.\n",
        m.title.replace('\n', " "),
        m.provider.replace('\n', " ")
    ));
    out.push_str(
        "# Replace every \"<FILL: …>\" value, quotes included: `annex check MATRIX --profile FILE`\n\
         # and `annex render --profile FILE` refuse the profile while one is left. What a key\n\
         # may name: `annex catalogue`. Editor completion: \"Writing a profile\" in the guide.\n\n",
    );

    out.push_str("[customer]\n");
    out.push_str(&format!(
        "legal-name = {}\n",
        given_or_fill(&values.customer, "customer legal name, as in the contract")
    ));
    out.push_str(
        "# short-name = \"ACME\"              # optional; names the output file\n\
         # address = \"…\"                    # optional\n\
         # registration = \"…\"               # optional\n\n",
    );

    out.push_str("[contract]\n");
    out.push_str(&format!(
        "reference = {}\n",
        given_or_fill(&values.reference, "contract reference")
    ));
    out.push_str(&format!(
        "annex-number = {}\n",
        given_or_fill(&values.annex_number, "annex number or letter")
    ));
    let date = values.effective_date.map_or_else(
        || fill("date the annex takes effect, e.g. 2027-01-15, written without quotes"),
        |d| d.format("%Y-%m-%d").to_string(),
    );
    out.push_str(&format!("effective-date = {date}\n"));
    out.push_str("status = \"draft\"                    # \"draft\" (watermark, no signature lines) or \"final\"\n");
    let codes: Vec<String> = Language::all().map(|l| quoted(l.code())).collect();
    let language = values.language.as_deref().unwrap_or("en");
    out.push_str(&format!(
        "language = {}                      # the annex's own wording: {}\n\n",
        quoted(language),
        codes.join(", ")
    ));

    out.push_str("[location]\n# Regions (`annex catalogue regions`):\n");
    let conditions: Vec<&crate::model::Condition> = m
        .sections
        .iter()
        .flat_map(|s| {
            s.applies
                .iter()
                .chain(s.activities.iter().flat_map(|a| a.applies.iter()))
        })
        .collect();
    listing(
        &mut out,
        catalogue.regions.iter().map(|r| {
            (
                r.code.as_str(),
                format!("{}, {} ({})", r.city, r.country, r.jurisdiction),
            )
        }),
    );
    out.push_str(&format!(
        "region = {}\n\n",
        given_or_fill(&values.region, "region code from the list above")
    ));

    out.push_str("[subscription]\n");
    out.push_str(&format!(
        "services = [{}]    # {}\n",
        quoted(&m.service),
        catalogue.service_name(&m.service, values.language.as_deref().unwrap_or("en"))
    ));
    // The options this matrix's conditions name first: they change what the annex shows.
    let named: BTreeSet<&str> = conditions
        .iter()
        .flat_map(|c| c.options.iter().map(String::as_str))
        .collect();
    out.push_str("# Options (`annex catalogue options`); those this matrix's conditions name: ");
    out.push_str(&if named.is_empty() {
        "none\n".to_owned()
    } else {
        format!("{}\n", named.into_iter().collect::<Vec<_>>().join(", "))
    });
    listing(
        &mut out,
        catalogue
            .options
            .iter()
            .map(|o| (o.id.as_str(), o.name.clone())),
    );
    out.push_str("options = []\n");
    if m.variants.is_empty() {
        out.push_str(
            "# variant = \"…\"                     # this matrix has no offering variants\n",
        );
    } else {
        out.push_str("# Offering variants of this matrix (pick one, or leave out for all):\n");
        listing(
            &mut out,
            m.variants.iter().map(|v| (v.id.as_str(), v.name.clone())),
        );
        out.push_str(&format!("# variant = {}\n", quoted(&m.variants[0].id)));
    }
    out.push_str("# Qualification regimes (`annex catalogue qualifications`):\n");
    listing(
        &mut out,
        catalogue
            .qualifications
            .iter()
            .map(|q| (q.id.as_str(), q.name.clone())),
    );
    out.push_str("qualifications = []\n");
    if let Some(path) = &values.matrix_path {
        out.push_str(&format!(
            "matrices = [{}]    # relative to this file's folder\n",
            quoted(path)
        ));
    }

    out.push_str(
        "\n# One block per signing party of the matrix; copy a block for a second signatory.\n",
    );
    for party in m.parties.iter().filter(|p| p.role != PartyRole::Other) {
        out.push_str(&format!(
            "\n[[signatories]]\nparty = {}    # {}\n",
            quoted(&party.id),
            party.name.replace('\n', " ")
        ));
        out.push_str(&format!(
            "name = {}\n",
            fill(&format!("full name of the {} signatory", party.id))
        ));
        out.push_str(&format!("title = {}\n", fill("job title")));
    }
    out
}

/// `path` as reached from the folder `base` (both relative to the working directory, or
/// absolute): what a profile in `base` writes in `[subscription] matrices`.
pub fn relative_to(path: &Path, base: &Path) -> String {
    let base = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    let (Ok(path_abs), Ok(base_abs)) = (std::path::absolute(path), std::path::absolute(base))
    else {
        return path.display().to_string();
    };
    let to: Vec<Component> = path_abs.components().collect();
    let from: Vec<Component> = base_abs.components().collect();
    let common = to.iter().zip(&from).take_while(|(a, b)| a == b).count();
    // Nothing shared but the root: the absolute path says more than a climb to it.
    if common <= 1 {
        return path_abs.display().to_string();
    }
    let mut rel = PathBuf::new();
    for _ in common..from.len() {
        rel.push("..");
    }
    for c in &to[common..] {
        rel.push(c);
    }
    // Forward slashes on every platform: the profile is shared between machines.
    rel.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_skeleton_is_toml_with_markers_where_values_are_missing() {
        let matrix = crate::load::matrix(None).unwrap();
        let catalogue: Catalogue = toml::from_str(crate::catalogue::BUILTIN).unwrap();
        let values = InitValues {
            customer: Some("Quote \" and \\ Co".into()),
            ..InitValues::default()
        };
        let text = profile_text(&matrix, &catalogue, &values);
        let table: toml::Table = text.parse().expect("valid TOML");
        assert_eq!(
            table["customer"]["legal-name"].as_str(),
            Some("Quote \" and \\ Co")
        );
        assert!(table["contract"]["reference"]
            .as_str()
            .unwrap()
            .starts_with(FILL));
        assert_eq!(
            table["subscription"]["services"][0].as_str(),
            Some(matrix.matrix.service.as_str())
        );
        assert_eq!(text, profile_text(&matrix, &catalogue, &values));
    }

    #[test]
    fn matrix_paths_are_relative_to_the_profile_folder() {
        let rel = |p: &str, b: &str| relative_to(Path::new(p), Path::new(b));
        assert_eq!(
            rel("../shared/corpus/x.md", "out"),
            "../../shared/corpus/x.md"
        );
        assert_eq!(rel("m.md", ""), "m.md");
        assert_eq!(rel("a/m.md", "a"), "m.md");
    }
}
