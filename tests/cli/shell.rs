//! What a command-line tool of this ecosystem ships (#28): shell completions and man pages
//! generated from the clap definitions, and a version that names the embedded engine.

use std::process::Command;

use super::{annex, show};

#[test]
fn the_version_names_the_embedded_typst() {
    let dir = tempfile::tempdir().unwrap();
    let out = annex(dir.path(), &["--version"]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!(
            "annex {} (typst {}, matrix schema 1)",
            env!("CARGO_PKG_VERSION"),
            annex::TYPST_VERSION
        )
    );
}

#[test]
fn completions_are_valid_scripts_for_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = annex(dir.path(), &["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", show(&out));
        let script = String::from_utf8_lossy(&out.stdout);
        // Every shell's script knows the commands and their flags (fish writes `-l sign-key`).
        assert!(
            script.contains("render") && script.contains("sign-key"),
            "{shell}"
        );
    }
    let out = annex(dir.path(), &["completions", "bash"]);
    std::fs::write(dir.path().join("annex.bash"), &out.stdout).unwrap();
    let checked = Command::new("bash")
        .args(["-n", "annex.bash"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(checked.status.success(), "{}", show(&checked));
    let refused = annex(dir.path(), &["completions", "tcsh"]);
    assert_eq!(
        refused.status.code(),
        Some(2),
        "clap's usage error: {}",
        show(&refused)
    );
}

#[test]
fn man_pages_are_written_for_every_command_and_render() {
    let dir = tempfile::tempdir().unwrap();
    let out = annex(dir.path(), &["manpages", "man1"]);
    assert!(out.status.success(), "{}", show(&out));
    let pages: Vec<String> = std::fs::read_dir(dir.path().join("man1"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for page in [
        "annex.1",
        "annex-render.1",
        "annex-serve.1",
        "annex-verify.1",
        "annex-templates-list.1",
        "annex-manpages.1",
    ] {
        assert!(pages.iter().any(|p| p == page), "{page} not in {pages:?}");
    }
    assert!(!pages.iter().any(|p| p.contains("help")), "{pages:?}");
    let render = std::fs::read_to_string(dir.path().join("man1/annex-render.1")).unwrap();
    assert!(
        render.starts_with(".ie \\n(.g .ds Aq") || render.contains(".TH annex-render 1"),
        "{render}"
    );
    assert!(render.contains("sign\\-key"), "{render}");
    // `man -l` renders each page (man-db; .ci/run installs it).
    if Command::new("man").arg("--version").output().is_ok() {
        for page in ["annex.1", "annex-render.1"] {
            let shown = Command::new("man")
                .args(["-l", &format!("man1/{page}")])
                .env("MANPAGER", "cat")
                .env("MANWIDTH", "80")
                .current_dir(dir.path())
                .output()
                .unwrap();
            assert!(shown.status.success(), "{page}: {}", show(&shown));
            let text = String::from_utf8_lossy(&shown.stdout);
            assert!(
                text.contains("NAME") && text.contains("SYNOPSIS"),
                "{page}: {text}"
            );
        }
    }
}
