//! The PDF reader used by `verify` and `sign` on any bytes: opening, listing signatures
//! and attachments, and a whole verification (no trust anchors, no rebuild) report or
//! fail, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = annex::pdf::file::PdfFile::open(data) {
        let _ = file.signatures();
        let _ = file.attachments();
        let _ = file.form_fields();
        let _ = file.pages();
    }
    let _ = annex::pdf::file::last_trailer(data);
    let _ = annex::sign::is_signed(data);
    let report = annex::verify::verify(data, &annex::verify::Options::default());
    let _ = report.render();
});
