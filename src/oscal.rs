//! OSCAL export stage: a matrix (or a profile's tailored matrices) as an OSCAL 1.1.3
//! component-definition in JSON, for GRC tools (`annex export --format oscal`).
//!
//! One `defined-component` per matrix (type `service`), one `implemented-requirement` per
//! activity (all of them: a profile's tailoring is recorded on each, never by leaving one
//! out). The RACI letters become OSCAL's own constructs where they fit: the four letters are
//! the four metadata `roles` (`responsible`, `accountable`, `consulted`, `informed`), the
//! matrix's parties are metadata `parties`, and each requirement's `responsible-roles` say
//! which parties hold which letter. What OSCAL cannot say (the letters per party as
//! written, who carries the activity out, the tailoring decision) goes in `props` of our
//! namespace [`NS`]. The guide's `how-to/oscal.md` documents every field.
//!
//! Invariants: the output is a pure function of the inputs and `source_date_epoch` (no
//! clock: `last-modified` is the epoch given, else the effective date, else the matrix's
//! version date), so the same inputs give the same bytes; every UUID is an RFC 9562
//! version 5 UUID of a name derived from stable ids ([`uuid_of`], the one rule), so a
//! re-export gives the same UUIDs; activity text is contract text: it goes into
//! `description` whole, escaped ([`escape::markdown`]) so that OSCAL's Markdown shows it
//! as written.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::error::Invalid;
use crate::load::{self, LoadedMatrix, MatrixFormat};
use crate::model::{Letter, Matrix, PartyRole};
use crate::prepare::{InputOptions, Prepared, Shared};
use crate::tailor::{self, Decision};
use crate::{canonical, digest, escape};

/// The OSCAL version the export targets (and declares in `metadata.oscal-version`).
pub const OSCAL_VERSION: &str = "1.1.3";

/// Namespace of our `props` (and the name our UUID namespace is derived from).
pub const NS: &str = "https://annex.example/ns/oscal";

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// A profile (TOML with a `[customer]` table) or a matrix (page, canonical TOML/JSON).
    pub input: PathBuf,
    /// Catalogue for a profile (default: the embedded one).
    pub catalogue: Option<PathBuf>,
    /// `SOURCE_DATE_EPOCH`: the `last-modified` date, when given.
    pub source_date_epoch: Option<i64>,
}

/// The component-definition of `options.input`, as pretty JSON with a final newline.
pub fn export(options: &ExportOptions) -> anyhow::Result<String> {
    let path = options.input.as_path();
    if is_profile(path)? {
        let shared = Shared::load(&InputOptions {
            catalogue: options.catalogue.clone(),
            ..InputOptions::default()
        })?;
        let prepared = shared.prepare_file(Some(path))?;
        of_profile(&prepared, options.source_date_epoch)
    } else {
        of_matrices(&[load::matrix(Some(path))?], options.source_date_epoch)
    }
}

/// Whether `path` is a profile: a TOML file (not a canonical matrix) with a `[customer]`
/// table. Anything else is read as a matrix, whose loader reports its own errors.
fn is_profile(path: &Path) -> anyhow::Result<bool> {
    if MatrixFormat::of(&path.display().to_string()) != MatrixFormat::Toml {
        return Ok(false);
    }
    let source = load::read_text(path)?;
    // A profile with a syntax error is still a profile: its loader reports the error.
    Ok(match source.text.parse::<toml::Table>() {
        Ok(t) => t.contains_key("customer"),
        Err(_) => source
            .text
            .lines()
            .any(|l| l.trim_start().starts_with("[customer")),
    })
}

/// The export of matrices alone (no profile: nothing tailored).
pub fn of_matrices(
    matrices: &[LoadedMatrix],
    source_date_epoch: Option<i64>,
) -> anyhow::Result<String> {
    let parts: Vec<Part> = matrices
        .iter()
        .map(|m| Part {
            matrix: &m.matrix,
            decisions: None,
        })
        .collect();
    let canonical: Vec<String> = matrices
        .iter()
        .map(|m| canonical::to_json(&m.matrix))
        .collect();
    let first = &matrices[0].matrix;
    let title = if matrices.len() == 1 {
        first.title.clone()
    } else {
        matrices
            .iter()
            .map(|m| m.matrix.title.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let doc = Document {
        name: format!(
            "component-definition:matrices:{}",
            digest::sha256_hex(canonical.join("\n").as_bytes())
        ),
        title,
        version: matrices
            .iter()
            .map(|m| m.matrix.version.as_deref().unwrap_or("unversioned"))
            .collect::<Vec<_>>()
            .join(", "),
        date: source_date_epoch
            .map(epoch_date)
            .or_else(|| version_date(first))
            .unwrap_or_else(|| epoch_date(0)),
        props: vec![prop("tool", &tool())],
        remarks: None,
    };
    build(&doc, &parts)
}

/// The export of a profile: its parts, each activity with the profile's tailoring
/// decision, and the document fingerprint.
pub fn of_profile(prepared: &Prepared, source_date_epoch: Option<i64>) -> anyhow::Result<String> {
    let tailored = tailor::tailor(prepared);
    let decisions: Vec<BTreeMap<&str, &Decision>> = tailored
        .parts
        .iter()
        .map(|p| p.decisions.iter().map(|d| (d.id.as_str(), d)).collect())
        .collect();
    let parts: Vec<Part> = prepared
        .parts
        .iter()
        .zip(&decisions)
        .map(|(m, d)| Part {
            matrix: &m.matrix,
            decisions: Some(d),
        })
        .collect();
    let profile = &prepared.profile;
    let fingerprint = prepared.fingerprint();
    let contract = &profile.contract;
    let mut props = vec![
        prop("tool", &tool()),
        prop("fingerprint", &fingerprint),
        prop("customer", &profile.customer.legal_name),
        prop("contract-reference", &contract.reference),
        prop("effective-date", &contract.effective_date.to_string()),
        prop("region", &profile.region),
        prop("services", &profile.services.join(" ")),
        prop("options", &profile.options.join(" ")),
        prop("qualifications", &profile.qualifications.join(" ")),
        prop(
            "scope",
            match profile.scope {
                crate::profile::Scope::Tailored => "tailored",
                crate::profile::Scope::Full => "full",
            },
        ),
    ];
    if let Some(v) = &profile.variant {
        props.push(prop("variant", v));
    }
    let doc = Document {
        name: format!("component-definition:profile:{fingerprint}"),
        title: format!(
            "{}: shared responsibilities ({})",
            profile.customer.legal_name, contract.reference
        ),
        version: format!("{} ({})", contract.reference, contract.effective_date),
        date: source_date_epoch.map(epoch_date).unwrap_or_else(|| {
            format!("{}T00:00:00Z", contract.effective_date.format("%Y-%m-%d"))
        }),
        props: props.into_iter().filter(|p| !p.is_null()).collect(),
        remarks: Some(format!(
            "Tailored to the subscription of {} (contract {}, effective {}): every activity of the matrices is listed; those that do not apply carry applies = false and the reason.",
            profile.customer.legal_name, contract.reference, contract.effective_date
        )),
    };
    build(&doc, &parts)
}

/// One matrix to export, with the profile's decisions by activity id, if any.
struct Part<'a> {
    matrix: &'a Matrix,
    decisions: Option<&'a BTreeMap<&'a str, &'a Decision>>,
}

/// The document-level fields.
struct Document {
    /// The name the document's UUID is derived from.
    name: String,
    title: String,
    version: String,
    /// `last-modified`, RFC 3339.
    date: String,
    props: Vec<Value>,
    remarks: Option<String>,
}

fn tool() -> String {
    format!("annex {}", env!("CARGO_PKG_VERSION"))
}

/// `YYYY-MM-DDTHH:MM:SSZ` of seconds since the epoch.
fn epoch_date(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// The matrix's version as a date, when it is one (pages are versioned by update date).
fn version_date(m: &Matrix) -> Option<String> {
    let v = m.version.as_deref()?;
    chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .map(|d| format!("{}T00:00:00Z", d.format("%Y-%m-%d")))
}

/// The UUID of a named thing of the export: RFC 9562 version 5 (SHA-1) of `name` in our
/// namespace, itself the version 5 UUID of [`NS`] in the URL namespace. The one rule: every
/// UUID of the export comes from here.
pub fn uuid_of(name: &str) -> String {
    let ns = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, NS.as_bytes());
    uuid::Uuid::new_v5(&ns, name.as_bytes()).to_string()
}

/// A prop in our namespace; `Null` (dropped) when the value is empty. OSCAL's string
/// values have no line breaks and no outer white space: they are metadata, not contract
/// text, so white space runs become one space.
fn prop(name: &str, value: &str) -> Value {
    let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if value.is_empty() {
        return Value::Null;
    }
    json!({ "name": name, "ns": NS, "value": value })
}

/// [`prop`] with a class (OSCAL token).
fn prop_class(name: &str, class: &str, value: &str) -> Value {
    let mut p = prop(name, value);
    if let Some(o) = p.as_object_mut() {
        o.insert("class".into(), Value::String(token(class)));
    }
    p
}

/// An OSCAL token (`control-id`, `class`) of any string, injectively: ASCII letters,
/// digits, `.` and `-` are kept, any other character becomes `_<hex code>_`; a `a-` prefix
/// makes it start with a letter.
pub fn token(id: &str) -> String {
    let mut out = String::from("a-");
    for c in id.chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
            out.push(c);
        } else {
            out.push_str(&format!("_{:x}_", c as u32));
        }
    }
    out
}

/// A link target as an OSCAL `uri-reference`: characters a URI cannot hold
/// percent-encoded (UTF-8), the rest as written.
fn uri_reference(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        if c.is_ascii_graphic()
            && !matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}')
        {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

const ROLES: [(Letter, &str, &str); 4] = [
    (Letter::R, "responsible", "Responsible (R)"),
    (Letter::A, "accountable", "Accountable (A)"),
    (Letter::C, "consulted", "Consulted (C)"),
    (Letter::I, "informed", "Informed (I)"),
];

fn build(doc: &Document, parts: &[Part]) -> anyhow::Result<String> {
    let mut services = BTreeSet::new();
    for part in parts {
        if !services.insert(part.matrix.service.as_str()) {
            return Err(Invalid::input(format!(
                "two matrices are for the service {:?}: their OSCAL components would share UUIDs; export them one at a time",
                part.matrix.service
            )));
        }
    }
    let first = parts[0].matrix;
    let roles: Vec<Value> = ROLES
        .iter()
        .map(|(letter, id, title)| {
            let mut role = json!({ "id": id, "title": title });
            if let Some(meaning) = first.legend.iter().find(|l| l.letter == *letter) {
                role["description"] = Value::String(escape::markdown(&meaning.meaning));
            }
            role
        })
        .collect();
    let mut parties = Vec::new();
    for part in parts {
        let m = part.matrix;
        for p in &m.parties {
            parties.push(json!({
                "uuid": uuid_of(&format!("party:{}/{}", m.service, p.id)),
                "type": "organization",
                "name": p.name,
                "props": [
                    prop("party-id", &p.id),
                    prop("party-role", role_name(p.role)),
                    prop("service", &m.service),
                ],
            }));
        }
    }
    let components = parts
        .iter()
        .map(component)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let resources: Vec<Value> = parts
        .iter()
        .map(|part| {
            let m = part.matrix;
            let mut r = json!({
                "uuid": uuid_of(&format!("matrix:{}", m.service)),
                "title": escape::markdown(&m.title),
                "description": escape::markdown(&format!(
                    "The shared-responsibility matrix of {} for {}{}, in annex's canonical form.",
                    m.provider,
                    m.service,
                    m.version.as_deref().map(|v| format!(", version {v}")).unwrap_or_default()
                )),
                "props": [
                    prop("canonical-sha256", &digest::sha256_hex(canonical::to_json(m).as_bytes())),
                ],
            });
            if let Some(source) = m.source.as_deref().filter(|s| !s.trim().is_empty()) {
                r["rlinks"] = json!([{ "href": uri_reference(source) }]);
            }
            r
        })
        .collect();
    let mut metadata = json!({
        "title": escape::markdown(&doc.title),
        "last-modified": doc.date,
        "version": doc.version,
        "oscal-version": OSCAL_VERSION,
        "roles": roles,
        "parties": parties,
        "props": doc.props,
    });
    if let Some(r) = &doc.remarks {
        metadata["remarks"] = Value::String(escape::markdown(r));
    }
    let out = json!({
        "component-definition": {
            "uuid": uuid_of(&doc.name),
            "metadata": metadata,
            "components": components,
            "back-matter": { "resources": resources },
        }
    });
    let mut text = serde_json::to_string_pretty(&strip_nulls(out))?;
    text.push('\n');
    Ok(text)
}

fn role_name(role: PartyRole) -> &'static str {
    match role {
        PartyRole::Customer => "customer",
        PartyRole::Provider => "provider",
        PartyRole::Other => "other",
    }
}

/// One `defined-component`: the matrix as a service, its activities as requirements.
fn component(part: &Part) -> anyhow::Result<Value> {
    let m = part.matrix;
    let mut seen = BTreeSet::new();
    let mut requirements = Vec::new();
    for section in &m.sections {
        for a in &section.activities {
            if !seen.insert(a.id.as_str()) {
                return Err(Invalid::input(format!(
                    "{}: the activity id {:?} is used twice: OSCAL requirements need unique ids (`annex check` reports it)",
                    m.service, a.id
                )));
            }
            let mut props = vec![prop("activity-id", &a.id), prop("section", &section.number)];
            for p in &m.parties {
                let letters: String = a.letters_of(&p.id).iter().map(Letter::as_char).collect();
                props.push(prop_class("raci", &p.id, &letters));
            }
            props.push(prop("responsibility", responsibility(m, a)));
            let mut req = json!({
                "uuid": uuid_of(&format!("activity:{}/{}", m.service, a.id)),
                "control-id": token(&a.id),
                "description": escape::markdown(&a.text),
            });
            if let Some(decisions) = part.decisions {
                if let Some(d) = decisions.get(a.id.as_str()) {
                    props.push(prop("applies", if d.applies { "true" } else { "false" }));
                    props.push(prop("condition", &d.condition));
                    props.push(prop("not-applicable-reason", &d.reason));
                    if !d.applies {
                        req["remarks"] = Value::String(escape::markdown(&format!(
                            "Not applicable to this subscription: {}",
                            d.reason
                        )));
                    }
                }
            }
            req["props"] = Value::Array(props);
            let roles: Vec<Value> = ROLES
                .iter()
                .filter_map(|(letter, id, _)| {
                    let holders: Vec<String> = m
                        .parties
                        .iter()
                        .filter(|p| a.letters_of(&p.id).contains(*letter))
                        .map(|p| uuid_of(&format!("party:{}/{}", m.service, p.id)))
                        .collect();
                    (!holders.is_empty()).then(|| json!({ "role-id": id, "party-uuids": holders }))
                })
                .collect();
            if !roles.is_empty() {
                req["responsible-roles"] = Value::Array(roles);
            }
            if !a.links.is_empty() {
                req["links"] = a
                    .links
                    .iter()
                    .map(|l| json!({ "href": uri_reference(&l.url), "text": escape::markdown(&l.text) }))
                    .collect();
            }
            requirements.push(req);
        }
    }
    let mut props = vec![
        prop("provider", &m.provider),
        prop("service", &m.service),
        prop("matrix-version", m.version.as_deref().unwrap_or("")),
        prop("language", &m.language),
    ];
    for l in &m.legend {
        props.push(prop_class(
            "legend",
            &l.letter.as_char().to_string(),
            &l.meaning,
        ));
    }
    let mut c = json!({
        "uuid": uuid_of(&format!("component:{}", m.service)),
        "type": "service",
        "title": escape::markdown(&format!("{} {}", m.provider, m.title)),
        "description": escape::markdown(m.excerpt.as_deref().unwrap_or(&m.title)),
        "props": props,
    });
    if !requirements.is_empty() {
        c["control-implementations"] = json!([{
            "uuid": uuid_of(&format!("control-implementation:{}", m.service)),
            "source": format!("#{}", uuid_of(&format!("matrix:{}", m.service))),
            "description": escape::markdown(&format!(
                "Who does what for {} between {}: one requirement per activity of the matrix, its RACI letters as responsible roles.",
                m.service,
                m.parties.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
            )),
            "implemented-requirements": requirements,
        }]);
    }
    Ok(c)
}

/// Who carries the activity out (holds R): `provider`, `customer`, `shared` (both),
/// `other`, or `none`.
fn responsibility(m: &Matrix, a: &crate::model::Activity) -> &'static str {
    let roles: BTreeSet<&str> = m
        .parties
        .iter()
        .filter(|p| a.letters_of(&p.id).contains(Letter::R))
        .map(|p| role_name(p.role))
        .collect();
    match (roles.contains("provider"), roles.contains("customer")) {
        (true, true) => "shared",
        (true, false) => "provider",
        (false, true) => "customer",
        _ if roles.contains("other") => "other",
        _ => "none",
    }
}

/// Drops the `Null` props (empty values) and the prop arrays left empty.
fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .filter(|i| !i.is_null())
                .map(strip_nulls)
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, strip_nulls(v)))
                .filter(|(_, v)| !matches!(v, Value::Array(a) if a.is_empty()))
                .collect(),
        ),
        v => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_injective_and_start_with_a_letter() {
        assert_eq!(token("1.1/choose-x"), "a-1.1_2f_choose-x");
        assert_ne!(token("a_b"), token("a/b"));
        assert_ne!(token("a_2f_b"), token("a/b"));
    }

    #[test]
    fn uuids_are_version_5_and_stable() {
        let u = uuid_of("activity:data-processing/1.1/x");
        assert_eq!(u, uuid_of("activity:data-processing/1.1/x"));
        assert_eq!(&u[14..15], "5");
        assert_ne!(u, uuid_of("activity:data-processing/1.1/y"));
    }

    #[test]
    fn uri_references_have_no_space() {
        assert_eq!(uri_reference("a b/é"), "a%20b/%C3%A9");
    }
}
