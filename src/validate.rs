//! Validate stage: checks a parsed profile against the catalogue and the matrix, and turns
//! it into a [`Profile`]. Every problem is collected (not just the first) as a [`Finding`]
//! pointing at the offending value in the profile file, with a "did you mean" hint where a
//! close name exists.

use crate::catalogue::Catalogue;
use crate::diag::{self, Finding};
use crate::load::LoadedProfile;
use crate::model::{Matrix, PartyRole};
use crate::profile::{self, Contract, Customer, Profile, Signatory};

/// Validates `loaded` against the catalogue and the matrix. Returns the profile if no
/// finding is an error, and all findings either way.
pub fn profile(
    loaded: &LoadedProfile,
    matrix: &Matrix,
    catalogue: &Catalogue,
) -> (Option<Profile>, Vec<Finding>) {
    let raw = &loaded.raw;
    let file = loaded.source.name.as_str();
    let text = loaded.source.text.as_str();
    let mut findings = Vec::new();
    let at = |f: Finding, span: std::ops::Range<usize>| f.at(file, text, span);

    let legal_name = raw.customer.legal_name.get_ref().trim().to_owned();
    if legal_name.is_empty() {
        findings.push(at(
            Finding::error("profile::empty-field", "customer.legal-name is empty"),
            raw.customer.legal_name.span(),
        ));
    }

    let effective_date = profile::toml_date(raw.contract.effective_date.get_ref());
    if effective_date.is_none() {
        findings.push(at(
            Finding::error(
                "profile::invalid-date",
                "contract.effective-date must be a date such as 2026-12-01 (no time, no offset)",
            ),
            raw.contract.effective_date.span(),
        ));
    }
    let annex_number = raw.contract.annex_number.get_ref().text();
    if annex_number.trim().is_empty() {
        findings.push(at(
            Finding::error("profile::empty-field", "contract.annex-number is empty"),
            raw.contract.annex_number.span(),
        ));
    }

    let region_code = raw.location.region.get_ref();
    let region = catalogue.region(region_code);
    if region.is_none() {
        let mut f = at(
            Finding::error(
                "profile::unknown-region",
                format!("unknown region `{region_code}` in location.region"),
            ),
            raw.location.region.span(),
        )
        .label("not a region of the catalogue");
        if let Some(s) = diag::suggest(
            region_code,
            catalogue.regions.iter().map(|r| r.code.as_str()),
        ) {
            f = f.note(format!("did you mean `{s}`?"));
        }
        findings.push(f);
    }

    let mut check_ids =
        |values: &[toml::Spanned<String>], field: &str, code: &str, known: Vec<&str>| {
            for v in values {
                if !known.contains(&v.get_ref().as_str()) {
                    let mut f = at(
                        Finding::error(
                            code,
                            format!("unknown {field} `{}` in subscription", v.get_ref()),
                        ),
                        v.span(),
                    )
                    .label(format!("not a {field} of the catalogue"));
                    if let Some(s) = diag::suggest(v.get_ref(), known.iter().copied()) {
                        f = f.note(format!("did you mean `{s}`?"));
                    }
                    findings.push(f);
                }
            }
        };
    let services = raw.subscription.services.get_ref();
    check_ids(
        services,
        "service",
        "profile::unknown-service",
        catalogue.services.iter().map(|s| s.id.as_str()).collect(),
    );
    check_ids(
        &raw.subscription.options,
        "option",
        "profile::unknown-option",
        catalogue.options.iter().map(|s| s.id.as_str()).collect(),
    );
    check_ids(
        &raw.subscription.qualifications,
        "qualification",
        "profile::unknown-qualification",
        catalogue
            .qualifications
            .iter()
            .map(|s| s.id.as_str())
            .collect(),
    );
    if let Some(variant) = &raw.subscription.variant {
        let known: Vec<&str> = matrix
            .variants
            .iter()
            .map(|v| v.id.as_str())
            .chain(catalogue.variants.iter().map(|v| v.id.as_str()))
            .collect();
        check_ids(
            std::slice::from_ref(variant),
            "variant",
            "profile::unknown-variant",
            known,
        );
    }
    if !services.iter().any(|s| s.get_ref() == &matrix.service) {
        findings.push(
            at(
                Finding::warning(
                    "profile::service-not-subscribed",
                    format!(
                        "the matrix is for service `{}`, which subscription.services does not list",
                        matrix.service
                    ),
                ),
                raw.subscription.services.span(),
            )
            .label("no such service here"),
        );
    }

    // Signatories: every one names a party of the matrix; every party has one.
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
                let names: Vec<&str> = matrix
                    .parties
                    .iter()
                    .map(|p| p.id.as_str())
                    .chain(["customer", "provider"])
                    .collect();
                let mut f = at(
                    Finding::error(
                        "profile::unknown-party",
                        format!("signatory party `{wanted}` is not a party of the matrix"),
                    ),
                    s.party.span(),
                )
                .note(format!(
                    "parties: {}",
                    matrix
                        .parties
                        .iter()
                        .map(|p| p.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                if let Some(sug) = diag::suggest(wanted, names) {
                    f = f.note(format!("did you mean `{sug}`?"));
                }
                findings.push(f);
            }
        }
        if s.name.trim().is_empty() {
            findings.push(at(
                Finding::error("profile::empty-field", "signatory name is empty"),
                s.party.span(),
            ));
        }
    }
    for party in &matrix.parties {
        if party.role != PartyRole::Other && !signatories.iter().any(|s| s.party == party.id) {
            let span = raw.signatories.last().map_or(0..0, |s| s.party.span());
            findings.push(
                at(
                    Finding::error(
                        "profile::missing-signatory",
                        format!("no signatory for party `{}` ({}): add a [[signatories]] entry with party = \"{}\"", party.id, party.name, party.id),
                    ),
                    span,
                )
                .label("signatories end here"),
            );
        }
    }

    if findings.iter().any(|f| f.severity == diag::Severity::Error) {
        return (None, findings);
    }
    let short_name = raw
        .customer
        .short_name
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| legal_name.clone());
    let profile = Profile {
        customer: Customer {
            legal_name,
            short_name,
            address: raw.customer.address.clone(),
            registration: raw.customer.registration.clone(),
            contact: raw.customer.contact.clone(),
        },
        contract: Contract {
            reference: raw.contract.reference.clone(),
            annex_number,
            annex_title: raw.contract.annex_title.clone(),
            // Checked above: an invalid date is an error finding.
            effective_date: effective_date.unwrap_or_default(),
            status: raw.contract.status,
            language: raw.contract.language,
        },
        region: region.map_or_else(|| region_code.clone(), |r| r.code.clone()),
        services: services.iter().map(|s| s.get_ref().clone()).collect(),
        options: raw
            .subscription
            .options
            .iter()
            .map(|s| s.get_ref().clone())
            .collect(),
        variant: raw
            .subscription
            .variant
            .as_ref()
            .map(|s| s.get_ref().clone()),
        qualifications: raw
            .subscription
            .qualifications
            .iter()
            .map(|s| s.get_ref().clone())
            .collect(),
        scope: raw.subscription.scope.unwrap_or_default(),
        signatories,
    };
    (Some(profile), findings)
}
