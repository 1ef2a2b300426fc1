//! The template set: Tera templates (`*.typ.tera`, rendered into Typst markup), plain
//! Typst layout helpers (`*.typ`) that the generated source imports, and other files the
//! Typst templates may read (images, data).
//!
//! The built-in set is embedded in the binary; `--templates DIR` adds the files directly
//! in DIR and a file with the same name as a built-in replaces it (zola's rule).
//!
//! Invariants (the template sandbox):
//! - Only regular files whose real (canonical) path is inside the canonical DIR are part
//!   of the set: a symlink pointing outside DIR, a FIFO or device, a subfolder, a file over
//!   [`MAX_FILE_BYTES`] is refused. A refused template file (`*.tera`, `*.typ`) is an error
//!   at load; any other refused file is listed in [`TemplateSet::refused`] and reading it
//!   from a template is an error naming it.
//! - Template files are read at load; the other files are never held in memory until a
//!   template reads them (then once per run, shared). Their bytes enter the set's digest
//!   (the fingerprint) by streaming at load, and a later read must give the same bytes.
//! - The files of a set add up to at most [`MAX_SET_BYTES`].
//! - Reads go through the opened file, then check that the path still leads to that very
//!   file inside DIR, so swapping a file for a symlink during a run is refused too.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use anyhow::Context as _;
use sha2::{Digest, Sha256};

use crate::error::Invalid;

/// Largest file a template set may hold (16 MiB): a template, a layout helper, an image.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Largest total size of the files of a `--templates` folder (64 MiB).
pub const MAX_SET_BYTES: u64 = 64 * 1024 * 1024;

/// The built-in templates, by file name.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "annex.typ.tera",
        include_str!("../templates/annex.typ.tera"),
    ),
    ("lib.typ", include_str!("../templates/lib.typ")),
    (
        "onboarding.typ.tera",
        include_str!("../templates/onboarding.typ.tera"),
    ),
    (
        "audit.typ.tera",
        include_str!("../templates/audit.typ.tera"),
    ),
    ("docs.typ", include_str!("../templates/docs.typ")),
];

/// A complete template set, by file name.
#[derive(Debug, Clone)]
pub struct TemplateSet {
    files: BTreeMap<String, Entry>,
    refused: BTreeMap<String, String>,
    overridden: Vec<String>,
    digest: [u8; 32],
}

/// One file of the set.
#[derive(Debug, Clone)]
enum Entry {
    /// Held in memory: a built-in, or a template file of DIR.
    Loaded(Arc<Vec<u8>>),
    /// Another file of DIR, read when a template first asks for it.
    Lazy(Arc<LazyFile>),
}

#[derive(Debug)]
struct LazyFile {
    root: PathBuf,
    path: PathBuf,
    sha256: [u8; 32],
    bytes: OnceLock<Result<Arc<Vec<u8>>, String>>,
}

/// Why the Typst world cannot read a file of the set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// No such file in the set.
    NotFound,
    /// The file exists but is refused; the message says why.
    Refused(String),
}

impl TemplateSet {
    /// The built-in set.
    pub fn builtin() -> TemplateSet {
        let files = BUILTIN
            .iter()
            .map(|(n, t)| {
                (
                    (*n).to_owned(),
                    Entry::Loaded(Arc::new(t.as_bytes().to_vec())),
                )
            })
            .collect();
        let mut set = TemplateSet {
            files,
            refused: BTreeMap::new(),
            overridden: Vec::new(),
            digest: [0; 32],
        };
        set.digest = digest_of(&mut set.files).expect("built-ins are in memory");
        set
    }

    /// The built-in set with the files of `dir` added or substituted.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<TemplateSet> {
        let mut set = TemplateSet::builtin();
        let Some(dir) = dir else { return Ok(set) };
        let cannot = |e: std::io::Error| {
            Invalid::input(format!(
                "cannot read templates folder {}: {e}",
                dir.display()
            ))
        };
        let root = dir.canonicalize().map_err(cannot)?;
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(cannot)? {
            let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
            match entry.file_name().into_string() {
                Ok(name) if name.starts_with('.') => {}
                Ok(name) => names.push(name),
                Err(raw) => {
                    let shown = raw.to_string_lossy().into_owned();
                    set.refused.insert(
                        shown.clone(),
                        format!("template set: {shown} has a name that is not UTF-8; refused"),
                    );
                }
            }
        }
        names.sort();
        let mut total = 0u64;
        for name in names {
            let path = dir.join(&name);
            let template = is_template(&name);
            let len = match inspect(&root, &path, &dir.display().to_string()) {
                Ok(len) => len,
                Err(why) => {
                    let message = format!("template set: {name} {why}; refused");
                    if template {
                        return Err(Invalid::input(message));
                    }
                    set.refused.insert(name, message);
                    continue;
                }
            };
            total += len;
            if total > MAX_SET_BYTES {
                return Err(Invalid::input(format!(
                    "template set {}: its files add up to more than {} MiB, the limit for a set; \
                     move the files no template uses out of it",
                    dir.display(),
                    MAX_SET_BYTES >> 20
                )));
            }
            let entry = if template {
                let bytes = read_inside(&root, &path).map_err(|e| {
                    Invalid::input(format!("cannot read template {}: {e}", path.display()))
                })?;
                if name.ends_with(".tera") && std::str::from_utf8(&bytes).is_err() {
                    return Err(Invalid::input(format!(
                        "template {} is not UTF-8 text",
                        path.display()
                    )));
                }
                Entry::Loaded(Arc::new(bytes))
            } else {
                let file = Arc::new(LazyFile {
                    root: root.clone(),
                    path,
                    sha256: [0; 32],
                    bytes: OnceLock::new(),
                });
                Entry::Lazy(file)
            };
            if set.files.insert(name.clone(), entry).is_some() {
                set.overridden.push(name);
            }
        }
        set.overridden.sort();
        set.digest = digest_of(&mut set.files)?;
        Ok(set)
    }

    /// Names of the built-ins replaced by user files.
    pub fn overridden(&self) -> &[String] {
        &self.overridden
    }

    /// Files of the folder that are not part of the set, with the reason (one line each).
    pub fn refused(&self) -> impl Iterator<Item = &str> {
        self.refused.values().map(String::as_str)
    }

    /// Names of every file of the set, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// The SHA-256 of every file of the set, by name (a sealed annex's manifest lists them).
    pub fn file_sha256(&self) -> impl Iterator<Item = (&str, [u8; 32])> {
        self.files.iter().map(|(n, e)| {
            let sha = match e {
                Entry::Loaded(bytes) => Sha256::digest(bytes.as_slice()).into(),
                Entry::Lazy(file) => file.sha256,
            };
            (n.as_str(), sha)
        })
    }

    /// Number of files in the set.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the set has no file (never: the built-ins are always there).
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The Tera templates (`*.tera`), by name.
    pub fn tera_templates(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().filter_map(|(n, e)| match e {
            Entry::Loaded(b) if n.ends_with(".tera") => {
                std::str::from_utf8(b).ok().map(|t| (n.as_str(), t))
            }
            _ => None,
        })
    }

    /// A file the Typst world may read, by its path in the set ("lib.typ", "logo.png"):
    /// anything but the Tera templates. Other files are read on first use and checked
    /// against the bytes the digest covers.
    pub fn typst_file(&self, name: &str) -> Result<Arc<Vec<u8>>, Unreadable> {
        let first = name.split('/').next().unwrap_or(name);
        if let Some(why) = self.refused.get(first) {
            return Err(Unreadable::Refused(why.clone()));
        }
        match self.files.get(name) {
            None => Err(Unreadable::NotFound),
            Some(_) if name.ends_with(".tera") => Err(Unreadable::NotFound),
            Some(Entry::Loaded(bytes)) => Ok(bytes.clone()),
            Some(Entry::Lazy(file)) => file
                .bytes
                .get_or_init(|| {
                    let bytes = read_inside(&file.root, &file.path)
                        .map_err(|e| format!("template set: {name}: {e}"))?;
                    if <[u8; 32]>::from(Sha256::digest(&bytes)) != file.sha256 {
                        return Err(format!(
                            "template set: {name} changed since the set was loaded; refused"
                        ));
                    }
                    Ok(Arc::new(bytes))
                })
                .clone()
                .map_err(Unreadable::Refused),
        }
    }

    /// SHA-256 over every file name and content, in name order.
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }

    /// Writes the set into `dir` (for `annex templates export`), refusing to overwrite.
    pub fn export(&self, dir: &Path, force: bool) -> anyhow::Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut written = Vec::new();
        for name in self.files.keys() {
            let path = dir.join(name);
            if path.exists() && !force {
                return Err(Invalid::input(format!(
                    "{} already exists; use --force to overwrite",
                    path.display()
                )));
            }
            let bytes = self.typst_file(name).or_else(|_| match &self.files[name] {
                Entry::Loaded(b) => Ok(b.clone()),
                Entry::Lazy(_) => Err(anyhow::anyhow!("cannot read {name}")),
            })?;
            std::fs::write(&path, &*bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            written.push(path);
        }
        Ok(written)
    }
}

/// Whether a file is a template (read at load; refusing it is an error at load).
fn is_template(name: &str) -> bool {
    name.ends_with(".tera") || name.ends_with(".typ")
}

/// SHA-256 over every file name and content, in name order (the format of the
/// fingerprint). Files not in memory are streamed through the hash, and their own hash is
/// kept to check the bytes a template later reads.
fn digest_of(files: &mut BTreeMap<String, Entry>) -> anyhow::Result<[u8; 32]> {
    let mut hasher = Sha256::new();
    for (name, entry) in files.iter_mut() {
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        match entry {
            Entry::Loaded(bytes) => {
                hasher.update((bytes.len() as u64).to_le_bytes());
                hasher.update(bytes.as_slice());
            }
            Entry::Lazy(file) => {
                let file = Arc::get_mut(file).expect("a set being loaded is not shared");
                file.sha256 = stream_inside(&file.root, &file.path, &mut hasher)
                    .map_err(|e| Invalid::input(format!("template set: {name}: {e}")))?;
            }
        }
    }
    Ok(hasher.finalize().into())
}

/// What is wrong with `path`, an entry of the folder `root` (canonical; `shown` as the
/// user wrote it), as "is a symlink to a file outside DIR"; else its size.
fn inspect(root: &Path, path: &Path, shown: &str) -> Result<u64, String> {
    let unreadable = |e: std::io::Error| format!("cannot be read in {shown} ({e})");
    let link = std::fs::symlink_metadata(path).map_err(unreadable)?;
    let Ok(real) = path.canonicalize() else {
        return Err(format!("is a broken symlink in {shown}"));
    };
    let meta = std::fs::metadata(&real).map_err(unreadable)?;
    let what = if meta.is_dir() { "folder" } else { "file" };
    if !real.starts_with(root) {
        return Err(format!("is a symlink to a {what} outside {shown}"));
    }
    if meta.is_dir() {
        let how = if link.file_type().is_symlink() {
            "a symlink to a folder"
        } else {
            "a folder"
        };
        return Err(format!(
            "is {how} (only the files directly in {shown} are templates)"
        ));
    }
    if !meta.is_file() {
        return Err(format!("is not a regular file (in {shown})"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "is {} MiB, over the {} MiB limit for a file of a template set (in {shown})",
            meta.len().div_ceil(1 << 20),
            MAX_FILE_BYTES >> 20
        ));
    }
    Ok(meta.len())
}

/// Opens `path` and checks, through the opened file, that it is a regular file under the
/// size limit and that `path` still leads to it inside `root` (so a file swapped for a
/// symlink after [`inspect`] is refused). Returns the file and its length.
fn open_inside(root: &Path, path: &Path) -> std::io::Result<(std::fs::File, u64)> {
    let refused =
        |why: &str| std::io::Error::new(std::io::ErrorKind::PermissionDenied, why.to_owned());
    let file = std::fs::File::open(path)?;
    let opened = file.metadata()?;
    if !opened.is_file() {
        return Err(refused("not a regular file; refused"));
    }
    if opened.len() > MAX_FILE_BYTES {
        return Err(refused("over the size limit for a template file; refused"));
    }
    let real = path.canonicalize()?;
    if !real.starts_with(root) {
        return Err(refused(
            "a symlink to a file outside the templates folder; refused",
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let now = std::fs::metadata(&real)?;
        if (now.dev(), now.ino()) != (opened.dev(), opened.ino()) {
            return Err(refused("changed while being read; refused"));
        }
    }
    Ok((file, opened.len()))
}

/// Reads a file of the folder whole (see [`open_inside`]).
fn read_inside(root: &Path, path: &Path) -> std::io::Result<Vec<u8>> {
    let (file, len) = open_inside(root, path)?;
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(std::io::Error::other(
            "over the size limit for a template file; refused",
        ));
    }
    Ok(bytes)
}

/// Feeds a file of the folder into `set` (its length, then its bytes, as for a file in
/// memory) without holding it, and returns the file's own SHA-256.
fn stream_inside(root: &Path, path: &Path, set: &mut Sha256) -> std::io::Result<[u8; 32]> {
    let (mut file, len) = open_inside(root, path)?;
    set.update(len.to_le_bytes());
    let mut own = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut seen = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        seen += n as u64;
        if seen > len {
            break;
        }
        set.update(&buffer[..n]);
        own.update(&buffer[..n]);
    }
    if seen != len {
        return Err(std::io::Error::other("changed while being read; refused"));
    }
    Ok(own.finalize().into())
}
