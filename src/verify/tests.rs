//! Unit tests of `verify`: the pure checks, on hand-made inputs.

use super::*;

#[test]
fn pdf_dates_are_read_with_their_offset() {
    assert_eq!(
        parse_pdf_date("D:20261201120000+00'00'"),
        Some(1_796_126_400)
    );
    assert_eq!(
        parse_pdf_date("D:20261201140000+02'00'"),
        Some(1_796_126_400)
    );
    assert_eq!(parse_pdf_date("D:20261201120000Z"), Some(1_796_126_400));
}

#[test]
fn the_xmp_must_declare_the_standard_the_manifest_records() {
    let verdict = |xmp: &str, recorded: Option<&str>| {
        let mut report = Report::default();
        check_pdfa(xmp, recorded, &mut report);
        report.failures().is_empty()
    };
    let current = "<pdfaid:part>3</pdfaid:part><pdfaid:conformance>A</pdfaid:conformance><pdfuaid:part>1</pdfuaid:part>";
    let legacy = "<pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>";
    assert!(verdict(current, Some(seal::PDF_STANDARD)));
    assert!(verdict(current, None));
    assert!(verdict(legacy, Some(LEGACY_STANDARD)));
    assert!(!verdict(legacy, Some(seal::PDF_STANDARD)));
    assert!(!verdict(legacy, None));
    assert!(!verdict(current, Some(LEGACY_STANDARD)));
    assert!(!verdict(
        "<pdfaid:part>3</pdfaid:part><pdfaid:conformance>A</pdfaid:conformance>",
        None
    ));
}

#[test]
fn xmp_values_in_either_form() {
    assert_eq!(
        xmp_value("<pdfaid:part>3</pdfaid:part>", "pdfaid:part").as_deref(),
        Some("3")
    );
    assert_eq!(
        xmp_value("pdfaid:conformance=\"B\"", "pdfaid:conformance").as_deref(),
        Some("B")
    );
}
