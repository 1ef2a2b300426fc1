//! The PDF reader alone (no signature check, no manifest), fast enough (thousands of
//! executions per second on small inputs) to explore the object syntax where `read_pdf`
//! spends its time verifying: opening, the trailer chain, revisions, the signature fields,
//! attachments, form fields and pages of any bytes, never a panic or a stack overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;

use annex::pdf::file::{last_trailer, revision_ends, PdfFile};

fuzz_target!(|data: &[u8]| {
    let _ = last_trailer(data);
    let _ = revision_ends(data);
    if let Ok(file) = PdfFile::open(data) {
        let _ = file.signatures();
        let _ = file.attachments();
        let _ = file.form_fields();
        let _ = file.pages();
        let _ = file.xmp();
        let _ = file.info_keywords();
    }
});
