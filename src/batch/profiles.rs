//! The profiles of a batch: the `*.toml` files of a folder, or the rows of a CSV file turned
//! into profile TOML, so that a row is validated exactly like a file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::error::Invalid;
use crate::load::{self, SourceFile};

/// One profile of the batch, before it is read.
#[derive(Debug, Clone)]
pub struct Item {
    /// What messages call it: the file name, or `file.csv row N`.
    pub label: String,
    /// What sharding hashes: the file name, or the row's short name (else legal name).
    pub key: String,
    origin: Origin,
}

#[derive(Debug, Clone)]
enum Origin {
    File(PathBuf),
    /// A CSV row turned into profile TOML, or the reason it could not be.
    Row(Result<SourceFile, String>),
}

impl Item {
    /// The profile's text.
    pub fn source(&self) -> anyhow::Result<SourceFile> {
        match &self.origin {
            Origin::File(path) => load::read_text(path),
            Origin::Row(Ok(source)) => Ok(source.clone()),
            Origin::Row(Err(reason)) => Err(Invalid::input(format!("{}: {reason}", self.label))),
        }
    }
}

/// The profiles of a batch, and the entries of its folder that are not read.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// The profiles, sorted by file name (or in CSV row order).
    pub items: Vec<Item>,
    /// Each entry of the folder that is not a profile, with why: `notes.txt (not *.toml)`.
    /// Nothing in the folder is passed over unsaid.
    pub ignored: Vec<String>,
}

/// Lists the profiles of a folder (`*.toml`, sorted by file name) or a CSV file. A `*.toml`
/// entry that is not a regular file (a FIFO, a device, a folder) is a profile that fails
/// when read, by name; every other entry is listed in [`Listing::ignored`].
pub fn list(path: &Path) -> anyhow::Result<Listing> {
    if path.is_dir() {
        let entries = std::fs::read_dir(path)
            .map_err(|e| Invalid::input(format!("cannot read {}: {e}", path.display())))?;
        let mut listing = Listing::default();
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", path.display()))?;
            let file = entry.path();
            // A name that is not UTF-8 is still a profile: it is rendered (its output is
            // named by the customer's short name, like any other) and called by its
            // escaped name in messages, never skipped unsaid.
            let name = escaped_name(&entry.file_name());
            if name.starts_with('.') || !name.ends_with(".toml") {
                let kind = match std::fs::metadata(&file) {
                    Ok(m) if m.is_file() => String::new(),
                    Ok(m) => format!("{}, ", load::file_kind(&m.file_type())),
                    Err(e) => format!("unreadable: {e}, "),
                };
                let why = if name.starts_with('.') {
                    "hidden"
                } else {
                    "not *.toml"
                };
                listing.ignored.push(format!("{name} ({kind}{why})"));
                continue;
            }
            listing.items.push(Item {
                label: name.clone(),
                key: name,
                origin: Origin::File(file.clone()),
            });
        }
        listing.items.sort_by(|a, b| a.key.cmp(&b.key));
        listing.ignored.sort();
        if listing.items.is_empty() {
            return Err(Invalid::input(format!(
                "{}: no profile (*.toml) in this folder",
                path.display()
            )));
        }
        Ok(listing)
    } else {
        let source = load::read_text(path)?;
        Ok(Listing {
            items: csv_items(&source)?,
            ignored: Vec::new(),
        })
    }
}

/// A file name as text: itself if it is UTF-8, else its UTF-8 parts with every other byte
/// written `\xNN`. Unlike a lossy conversion, two names never read the same, so labels
/// (and shard keys) stay distinct.
fn escaped_name(name: &std::ffi::OsStr) -> String {
    if let Some(name) = name.to_str() {
        return name.to_owned();
    }
    #[cfg(unix)]
    {
        use std::fmt::Write as _;
        use std::os::unix::ffi::OsStrExt as _;
        let mut out = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for byte in chunk.invalid() {
                let _ = write!(out, "\\x{byte:02X}");
            }
        }
        out
    }
    #[cfg(not(unix))]
    name.to_string_lossy().into_owned()
}

/// Columns whose cell is a `;`-separated list.
const LIST_COLUMNS: &[&str] = &[
    "subscription.services",
    "subscription.options",
    "subscription.qualifications",
];

/// The profiles of a CSV file: the header names profile keys as dotted TOML paths
/// (`customer.legal-name`, `contract.effective-date`, …) plus `signatories.N.party|name|title`;
/// each row becomes the equivalent profile TOML, so it is validated exactly like a file.
pub fn csv_items(source: &SourceFile) -> anyhow::Result<Vec<Item>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(source.text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Invalid::input(format!("{}: {e}", source.name)))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    for h in &headers {
        let valid = !h.is_empty()
            && h.split('.').all(|seg| {
                !seg.is_empty()
                    && seg
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            });
        if !valid {
            return Err(Invalid::input(format!(
                "{}:1: column `{h}` is not a profile key (write keys like customer.legal-name)",
                source.name
            )));
        }
    }
    let mut items = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let row = index + 2;
        let label = format!("{} row {row}", source.name);
        let (key, origin) = match record {
            Err(e) => (label.clone(), Origin::Row(Err(e.to_string()))),
            Ok(record) => {
                let cell = |name: &str| {
                    headers
                        .iter()
                        .position(|h| h == name)
                        .and_then(|i| record.get(i))
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                };
                let key = cell("customer.short-name")
                    .or_else(|| cell("customer.legal-name"))
                    .map_or_else(|| label.clone(), str::to_owned);
                let text = if record.len() != headers.len() {
                    Err(format!(
                        "{} cells where the header has {} columns",
                        record.len(),
                        headers.len()
                    ))
                } else {
                    row_to_toml(&headers, &record)
                };
                let source = text.map(|text| SourceFile {
                    name: label.clone(),
                    text,
                });
                (key, Origin::Row(source))
            }
        };
        items.push(Item { label, key, origin });
    }
    if items.is_empty() {
        return Err(Invalid::input(format!("{}: no profile rows", source.name)));
    }
    Ok(items)
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// One CSV row as profile TOML: root-level dotted keys, then one `[[signatories]]` table per
/// signatory number.
fn row_to_toml(headers: &[String], record: &csv::StringRecord) -> Result<String, String> {
    let mut lines = Vec::new();
    let mut signatories: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for (h, value) in headers.iter().zip(record.iter()) {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        if let Some(rest) = h.strip_prefix("signatories.") {
            let parsed = rest
                .split_once('.')
                .and_then(|(n, field)| Some((n.parse::<u32>().ok()?, field)));
            let Some((n, field)) = parsed else {
                return Err(format!(
                    "column `{h}`: expected signatories.N.party, .name or .title"
                ));
            };
            signatories
                .entry(n)
                .or_default()
                .push(format!("{field} = {}", toml_string(value)));
            continue;
        }
        let toml_value = if LIST_COLUMNS.contains(&h.as_str()) {
            let list: Vec<String> = value
                .split(';')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(toml_string)
                .collect();
            format!("[{}]", list.join(", "))
        } else if (h == "contract.effective-date"
            && chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok())
            || (h == "contract.annex-number" && value.parse::<u32>().is_ok())
        {
            // A TOML date or integer, written bare.
            value.to_owned()
        } else {
            toml_string(value)
        };
        lines.push(format!("{h} = {toml_value}"));
    }
    for fields in signatories.values() {
        lines.push(String::new());
        lines.push("[[signatories]]".to_owned());
        lines.extend(fields.iter().cloned());
    }
    lines.push(String::new());
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_stay_distinct() {
        use std::os::unix::ffi::OsStrExt as _;
        let a = escaped_name(std::ffi::OsStr::from_bytes(b"caf\xe9.toml"));
        let b = escaped_name(std::ffi::OsStr::from_bytes(b"caf\xe8.toml"));
        assert_eq!(a, "caf\\xE9.toml");
        assert_ne!(a, b);
        assert_eq!(escaped_name(std::ffi::OsStr::new("café.toml")), "café.toml");
    }

    #[test]
    fn a_csv_row_becomes_profile_toml() {
        let headers: Vec<String> = [
            "customer.legal-name",
            "contract.annex-number",
            "contract.effective-date",
            "subscription.services",
            "subscription.options",
            "signatories.1.party",
            "signatories.1.name",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let record = csv::StringRecord::from(vec![
            "A \"quoted\" & Co",
            "3",
            "2026-12-01",
            "data-processing; x",
            "",
            "customer",
            "Jo",
        ]);
        let text = row_to_toml(&headers, &record).unwrap();
        let value: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(
            value["customer"]["legal-name"].as_str(),
            Some("A \"quoted\" & Co")
        );
        assert_eq!(value["contract"]["annex-number"].as_integer(), Some(3));
        assert!(value["contract"]["effective-date"].is_datetime());
        assert_eq!(
            value["subscription"]["services"].as_array().unwrap().len(),
            2
        );
        assert!(value["subscription"].get("options").is_none());
        assert_eq!(value["signatories"][0]["name"].as_str(), Some("Jo"));
    }
}
