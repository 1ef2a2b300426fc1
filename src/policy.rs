//! Policies: how serious each finding of `annex check` (and of `render`, which runs the
//! same checks) is — `deny` (an error: exit code 1, nothing rendered), `warn` (printed,
//! listed in the audit document) or `allow` (not reported).
//!
//! Stage: applied after the checks, to findings that carry a stable rule code. Two policies
//! are built in — [`DEFAULT`], which lets every page the provider has actually published
//! render (with warnings), and [`STRICT`], which denies every RACI rule break, for a
//! provider's review before publishing — and a TOML policy file can start from either and
//! change single rules or whole families (`"raci::*" = "deny"`).
//!
//! Invariants: every rule code a policy names exists in [`RULES`] (a typo in a policy would
//! otherwise silently allow what it meant to deny); rules marked `fixed` are problems that
//! make an input unusable (a profile naming an unknown region, a syntax error) and are
//! always denied; a finding whose code is not in [`RULES`] keeps the severity its producer
//! gave it.

use std::collections::BTreeMap;
use std::path::Path;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use crate::diag::{self, Finding, Severity, Sources};
use crate::error::Invalid;
use crate::load::{self, SourceFile};

/// What a policy does with the findings of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Not reported.
    Allow,
    /// Reported as a warning; does not change the exit code (unless `--deny-warnings`).
    Warn,
    /// Reported as an error: exit code 1, and `render` writes nothing.
    Deny,
}

impl Level {
    /// The level's name as written in policy files.
    pub fn name(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

/// One rule: its stable code, its level in each built-in policy, and what it means.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable code, e.g. `raci::no-responsible`.
    pub code: &'static str,
    /// Level in the `default` policy.
    pub default: Level,
    /// Level in the `strict` policy.
    pub strict: Level,
    /// Always denied: the input cannot be used at all when this rule fires.
    pub fixed: bool,
    /// One line for the guide's Rules page and `--help`.
    pub summary: &'static str,
}

const fn rule(code: &'static str, default: Level, strict: Level, summary: &'static str) -> Rule {
    Rule {
        code,
        default,
        strict,
        fixed: false,
        summary,
    }
}

const fn fixed(code: &'static str, summary: &'static str) -> Rule {
    Rule {
        code,
        default: Level::Deny,
        strict: Level::Deny,
        fixed: true,
        summary,
    }
}

use Level::{Allow, Deny, Warn};

/// Every rule `annex check` knows, in the order the guide's Rules page lists them.
pub const RULES: &[Rule] = &[
    rule(
        "raci::no-accountable",
        Warn,
        Deny,
        "a row with letters but no A",
    ),
    rule(
        "raci::multiple-accountable",
        Warn,
        Deny,
        "a row with an A for more than one party",
    ),
    rule(
        "raci::no-responsible",
        Warn,
        Deny,
        "a row with letters but no R",
    ),
    rule(
        "raci::split-r-a",
        Warn,
        Deny,
        "R and A held by different parties, and no party holds both",
    ),
    rule(
        "raci::unassigned",
        Warn,
        Deny,
        "a row with no letter for any party",
    ),
    fixed(
        "raci::unknown-letter",
        "a letter cell of a Markdown page that is not a set of R, A, C, I (a word, a party's name): refused unless the import options say what it means",
    ),
    rule(
        "matrix::undisplayable",
        Deny,
        Deny,
        "a matrix text with a character no bundled font can show (e.g. CJK, emoji): the PDF could not be made",
    ),
    fixed(
        "matrix::hidden-control",
        "a matrix or translation text with a bidi control or another invisible character that makes it read otherwise than written (e.g. U+202E)",
    ),
    rule(
        "matrix::duplicate-id",
        Deny,
        Deny,
        "two activities with the same id",
    ),
    rule(
        "matrix::unknown-party",
        Deny,
        Deny,
        "letters given to a party the matrix does not list",
    ),
    rule(
        "matrix::empty-section",
        Warn,
        Deny,
        "a section whose table has a header but no rows",
    ),
    rule(
        "matrix::import-repair",
        Warn,
        Deny,
        "a Markdown page needed a repair that may have lost information (ragged row, …)",
    ),
    rule(
        "matrix::import-note",
        Allow,
        Allow,
        "a harmless quirk of a Markdown page (letter order, heading level, …)",
    ),
    rule(
        "cross::conflicting-letters",
        Warn,
        Deny,
        "the same activity with different letters in two documents",
    ),
    rule(
        "catalogue::missing-translation",
        Warn,
        Deny,
        "a catalogue entry the document shows has no text in the document's language",
    ),
    rule(
        "profile::service-not-subscribed",
        Warn,
        Warn,
        "the profile does not subscribe the matrix's service",
    ),
    rule(
        "profile::no-variant",
        Warn,
        Deny,
        "the matrix offers variants and the profile names none",
    ),
    rule(
        "change::reassigned",
        Warn,
        Deny,
        "diff: a party's letters changed on an activity",
    ),
    rule(
        "change::added",
        Warn,
        Deny,
        "diff: an activity only the new version has",
    ),
    rule(
        "change::removed",
        Warn,
        Deny,
        "diff: an activity only the old version has",
    ),
    rule(
        "change::moved",
        Warn,
        Warn,
        "diff: an activity moved to another section",
    ),
    rule(
        "change::reworded",
        Warn,
        Warn,
        "diff: an activity's text changed, letters equal",
    ),
    rule(
        "change::applicability",
        Warn,
        Deny,
        "diff: when an activity or section applies (its condition or variants) changed",
    ),
    rule(
        "change::section-added",
        Warn,
        Warn,
        "diff: a section only the new version has",
    ),
    rule(
        "change::section-removed",
        Warn,
        Deny,
        "diff: a section only the old version has",
    ),
    rule(
        "change::section-renamed",
        Warn,
        Warn,
        "diff: a section's title or number changed",
    ),
    rule(
        "change::section-note",
        Warn,
        Warn,
        "diff: the prose of a section (between its heading and its table) changed",
    ),
    rule(
        "change::metadata",
        Warn,
        Warn,
        "diff: title, provider, product, version, language, parties or legend changed",
    ),
    fixed(
        "input::unreadable",
        "an input file is missing, not UTF-8 text, or not a matrix page",
    ),
    fixed(
        "matrix::syntax",
        "the matrix file cannot be read (syntax, wrong type)",
    ),
    fixed(
        "matrix::unknown-key",
        "a key the matrix format does not have",
    ),
    fixed("matrix::missing-key", "a required matrix key is missing"),
    fixed(
        "matrix::schema",
        "a canonical matrix of a schema version this annex does not read",
    ),
    fixed(
        "matrix::limit",
        "a canonical matrix over a documented limit (activities, text length, nesting, …)",
    ),
    fixed(
        "matrix::unknown-condition-value",
        "an applicability condition names a value no catalogue entry has",
    ),
    fixed(
        "profile::syntax",
        "a line of the profile is not TOML",
    ),
    fixed(
        "profile::unknown-key",
        "a key the profile format does not have",
    ),
    fixed("profile::missing-key", "a required profile key is missing"),
    fixed(
        "profile::invalid-value",
        "a profile value of the wrong type or outside its choices (a quoted date, an unsupported language)",
    ),
    fixed(
        "profile::unfilled",
        "a \"<FILL: …>\" marker of `annex init` is still in the profile",
    ),
    fixed("profile::empty-field", "a required profile value is empty"),
    fixed(
        "profile::too-long",
        "a profile value over limits::MAX_PROFILE_TEXT_CHARS characters",
    ),
    fixed(
        "catalogue::undisplayable",
        "a catalogue text a document shows with a character no bundled font can show",
    ),
    fixed(
        "catalogue::hidden-control",
        "a catalogue text a document shows with a bidi control or another invisible character that makes it read otherwise than written",
    ),
    fixed(
        "profile::hidden-control",
        "a profile value with a bidi control or another invisible character that makes it read otherwise than written (e.g. U+202E)",
    ),
    fixed(
        "profile::undisplayable",
        "a profile value with a character no bundled font can show (e.g. CJK, emoji)",
    ),
    fixed(
        "profile::invalid-date",
        "contract.effective-date is not a date",
    ),
    fixed(
        "profile::unknown-region",
        "location.region is not a region of the catalogue",
    ),
    fixed(
        "profile::unknown-service",
        "a subscribed service is not in the catalogue",
    ),
    fixed(
        "profile::unknown-option",
        "a subscribed option is not in the catalogue",
    ),
    fixed(
        "profile::unknown-qualification",
        "a qualification is not in the catalogue",
    ),
    fixed(
        "profile::unknown-variant",
        "the variant is neither the matrix's nor the catalogue's",
    ),
    fixed(
        "profile::unknown-party",
        "a signatory names a party the matrix does not have",
    ),
    fixed(
        "profile::missing-signatory",
        "a party of the matrix has no signatory",
    ),
    fixed(
        "profile::missing-matrix",
        "a matrix the profile lists does not exist",
    ),
];

/// Name of the built-in policy used when none is given.
pub const DEFAULT: &str = "default";
/// Name of the built-in policy that denies every RACI rule break.
pub const STRICT: &str = "strict";

/// The rule with this code.
pub fn find_rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

/// A policy: the level of every rule of [`RULES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// `default`, `strict`, or the policy file's name.
    pub name: String,
    levels: BTreeMap<&'static str, Level>,
}

/// A policy file as written (and the source of its JSON Schema, `annex schema policy`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Policy")]
struct RawPolicy {
    /// The built-in policy to start from: `default` or `strict`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    extends: Option<Spanned<String>>,
    /// Rule code (or `family::*`) → level.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Level>")]
    rules: BTreeMap<Spanned<String>, Spanned<Level>>,
}

/// The JSON Schema of a policy file.
pub fn file_schema() -> schemars::Schema {
    schemars::schema_for!(RawPolicy)
}

impl Policy {
    /// A built-in policy by name (`default` or `strict`).
    pub fn builtin(name: &str) -> Option<Policy> {
        let pick: fn(&Rule) -> Level = match name {
            DEFAULT => |r| r.default,
            STRICT => |r| r.strict,
            _ => return None,
        };
        Some(Policy {
            name: name.to_owned(),
            levels: RULES.iter().map(|r| (r.code, pick(r))).collect(),
        })
    }

    /// The level of `code`, or `None` for a code this policy has no rule for.
    pub fn level(&self, code: &str) -> Option<Level> {
        self.levels.get(code).copied()
    }

    /// The severity a finding gets under this policy: `None` when the policy allows it.
    /// With `deny_warnings`, what would be a warning is an error. Codes the policy does not
    /// know keep their producer's severity.
    pub fn severity(&self, finding: &Finding, deny_warnings: bool) -> Option<Severity> {
        let severity = match self.level(&finding.code) {
            Some(Level::Allow) => return None,
            Some(Level::Warn) => Severity::Warning,
            Some(Level::Deny) => Severity::Error,
            None => finding.severity,
        };
        Some(if deny_warnings && severity == Severity::Warning {
            Severity::Error
        } else {
            severity
        })
    }

    /// Applies the policy to `findings`: allowed ones are dropped, the others get their
    /// policy severity.
    pub fn apply(&self, findings: Vec<Finding>, deny_warnings: bool) -> Vec<Finding> {
        findings
            .into_iter()
            .filter_map(|mut f| {
                f.severity = self.severity(&f, deny_warnings)?;
                Some(f)
            })
            .collect()
    }

    /// Parses a policy file. Every problem (syntax, unknown key, unknown rule code, a fixed
    /// rule set below `deny`, an unknown base policy) is returned as findings.
    pub fn from_source(source: &SourceFile) -> Result<Policy, Vec<Finding>> {
        let raw: RawPolicy = toml::from_str(&source.text)
            .map_err(|e| vec![load::toml_finding("policy", &e, source)])?;
        let file = source.name.as_str();
        let text = source.text.as_str();
        let mut findings = Vec::new();
        let base = match &raw.extends {
            None => Policy::builtin(DEFAULT),
            Some(name) => {
                let policy = Policy::builtin(name.get_ref());
                if policy.is_none() {
                    findings.push(
                        Finding::error(
                            "policy::unknown-base",
                            format!("unknown built-in policy `{}` in extends", name.get_ref()),
                        )
                        .at(file, text, name.span())
                        .label("not a built-in policy")
                        .note("built-in policies: default, strict"),
                    );
                }
                policy
            }
        };
        let mut policy = base.unwrap_or_else(|| Policy::builtin(DEFAULT).expect("built in"));
        policy.name = file.to_owned();
        // Families first, then single rules, so that `"raci::*" = "deny"` and
        // `"raci::split-r-a" = "warn"` together mean what they say, in any order.
        let (families, singles): (Vec<_>, Vec<_>) = raw
            .rules
            .iter()
            .partition(|(code, _)| code.get_ref().ends_with("::*"));
        for (code, level) in families.into_iter().chain(singles) {
            let name = code.get_ref().as_str();
            let targets: Vec<&Rule> = match name.strip_suffix('*') {
                Some(prefix) => RULES
                    .iter()
                    .filter(|r| r.code.starts_with(prefix))
                    .collect(),
                None => find_rule(name).into_iter().collect(),
            };
            if targets.is_empty() {
                let mut f = Finding::error(
                    "policy::unknown-rule",
                    format!("unknown rule `{name}` in [rules]"),
                )
                .at(file, text, code.span())
                .label("no such rule");
                let families: Vec<String> = RULES
                    .iter()
                    .filter_map(|r| r.code.split_once("::"))
                    .map(|(family, _)| format!("{family}::*"))
                    .collect();
                let candidates = RULES
                    .iter()
                    .map(|r| r.code)
                    .chain(families.iter().map(String::as_str));
                if let Some(s) = diag::suggest(name, candidates) {
                    f = f.note(format!("did you mean `{s}`?"));
                }
                findings.push(f);
                continue;
            }
            let wanted = *level.get_ref();
            for rule in targets {
                if rule.fixed && wanted != Level::Deny {
                    // A family entry only changes the rules it may change; a single entry
                    // that tries to relax a fixed rule is a mistake worth reporting.
                    if !name.ends_with('*') {
                        findings.push(
                            Finding::error(
                                "policy::fixed-rule",
                                format!(
                                    "`{name}` is always denied: the input cannot be used when it fires"
                                ),
                            )
                            .at(file, text, level.span())
                            .label(format!("cannot be `{}`", wanted.name())),
                        );
                    }
                    continue;
                }
                policy.levels.insert(rule.code, wanted);
            }
        }
        if findings.is_empty() {
            Ok(policy)
        } else {
            Err(findings)
        }
    }

    /// Resolves `--policy`: nothing is `default`, `default`/`strict` are the built-ins,
    /// anything else is a policy file. Problems in the file are an input error (exit 1).
    pub fn resolve(spec: Option<&str>) -> anyhow::Result<Policy> {
        let spec = spec.unwrap_or(DEFAULT);
        if let Some(policy) = Policy::builtin(spec) {
            return Ok(policy);
        }
        let path = Path::new(spec);
        if !path.exists() && !spec.contains(['/', '\\', '.']) {
            return Err(Invalid::input(format!(
                "unknown policy `{spec}`: use `default`, `strict` or the path of a policy file"
            )));
        }
        let source = load::read_text(path)?;
        Policy::from_source(&source).map_err(|findings| {
            let mut sources = Sources::default();
            sources.add(&source.name, &source.text);
            Invalid::findings(findings, sources)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> SourceFile {
        SourceFile {
            name: "policy.toml".into(),
            text: text.into(),
        }
    }

    #[test]
    fn rule_codes_are_unique_and_namespaced() {
        let mut codes: Vec<&str> = RULES.iter().map(|r| r.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), RULES.len());
        assert!(RULES.iter().all(|r| r.code.contains("::")));
    }

    #[test]
    fn strict_denies_every_raci_rule_and_default_denies_none() {
        let strict = Policy::builtin(STRICT).unwrap();
        let default = Policy::builtin(DEFAULT).unwrap();
        for r in RULES
            .iter()
            .filter(|r| r.code.starts_with("raci::") && !r.fixed)
        {
            assert_eq!(strict.level(r.code), Some(Level::Deny), "{}", r.code);
            assert_ne!(default.level(r.code), Some(Level::Deny), "{}", r.code);
        }
    }

    #[test]
    fn a_file_extends_a_builtin_and_single_rules_win_over_families() {
        let p = Policy::from_source(&source(
            "extends = \"default\"\n[rules]\n\"raci::split-r-a\" = \"allow\"\n\"raci::*\" = \"deny\"\n",
        ))
        .unwrap();
        assert_eq!(p.level("raci::no-responsible"), Some(Level::Deny));
        assert_eq!(p.level("raci::split-r-a"), Some(Level::Allow));
        assert_eq!(p.level("cross::conflicting-letters"), Some(Level::Warn));
    }

    #[test]
    fn unknown_rules_and_keys_are_errors_with_places() {
        let errs = Policy::from_source(&source("[rules]\n\"raci::no-responsable\" = \"deny\"\n"))
            .unwrap_err();
        assert_eq!(errs[0].code, "policy::unknown-rule");
        assert_eq!(errs[0].location.as_ref().unwrap().line, 2);
        assert_eq!(errs[0].notes, ["did you mean `raci::no-responsible`?"]);
        let errs = Policy::from_source(&source("extend = \"strict\"\n")).unwrap_err();
        assert_eq!(errs[0].code, "policy::unknown-key");
        let errs = Policy::from_source(&source("[rules]\n\"raci::unassigned\" = \"never\"\n"))
            .unwrap_err();
        assert_eq!(errs[0].code, "policy::syntax");
    }

    #[test]
    fn fixed_rules_cannot_be_relaxed() {
        let errs =
            Policy::from_source(&source("[rules]\n\"profile::unknown-region\" = \"warn\"\n"))
                .unwrap_err();
        assert_eq!(errs[0].code, "policy::fixed-rule");
        // A family only relaxes what may be relaxed.
        let p = Policy::from_source(&source("[rules]\n\"profile::*\" = \"allow\"\n")).unwrap();
        assert_eq!(p.level("profile::unknown-region"), Some(Level::Deny));
        assert_eq!(
            p.level("profile::service-not-subscribed"),
            Some(Level::Allow)
        );
    }

    #[test]
    fn severities_follow_the_policy() {
        let p = Policy::builtin(DEFAULT).unwrap();
        let f = Finding::error("raci::no-responsible", "x");
        assert_eq!(p.severity(&f, false), Some(Severity::Warning));
        assert_eq!(p.severity(&f, true), Some(Severity::Error));
        let note = Finding::warning("matrix::import-note", "x");
        assert_eq!(p.severity(&note, true), None);
        let other = Finding::warning("someone::else", "x");
        assert_eq!(p.severity(&other, false), Some(Severity::Warning));
    }
}
