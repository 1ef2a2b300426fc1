//! Document kinds: the one list of documents `annex` makes from a prepared profile.
//!
//! A kind names its templates (`<name>.typ.tera`), its output file (`<customer>-<name>.pdf`)
//! and what the context stage fills in for it. Adding a kind starts here (see
//! ARCHITECTURE.md, "Adding a document kind").

/// Document kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The contract annex.
    Annex,
    /// The onboarding guide: the customer team's checklist, by lifecycle phase.
    Onboarding,
    /// The auditor's report: full matrix, decisions, findings, provenance, fingerprints.
    Audit,
}

impl Kind {
    /// Every kind, in the order documents are listed.
    pub const ALL: [Kind; 3] = [Kind::Annex, Kind::Onboarding, Kind::Audit];

    /// Name used in file names, template names and the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Annex => "annex",
            Kind::Onboarding => "onboarding",
            Kind::Audit => "audit",
        }
    }

    /// The kind called `name`.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// One line on what the document is for (command-line help, without a final stop).
    pub fn description(self) -> &'static str {
        match self {
            Kind::Annex => "The contract annex",
            Kind::Onboarding => {
                "The onboarding guide: the customer team's checklist, by lifecycle phase"
            }
            Kind::Audit => {
                "The auditor's report: full matrix, decisions, findings, provenance, fingerprints"
            }
        }
    }

    /// Whether a final document of this kind is sealed (PDF/A-3a with its sources) and
    /// may be signed: the contract annex only.
    pub fn sealable(self) -> bool {
        self == Kind::Annex
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(Kind::from_name("contract"), None);
    }
}
