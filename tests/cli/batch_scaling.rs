//! `annex batch` workers (#12): whatever the number of worker threads, and however Typst's
//! memo cache is shared and evicted between them, a batch writes exactly the bytes that
//! separate `render` processes write for the same profiles.

use super::batch::generate_profiles;
use super::*;

/// Every PDF of `dir`, by file name.
fn pdf_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_batch_of_twenty_gives_the_bytes_of_twenty_renders_at_one_and_eight_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles");
    let names = generate_profiles(&profiles, 20);
    for name in &names {
        let profile = profiles.join(name);
        let out = annex(
            dir.path(),
            &[
                "render",
                "--profile",
                profile.to_str().unwrap(),
                "--out",
                "single",
            ],
        );
        assert!(out.status.success(), "{}", show(&out));
    }
    let single = pdf_bytes(&dir.path().join("single"));
    assert_eq!(single.len(), 20, "one annex per profile");
    for jobs in ["1", "8"] {
        let folder = format!("batch-{jobs}");
        let out = annex(
            dir.path(),
            &[
                "batch", "profiles", "--out", &folder, "--jobs", jobs, "--quiet",
            ],
        );
        assert!(out.status.success(), "{}", show(&out));
        let batch = pdf_bytes(&dir.path().join(&folder));
        let names = |files: &[(String, Vec<u8>)]| -> Vec<String> {
            files.iter().map(|(n, _)| n.clone()).collect()
        };
        assert_eq!(names(&batch), names(&single), "--jobs {jobs}: other files");
        for ((name, b), (_, s)) in batch.iter().zip(&single) {
            assert!(b == s, "--jobs {jobs}: {name} differs from render's");
        }
    }
}
