//! Profile validation: a parsed profile checked against the catalogue and the matrix,
//! into a [`Profile`]. One function per part of the profile, each pushing every finding
//! it meets (not just the first), placed on the offending value, with a "did you mean"
//! hint where a close name exists.

use std::ops::Range;

use toml::Spanned;

use crate::catalogue::{Catalogue, Region};
use crate::controls;
use crate::diag::{self, Finding};
use crate::limits::{thousands, MAX_PROFILE_TEXT_CHARS};
use crate::load::{self, LoadedProfile};
use crate::model::{Matrix, PartyRole};
use crate::profile::{self, Contract, Customer, Profile, Signatory};

/// Where findings go, placed in the profile file.
struct Findings<'a> {
    file: &'a str,
    text: &'a str,
    /// Built once: a profile may hold thousands of bad values.
    index: diag::LineIndex,
    /// The loader's repairs: spans of the raw profile map back to the file through them.
    edits: &'a load::Edits,
    list: Vec<Finding>,
}

/// The code of a finding about a placeholder the loader wrote, or a marker of `annex init`
/// still to fill in (the loader has reported either): dropped before validation returns.
const ABOUT_PLACEHOLDER: &str = "profile::about-placeholder";

impl Findings<'_> {
    fn at(&self, mut f: Finding, span: Range<usize>) -> Finding {
        let span = self
            .edits
            .original(span)
            .filter(|s| !load::lenient::is_unfilled(self.text, s.clone()));
        match span {
            Some(span) => self.index.place(f, self.file, self.text, span),
            None => {
                f.code = ABOUT_PLACEHOLDER.to_owned();
                f
            }
        }
    }

    fn push_at(&mut self, f: Finding, span: Range<usize>) {
        let f = self.at(f, span);
        self.list.push(f);
    }

    /// Each value of `values` must be one of `known`.
    fn check_ids(&mut self, values: &[Spanned<String>], field: &str, code: &str, known: &[&str]) {
        for v in values {
            if known.contains(&v.get_ref().as_str()) {
                continue;
            }
            let mut f = self
                .at(
                    Finding::error(
                        code,
                        format!("unknown {field} `{}` in subscription", v.get_ref()),
                    ),
                    v.span(),
                )
                .label(format!("not a {field} of the catalogue"));
            if let Some(s) = diag::did_you_mean(v.get_ref(), known.iter().copied()) {
                f = f.note(s);
            }
            self.list.push(f.note(list_hint(field)));
        }
    }
}

/// Validates `loaded` against the catalogue and the matrix. Returns the profile if no
/// finding is an error, and all findings either way.
pub fn profile(
    loaded: &LoadedProfile,
    matrix: &Matrix,
    catalogue: &Catalogue,
) -> (Option<Profile>, Vec<Finding>) {
    let raw = &loaded.raw;
    let mut findings = Findings {
        file: &loaded.source.name,
        text: &loaded.source.text,
        index: diag::LineIndex::new(&loaded.source.text),
        edits: &loaded.edits,
        // The loader's findings first: they are the file's problems in file order.
        list: loaded.findings.clone(),
    };
    texts(loaded, &mut findings);
    let (customer, contract) = customer_and_contract(loaded, &mut findings);
    let region = region(loaded, catalogue, &mut findings);
    subscription(loaded, matrix, catalogue, &mut findings);
    let signatories = signatories(loaded, matrix, &mut findings);
    let mut findings = findings.list;
    findings.retain(|f| f.code != ABOUT_PLACEHOLDER);
    if findings.iter().any(|f| f.severity == diag::Severity::Error) {
        return (None, findings);
    }
    let ids = |values: &[Spanned<String>]| -> Vec<String> {
        values.iter().map(|s| s.get_ref().clone()).collect()
    };
    let profile = Profile {
        customer,
        contract,
        region: region.map_or_else(|| raw.location.region.get_ref().clone(), |r| r.code.clone()),
        services: ids(raw.subscription.services.get_ref()),
        options: ids(&raw.subscription.options),
        variant: raw
            .subscription
            .variant
            .as_ref()
            .map(|s| s.get_ref().clone()),
        qualifications: ids(&raw.subscription.qualifications),
        scope: raw.subscription.scope.unwrap_or_default(),
        signatories,
    };
    (Some(profile), findings)
}

/// Every text of the profile within [`MAX_PROFILE_TEXT_CHARS`] (a name or an address is
/// printed on every page, and a megabyte of it would take minutes to lay out), and made of
/// characters the bundled fonts can show, with no hidden control ([`controls::unfit`]): a
/// character they cannot show would fail the PDF export, far from this field, and a hidden
/// control would make the contract read otherwise than it is written.
fn texts(loaded: &LoadedProfile, findings: &mut Findings) {
    let raw = &loaded.raw;
    let c = &raw.customer;
    let mut fields: Vec<(String, &str, Option<Range<usize>>)> = vec![
        (
            "customer.legal-name".into(),
            c.legal_name.get_ref(),
            Some(c.legal_name.span()),
        ),
        ("contract.reference".into(), &raw.contract.reference, None),
        (
            "location.region".into(),
            raw.location.region.get_ref(),
            Some(raw.location.region.span()),
        ),
    ];
    let optional = [
        ("customer.short-name", &c.short_name),
        ("customer.address", &c.address),
        ("customer.registration", &c.registration),
        ("contract.annex-title", &raw.contract.annex_title),
    ];
    for (field, value) in optional {
        if let Some(v) = value {
            fields.push((field.into(), v, None));
        }
    }
    if let Some(contact) = &c.contact {
        fields.push(("customer.contact.name".into(), &contact.name, None));
        for (field, value) in [
            ("customer.contact.email", &contact.email),
            ("customer.contact.phone", &contact.phone),
        ] {
            if let Some(v) = value {
                fields.push((field.into(), v, None));
            }
        }
    }
    for (i, s) in raw.signatories.iter().enumerate() {
        let n = i + 1;
        fields.push((
            format!("signatories {n}: party"),
            s.party.get_ref(),
            Some(s.party.span()),
        ));
        fields.push((format!("signatories {n}: name"), &s.name, None));
        fields.push((format!("signatories {n}: title"), &s.title, None));
    }
    let sub = &raw.subscription;
    let lists = [
        ("subscription.services", sub.services.get_ref()),
        ("subscription.options", &sub.options),
        ("subscription.qualifications", &sub.qualifications),
        ("subscription.matrices", &sub.matrices),
    ];
    for (field, values) in lists {
        for v in values {
            fields.push((field.into(), v.get_ref(), Some(v.span())));
        }
    }
    if let Some(v) = &sub.variant {
        fields.push(("subscription.variant".into(), v.get_ref(), Some(v.span())));
    }
    // Searching costs a pass over the text: only for as many as a report shows.
    let mut searches = crate::limits::MAX_SHOWN_PER_RULE;
    for (field, value, span) in fields {
        // Bytes bound characters from above: most values need no count at all.
        let n = if value.len() > MAX_PROFILE_TEXT_CHARS {
            value.chars().count()
        } else {
            0
        };
        let f = if n > MAX_PROFILE_TEXT_CHARS {
            Finding::error(
                "profile::too-long",
                format!(
                    "{field} has {} characters, over the limit of {} (annex refuses larger inputs: limits::MAX_PROFILE_TEXT_CHARS)",
                    thousands(n),
                    thousands(MAX_PROFILE_TEXT_CHARS)
                ),
            )
        } else if let Some(f) = controls::finding(value, &field, controls::PROFILE) {
            f
        } else {
            continue;
        };
        if let Some(span) = span {
            findings.push_at(f, span);
            continue;
        }
        // Fields read without a place are found by their first characters, in the file
        // as written (so no repair of the loader maps this place).
        let place = searches.checked_sub(1).and_then(|left| {
            searches = left;
            let at = diag::written_at(findings.text, value)?.start;
            Some(at..at + value.len().min(findings.text.len() - at))
        });
        let f = match place {
            Some(span) => findings.index.place(f, findings.file, findings.text, span),
            None => f,
        };
        findings.list.push(f);
    }
}

/// `[customer]` and `[contract]`: non-empty legal name and annex number, a plain date.
fn customer_and_contract(loaded: &LoadedProfile, findings: &mut Findings) -> (Customer, Contract) {
    let raw = &loaded.raw;
    let legal_name = raw.customer.legal_name.get_ref().trim().to_owned();
    if legal_name.is_empty() {
        findings.push_at(
            Finding::error("profile::empty-field", "customer.legal-name is empty"),
            raw.customer.legal_name.span(),
        );
    }
    let effective_date = profile::toml_date(raw.contract.effective_date.get_ref());
    if effective_date.is_none() {
        findings.push_at(
            Finding::error(
                "profile::invalid-date",
                "contract.effective-date must be a date such as 2026-12-01 (no time, no offset)",
            ),
            raw.contract.effective_date.span(),
        );
    }
    let annex_number = raw.contract.annex_number.get_ref().text();
    if annex_number.trim().is_empty() {
        findings.push_at(
            Finding::error("profile::empty-field", "contract.annex-number is empty"),
            raw.contract.annex_number.span(),
        );
    }
    let short_name = raw
        .customer
        .short_name
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| legal_name.clone());
    let customer = Customer {
        legal_name,
        short_name,
        address: raw.customer.address.clone(),
        registration: raw.customer.registration.clone(),
        contact: raw.customer.contact.clone(),
    };
    let contract = Contract {
        reference: raw.contract.reference.clone(),
        annex_number,
        annex_title: raw.contract.annex_title.clone(),
        // An invalid date is an error finding above: this default is never used.
        effective_date: effective_date.unwrap_or_default(),
        status: raw.contract.status,
        language: raw.contract.language,
        prevailing_language: raw
            .contract
            .prevailing_language
            .as_ref()
            .map(|l| l.get_ref().to_ascii_lowercase()),
        bilingual: raw.contract.bilingual,
    };
    (customer, contract)
}

/// The note that says how to list the valid values of a catalogue `field`.
fn list_hint(field: &str) -> String {
    format!("run `annex catalogue {field}s` to list them")
}

/// `[location] region`: a region of the catalogue.
fn region<'c>(
    loaded: &LoadedProfile,
    catalogue: &'c Catalogue,
    findings: &mut Findings,
) -> Option<&'c Region> {
    let raw = &loaded.raw;
    let region_code = raw.location.region.get_ref();
    let region = catalogue.region(region_code);
    if region_code.trim().is_empty() {
        // Nothing chosen yet (the page's empty select): say so, not "unknown region ``".
        let f = Finding::error("profile::empty-field", "location.region is empty")
            .note(list_hint("region"));
        findings.push_at(f, raw.location.region.span());
    } else if region.is_none() {
        let mut f = findings
            .at(
                Finding::error(
                    "profile::unknown-region",
                    format!("unknown region `{region_code}` in location.region"),
                ),
                raw.location.region.span(),
            )
            .label("not a region of the catalogue");
        if let Some(s) = diag::did_you_mean(
            region_code,
            catalogue.regions.iter().map(|r| r.code.as_str()),
        ) {
            f = f.note(s);
        }
        findings.list.push(f.note(list_hint("region")));
    }
    region
}

/// `[subscription]`: services, options, qualifications of the catalogue; a variant of the
/// catalogue or the matrix; and the matrix's own service among the services (a warning).
fn subscription(
    loaded: &LoadedProfile,
    matrix: &Matrix,
    catalogue: &Catalogue,
    findings: &mut Findings,
) {
    let sub = &loaded.raw.subscription;
    fn ids(entries: &[crate::catalogue::Entry]) -> Vec<&str> {
        entries.iter().map(|e| e.id.as_str()).collect()
    }
    let services = sub.services.get_ref();
    for (values, field, code, known) in [
        (
            services.as_slice(),
            "service",
            "profile::unknown-service",
            ids(&catalogue.services),
        ),
        (
            sub.options.as_slice(),
            "option",
            "profile::unknown-option",
            ids(&catalogue.options),
        ),
        (
            sub.qualifications.as_slice(),
            "qualification",
            "profile::unknown-qualification",
            ids(&catalogue.qualifications),
        ),
    ] {
        findings.check_ids(values, field, code, &known);
    }
    if let Some(variant) = &sub.variant {
        let known: Vec<&str> = matrix
            .variants
            .iter()
            .map(|v| v.id.as_str())
            .chain(catalogue.variants.iter().map(|v| v.id.as_str()))
            .collect();
        findings.check_ids(
            std::slice::from_ref(variant),
            "variant",
            "profile::unknown-variant",
            &known,
        );
    }
    if sub.variant.is_none() {
        let offered = offered_variants(matrix);
        if !offered.is_empty() {
            let names: Vec<String> = offered
                .iter()
                .map(|(id, name)| format!("`{id}` ({name})"))
                .collect();
            let f = findings
                .at(
                    Finding::warning(
                        "profile::no-variant",
                        format!(
                            "the matrix offers variants {}, and subscription.variant names none: the rows of a single variant go to the appendix as not applicable",
                            names.join(", ")
                        ),
                    ),
                    sub.services.span(),
                )
                .label("in this [subscription] table")
                .note(format!(
                    "add `variant = \"{}\"` (or another of them) to [subscription]",
                    offered[0].0
                ));
            findings.list.push(f);
        }
    }
    if !services.iter().any(|s| s.get_ref() == &matrix.service) {
        let f = findings
            .at(
                Finding::warning(
                    "profile::service-not-subscribed",
                    format!(
                        "the matrix is for service `{}`, which subscription.services does not list",
                        matrix.service
                    ),
                ),
                sub.services.span(),
            )
            .label("no such service here");
        findings.list.push(f);
    }
}

/// The offering variants of `matrix` (id, name), in order: those it declares, then any
/// that only its rows name.
fn offered_variants(matrix: &Matrix) -> Vec<(String, String)> {
    let mut offered: Vec<(String, String)> = matrix
        .variants
        .iter()
        .map(|v| (v.id.clone(), v.name.clone()))
        .collect();
    for (_, activity) in matrix.activities() {
        for id in &activity.variants {
            if !offered.iter().any(|(known, _)| known == id) {
                offered.push((id.clone(), id.clone()));
            }
        }
    }
    offered
}

/// `[[signatories]]`: every one names a party of the matrix (by id or by role) and a
/// person; every customer and provider party has one.
fn signatories(loaded: &LoadedProfile, matrix: &Matrix, findings: &mut Findings) -> Vec<Signatory> {
    let raw = &loaded.raw;
    let mut signatories = Vec::new();
    for s in &raw.signatories {
        let wanted = s.party.get_ref().as_str();
        let party = matrix.parties.iter().find(|p| p.id == wanted).or_else(|| {
            let role = match wanted {
                "customer" => Some(PartyRole::Customer),
                "provider" => Some(PartyRole::Provider),
                _ => None,
            }?;
            matrix.parties.iter().find(|p| p.role == role)
        });
        match party {
            Some(p) => signatories.push(Signatory {
                party: p.id.clone(),
                name: s.name.clone(),
                title: s.title.clone(),
            }),
            None => {
                let ids: Vec<&str> = matrix.parties.iter().map(|p| p.id.as_str()).collect();
                let names: Vec<&str> = ids
                    .iter()
                    .copied()
                    .chain(["customer", "provider"])
                    .collect();
                let mut f = findings
                    .at(
                        Finding::error(
                            "profile::unknown-party",
                            format!("signatory party `{wanted}` is not a party of the matrix"),
                        ),
                        s.party.span(),
                    )
                    .note(format!("parties: {}", ids.join(", ")));
                if let Some(s) = diag::did_you_mean(wanted, names) {
                    f = f.note(s);
                }
                findings.list.push(f);
            }
        }
        if s.name.trim().is_empty() {
            findings.push_at(
                Finding::error("profile::empty-field", "signatory name is empty"),
                s.party.span(),
            );
        }
    }
    for party in &matrix.parties {
        if party.role != PartyRole::Other && !signatories.iter().any(|s| s.party == party.id) {
            let span = raw.signatories.last().map_or(0..0, |s| s.party.span());
            let f = findings
                .at(
                    Finding::error(
                        "profile::missing-signatory",
                        format!(
                            "no signatory for party `{}` ({}): add a [[signatories]] entry with party = \"{}\"",
                            party.id, party.name, party.id
                        ),
                    ),
                    span,
                )
                .label("signatories end here");
            findings.list.push(f);
        }
    }
    signatories
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{self, SourceFile};

    const GOOD: &str = r#"
[customer]
legal-name = "Acme SAS"
[contract]
reference = "C-1"
annex-number = 3
effective-date = 2026-12-01
status = "draft"
[location]
region = "GRA"
[subscription]
services = ["data-processing"]
[[signatories]]
party = "customer"
name = "A"
title = "T"
[[signatories]]
party = "provider"
name = "B"
title = "T"
"#;

    /// The codes of the findings for GOOD with `from` replaced by `to`.
    fn codes(from: &str, to: &str) -> Vec<String> {
        let text = GOOD.replacen(from, to, 1);
        assert!(
            from.is_empty() || text != GOOD,
            "`{from}` is not in the profile"
        );
        let loaded = load::profile_from_source(SourceFile {
            name: "p.toml".into(),
            text,
        })
        .unwrap();
        let matrix = load::matrix(None).unwrap().matrix;
        let catalogue: Catalogue = toml::from_str(crate::catalogue::BUILTIN).unwrap();
        let (profile, findings) = super::profile(&loaded, &matrix, &catalogue);
        let errors = findings.iter().any(|f| f.severity == diag::Severity::Error);
        assert_eq!(profile.is_none(), errors, "a profile exactly when no error");
        findings.into_iter().map(|f| f.code).collect()
    }

    #[test]
    fn a_matrix_with_variants_and_a_profile_naming_none_is_warned_about() {
        let loaded = load::profile_from_source(SourceFile {
            name: "p.toml".into(),
            text: GOOD.into(),
        })
        .unwrap();
        let mut matrix = load::matrix(None).unwrap().matrix;
        let catalogue: Catalogue = toml::from_str(crate::catalogue::BUILTIN).unwrap();
        matrix.variants = vec![
            crate::model::Variant {
                id: "bare-metal".into(),
                name: "on Bare Metal".into(),
            },
            crate::model::Variant {
                id: "private-cloud".into(),
                name: "on Private Cloud".into(),
            },
        ];
        let (profile, findings) = super::profile(&loaded, &matrix, &catalogue);
        assert!(profile.is_some(), "a warning only");
        let f: Vec<_> = findings
            .iter()
            .filter(|f| f.code == "profile::no-variant")
            .collect();
        assert_eq!(f.len(), 1);
        assert!(f[0]
            .message
            .contains("`bare-metal` (on Bare Metal), `private-cloud` (on Private Cloud)"));
        assert!(f[0].message.contains("subscription.variant"));
    }

    #[test]
    fn a_good_profile_has_no_finding() {
        assert!(codes("", "").is_empty());
    }

    #[test]
    fn each_rule_fires_alone() {
        for (from, to, code) in [
            ("\"Acme SAS\"", "\" \"", "profile::empty-field"),
            (
                "annex-number = 3",
                "annex-number = \"\"",
                "profile::empty-field",
            ),
            ("2026-12-01", "2026-12-01T10:00:00", "profile::invalid-date"),
            ("\"GRA\"", "\"GRX\"", "profile::unknown-region"),
            (
                "services = [\"data-processing\"]",
                "services = [\"data-processing\", \"data-procesing\"]",
                "profile::unknown-service",
            ),
            (
                "services = [\"data-processing\"]",
                "services = [\"data-processing\"]\noptions = [\"nope\"]",
                "profile::unknown-option",
            ),
            (
                "services = [\"data-processing\"]",
                "services = [\"data-processing\"]\nqualifications = [\"nope\"]",
                "profile::unknown-qualification",
            ),
            (
                "services = [\"data-processing\"]",
                "services = [\"data-processing\"]\nvariant = \"nope\"",
                "profile::unknown-variant",
            ),
            (
                "services = [\"data-processing\"]",
                "services = [\"object-storage\"]",
                "profile::service-not-subscribed",
            ),
            ("name = \"B\"", "name = \"\"", "profile::empty-field"),
            ("\"GRA\"", "\"\"", "profile::empty-field"),
        ] {
            assert_eq!(codes(from, to), vec![code.to_owned()], "{from} → {to}");
        }
    }

    #[test]
    fn signatories_name_parties_by_id_or_role() {
        assert!(codes("party = \"provider\"", "party = \"ovhcloud\"").is_empty());
        assert_eq!(
            codes("party = \"provider\"", "party = \"providr\""),
            ["profile::unknown-party", "profile::missing-signatory"]
        );
    }

    /// GOOD with every other kind of text field a profile has, as `key = "value"` lines.
    fn rich() -> String {
        GOOD.replacen(
            "legal-name = \"Acme SAS\"\n",
            "legal-name = \"Acme SAS\"\nshort-name = \"Acme\"\naddress = \"1 rue de la Paix\"\nregistration = \"RCS 123\"\n[customer.contact]\nname = \"Jo Doe\"\nemail = \"jo@acme.example\"\nphone = \"+33 1 23\"\n",
            1,
        )
        .replacen("annex-number = 3\n", "annex-number = 3\nannex-title = \"Annexe\"\n", 1)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

        /// A bidi or other hidden control at any place of any text field of a profile is
        /// refused at that field's line, naming the code point.
        #[test]
        fn a_hidden_control_in_any_profile_text_is_refused_at_its_line(
            line in 0usize..40,
            control in 0usize..6,
            at in 0usize..30,
        ) {
            let c = ['\u{202E}', '\u{2066}', '\u{200F}', '\u{E0041}', '\u{FFFA}', '\u{206F}'][control];
            let rich = rich();
            let lines: Vec<&str> = rich.lines().collect();
            // The text lines: a quoted value that is not an id (region, party, status, services).
            let texts: Vec<usize> = (0..lines.len())
                .filter(|&k| {
                    let l = lines[k];
                    l.contains(" = \"")
                        && !["region", "party", "status", "services"].iter().any(|key| l.starts_with(key))
                })
                .collect();
            let k = texts[line % texts.len()];
            let (key, value) = lines[k].split_once(" = \"").unwrap();
            let value = value.strip_suffix('"').unwrap();
            let n = at.min(value.chars().count());
            let byte = value.char_indices().nth(n).map_or(value.len(), |(b, _)| b);
            let changed = format!("{key} = \"{}{c}{}\"", &value[..byte], &value[byte..]);
            let text: String = lines
                .iter()
                .enumerate()
                .map(|(j, l)| if j == k { changed.clone() } else { (*l).to_owned() })
                .collect::<Vec<_>>()
                .join("\n");
            let loaded = load::profile_from_source(SourceFile { name: "p.toml".into(), text }).unwrap();
            let matrix = load::matrix(None).unwrap().matrix;
            let catalogue: Catalogue = toml::from_str(crate::catalogue::BUILTIN).unwrap();
            let (profile, findings) = super::profile(&loaded, &matrix, &catalogue);
            proptest::prop_assert!(profile.is_none());
            let hits: Vec<&Finding> = findings.iter().filter(|f| f.code == "profile::hidden-control").collect();
            proptest::prop_assert_eq!(hits.len(), 1, "{:?}", findings);
            proptest::prop_assert!(hits[0].message.contains(&crate::controls::code_point(c)));
            // Lines are 1-based; `lines` starts with the empty line before `[customer]`.
            proptest::prop_assert_eq!(hits[0].location.as_ref().map(|l| l.line), Some(k + 1));
        }
    }
}
