//! The source file name: service id and language.
//!
//! Page files are named like `block-storage.2022-12-23.en-gb.md`; the locale and date
//! suffixes are peeled off the stem, and provider prefixes and "responsibility model"
//! suffixes off the service id. Invariant: the service id is never empty (it falls back to
//! the title's slug, then to `matrix`).

use chrono::NaiveDate;

use crate::ids;

/// Whether a dotted file-name part is a locale (`en-gb`, `fr`, `pt_PT`).
fn is_locale(part: &str) -> bool {
    let mut it = part.splitn(2, ['-', '_']);
    let lang = it.next().unwrap_or("");
    let region = it.next();
    (2..=3).contains(&lang.len())
        && lang.chars().all(|c| c.is_ascii_alphabetic())
        && region.is_none_or(|r| {
            (2..=4).contains(&r.len()) && r.chars().all(|c| c.is_ascii_alphanumeric())
        })
}

/// Whether a dotted file-name part is a date (`2022-12-23`, `20221223`).
fn is_date_part(part: &str) -> bool {
    NaiveDate::parse_from_str(part, "%Y-%m-%d").is_ok()
        || (part.len() == 8 && NaiveDate::parse_from_str(part, "%Y%m%d").is_ok())
}

/// Splits a source path into its stem without extension, locale and date suffixes, and the
/// language of its locale suffix.
pub(super) fn source_stem(source: &str) -> (String, Option<String>) {
    let name = source.rsplit(['/', '\\']).next().unwrap_or(source);
    let lower = name.to_ascii_lowercase();
    let mut stem = name;
    for ext in [".md", ".markdown", ".mdx", ".txt"] {
        if lower.ends_with(ext) {
            stem = &name[..name.len() - ext.len()];
            break;
        }
    }
    let mut language = None;
    while let Some((head, last)) = stem.rsplit_once('.') {
        if language.is_none() && is_locale(last) {
            let lang = last.split(['-', '_']).next().unwrap_or(last);
            language = Some(lang.to_ascii_lowercase());
        } else if !is_date_part(last) {
            break;
        }
        stem = head;
    }
    (stem.to_owned(), language)
}

/// Service id from the source file name: `block-storage.2022-12-23.en-gb.md` →
/// `block-storage`; `ovhcloud-data-processing-responsibility-model.md` → `data-processing`.
pub(super) fn service_id(stem: &str, provider: &str, title: &str) -> String {
    let mut s = ids::slug(stem);
    let provider_prefix = format!("{}-", ids::slug(provider));
    if let Some(rest) = s.strip_prefix(&provider_prefix) {
        s = rest.to_owned();
    }
    for prefix in ["raci-"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.to_owned();
        }
    }
    for suffix in [
        "-responsibility-model",
        "-shared-responsibilities",
        "-shared-responsibility",
        "-responsibility-sharing",
        "-responsibilities",
        "-raci",
    ] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.to_owned();
            break;
        }
    }
    if s.is_empty() || s == "guide" || s == "index" {
        s = ids::slug(title);
    }
    if s.is_empty() {
        s = "matrix".to_owned();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::import_markdown;
    use crate::import::test_support::HEAD;

    #[test]
    fn stems_lose_extension_locale_and_date() {
        assert_eq!(
            source_stem("dir/block-storage.2022-12-23.en-gb.md"),
            ("block-storage".to_owned(), Some("en".to_owned()))
        );
        assert_eq!(source_stem("x.MD"), ("x".to_owned(), None));
        assert_eq!(
            source_stem("page.fr.20221223.md"),
            ("page".to_owned(), Some("fr".to_owned()))
        );
        assert_eq!(
            source_stem("data.processing.md"),
            ("data.processing".to_owned(), None)
        );
        assert!(is_locale("en-gb") && is_locale("pt_PT") && is_locale("fr"));
        assert!(!is_locale("english") && !is_locale("en-"));
        assert!(is_date_part("2022-12-23") && is_date_part("20221223"));
        assert!(!is_date_part("2022") && !is_date_part("20221399"));
    }

    #[test]
    fn service_ids_lose_provider_and_responsibility_words() {
        assert_eq!(
            service_id(
                "ovhcloud-data-processing-responsibility-model",
                "OVHcloud",
                "T"
            ),
            "data-processing"
        );
        assert_eq!(service_id("raci-email-pro", "OVHcloud", "T"), "email-pro");
        assert_eq!(service_id("guide", "OVHcloud", "My Title"), "my-title");
        assert_eq!(service_id("", "X", ""), "matrix");
    }

    #[test]
    fn service_and_language_come_from_the_file_name() {
        let page = format!("### 1. S\n\n{HEAD}| Do | RA | I |\n");
        for (name, service, language) in [
            ("data-processing.en-gb.md", "data-processing", "en"),
            ("block-storage.2022-12-23.en-gb.md", "block-storage", "en"),
            (
                "ovhcloud-data-processing-responsibility-model.md",
                "data-processing",
                "en",
            ),
            (
                "some/dir/managed-kubernetes.fr-fr.md",
                "managed-kubernetes",
                "fr",
            ),
            ("C:\\pages\\web-hosting.pt_PT.markdown", "web-hosting", "pt"),
            ("raci-email-pro.de.md", "email-pro", "de"),
            ("guide.en-gb.md", "test", "en"),
        ] {
            let i = import_markdown(&format!("---\ntitle: Test\n---\n{page}"), name).unwrap();
            assert_eq!(
                (i.matrix.service.as_str(), i.matrix.language.as_str()),
                (service, language),
                "{name}"
            );
            // The file's own name: a folder never reaches a document.
            let own = name.rsplit(['/', '\\']).next();
            assert_eq!(i.matrix.source.as_deref(), own);
        }
        let i = import_markdown(&page, "").unwrap();
        assert_eq!(i.matrix.source, None);
        assert_eq!(i.matrix.service, "matrix");
    }
}
