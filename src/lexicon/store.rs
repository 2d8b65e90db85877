//! The lexicons a server keeps: one PLS file each under its directory
//! (`<data-dir>/lexicons/NAME.pls`), and in memory a map that is swapped whole.
//!
//! A change is applied in this order: the lexicon is read and checked whole (before the
//! store is touched); its file is written to a temporary file beside the others, flushed to
//! the disk (fsync), renamed over the old one and the directory flushed; only then does the
//! new map replace the old. A process killed at any point leaves the old file or the new
//! one, never a mix, and requests see either the old lexicon or the new one. Changes are
//! made one at a time.
//!
//! At start every `NAME.pls` is read and checked as an upload is; one that fails stops the
//! server with a message naming the file, line and element (fix or delete it): serving on
//! without it would change, in silence, how a request that names it is spoken. Temporary
//! files a killed write left are removed; files of other names are left alone.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use super::{Lexicon, Lexicons, MAX_LEXICONS, MAX_PER_REQUEST};
use crate::error::{MAX_QUOTED, clip};
use crate::text::Vocab;
use crate::{Error, Result};

/// The longest lexicon name.
pub const MAX_NAME_CHARS: usize = 64;

/// The file of a lexicon: `NAME.pls`.
const EXTENSION: &str = "pls";
/// Temporary files end so (and start with a dot).
const TEMPORARY: &str = ".tmp";

/// One lexicon in a listing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Summary {
    pub name: String,
    /// Its `xml:lang`.
    pub language: String,
    /// How many entries (distinct graphemes).
    pub entries: usize,
}

type Map = BTreeMap<String, Arc<Lexicon>>;

/// The lexicons a server keeps.
pub struct Store {
    /// Where the files are; `None`: in memory only (the command line, tests).
    dir: Option<PathBuf>,
    /// The model's symbols, which every phoneme must be of.
    vocab: Arc<Vocab>,
    map: RwLock<Arc<Map>>,
    /// Held while a change is written and applied.
    writing: Mutex<()>,
    /// The lexicons a request that names none uses, in order (`--lexicons`; Wyoming's, which
    /// has no request fields). Each is kept: it cannot be deleted.
    defaults: Vec<String>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .field("lexicons", &self.snapshot().len())
            .finish()
    }
}

/// Whether `name` can name a lexicon: 1 to 64 of `a-z 0-9 _ -`, starting with a letter or
/// digit (lower case only, so names are the same files on every file system).
pub fn check_name(name: &str) -> Result<()> {
    let ok = (1..=MAX_NAME_CHARS).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric());
    if ok {
        return Ok(());
    }
    Err(Error::invalid(
        "name",
        format!(
            "'{}' is not a lexicon name: 1 to {MAX_NAME_CHARS} lower-case letters, digits, \
             '-' and '_', starting with a letter or digit",
            clip(name, MAX_QUOTED)
        ),
    ))
}

impl Store {
    /// A store kept in memory only: what is put is gone when the process ends.
    pub fn in_memory(vocab: Arc<Vocab>) -> Store {
        Store {
            dir: None,
            vocab,
            map: RwLock::new(Arc::new(Map::new())),
            writing: Mutex::new(()),
            defaults: Vec::new(),
        }
    }

    /// The store with `names` as its default list: each must be kept here, at most
    /// [`MAX_PER_REQUEST`], each once; otherwise an [`Error::Config`] saying which.
    pub fn with_defaults(mut self, names: Vec<String>) -> Result<Store> {
        self.resolve(&names).map_err(|e| {
            Error::Config(format!(
                "--lexicons: {e} (the lexicons kept are those in {})",
                self.dir
                    .as_deref()
                    .map_or_else(|| "memory".into(), |d| d.display().to_string())
            ))
        })?;
        self.defaults = names;
        Ok(self)
    }

    /// The default list (`--lexicons`).
    pub fn defaults(&self) -> &[String] {
        &self.defaults
    }

    /// The lexicons of a request that names `names` (`None`: the default list; an empty
    /// list: none), as [`Store::resolve`] finds them.
    pub fn for_request(&self, names: Option<&[String]>) -> Result<Lexicons> {
        self.resolve(names.unwrap_or(&self.defaults))
    }

    /// The store in `dir`, every lexicon in it read and checked against `vocab`. A
    /// directory that does not exist yet is an empty store (made at the first put); a file
    /// that fails is an [`Error::Config`] naming it.
    pub fn open(dir: &Path, vocab: Arc<Vocab>) -> Result<Store> {
        let store = Store {
            dir: Some(dir.to_owned()),
            ..Store::in_memory(vocab)
        };
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(store),
            Err(e) => {
                return Err(Error::Config(format!(
                    "cannot read the lexicon directory {}: {e}",
                    dir.display()
                )));
            }
        };
        let mut map = Map::new();
        for entry in entries {
            let entry = entry.map_err(|e| {
                Error::Config(format!(
                    "cannot read the lexicon directory {}: {e}",
                    dir.display()
                ))
            })?;
            let path = entry.path();
            let file_name = entry.file_name();
            let file_name = file_name.to_string_lossy();
            if file_name.starts_with('.') && file_name.ends_with(TEMPORARY) {
                // A write that never finished: the old file (if any) is the lexicon.
                match fs::remove_file(&path) {
                    Ok(()) => tracing::warn!(
                        file = %path.display(),
                        "removed an unfinished lexicon write"
                    ),
                    Err(e) => tracing::warn!(
                        file = %path.display(),
                        error = %e,
                        "cannot remove an unfinished lexicon write"
                    ),
                }
                continue;
            }
            let Some(name) = file_name.strip_suffix(&format!(".{EXTENSION}")) else {
                tracing::debug!(file = %path.display(), "not a lexicon file; left alone");
                continue;
            };
            let fail = |why: String| {
                Error::Config(format!(
                    "lexicon file {}: {why}; fix the file or delete it",
                    path.display()
                ))
            };
            check_name(name).map_err(|e| fail(e.to_string()))?;
            let document = fs::read(&path).map_err(|e| fail(format!("cannot read it: {e}")))?;
            let document =
                String::from_utf8(document).map_err(|_| fail("it is not UTF-8".into()))?;
            let lexicon =
                Lexicon::from_pls(document, &store.vocab).map_err(|e| fail(e.to_string()))?;
            map.insert(name.to_owned(), Arc::new(lexicon));
        }
        if map.len() > MAX_LEXICONS {
            return Err(Error::Config(format!(
                "{} holds {} lexicons; a server keeps at most {MAX_LEXICONS}",
                dir.display(),
                map.len()
            )));
        }
        tracing::info!(
            dir = %dir.display(),
            lexicons = map.len(),
            "lexicons loaded"
        );
        *store.map.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(map);
        Ok(store)
    }

    /// The model's symbols, which every phoneme of a lexicon put here must be of.
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// Where the files are kept (`None`: in memory only).
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Every lexicon as it is now.
    fn snapshot(&self) -> Arc<Map> {
        Arc::clone(&self.map.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// The lexicon named `name`.
    pub fn get(&self, name: &str) -> Result<Arc<Lexicon>> {
        check_name(name)?;
        self.snapshot()
            .get(name)
            .cloned()
            .ok_or_else(|| Error::UnknownLexicon(name.to_owned()))
    }

    /// Every lexicon, by name.
    pub fn list(&self) -> Vec<Summary> {
        self.snapshot()
            .iter()
            .map(|(name, lexicon)| Summary {
                name: name.clone(),
                language: lexicon.language().to_owned(),
                entries: lexicon.len(),
            })
            .collect()
    }

    /// The lexicons `names` name, in order, as one request uses them: at most
    /// [`MAX_PER_REQUEST`], each once, each stored.
    pub fn resolve<S: AsRef<str>>(&self, names: &[S]) -> Result<Lexicons> {
        if names.len() > MAX_PER_REQUEST {
            return Err(Error::invalid(
                "lexicons",
                format!("at most {MAX_PER_REQUEST} lexicons per request"),
            ));
        }
        let map = self.snapshot();
        let mut found = Vec::with_capacity(names.len());
        for (i, name) in names.iter().map(AsRef::as_ref).enumerate() {
            check_name(name).map_err(|e| Error::invalid("lexicons", e.to_string()))?;
            if names[..i].iter().any(|n| n.as_ref() == name) {
                return Err(Error::invalid(
                    "lexicons",
                    format!("lexicon '{name}' is named twice"),
                ));
            }
            let lexicon = map
                .get(name)
                .ok_or_else(|| Error::UnknownLexicon(name.to_owned()))?;
            found.push(Arc::clone(lexicon));
        }
        Ok(Lexicons::new(found))
    }

    /// Keeps `lexicon` as `name`, in place of any lexicon of that name: written durably
    /// first, then applied. Returns whether the name is new. Blocking (file writes).
    pub fn put(&self, name: &str, lexicon: Lexicon) -> Result<bool> {
        check_name(name)?;
        let _writing = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        let current = self.snapshot();
        let created = !current.contains_key(name);
        if created && current.len() >= MAX_LEXICONS {
            return Err(Error::invalid(
                "name",
                format!("the server keeps at most {MAX_LEXICONS} lexicons; delete one first"),
            ));
        }
        if let Some(dir) = &self.dir {
            write_durably(dir, name, lexicon.document())?;
        }
        let mut next = Map::clone(&current);
        next.insert(name.to_owned(), Arc::new(lexicon));
        self.swap(next);
        Ok(created)
    }

    /// Removes the lexicon `name`: its file first, then from the map. One in the default
    /// list is [`Error::LexiconInUse`]. Blocking.
    pub fn delete(&self, name: &str) -> Result<()> {
        check_name(name)?;
        if self.defaults.iter().any(|d| d == name) {
            return Err(Error::LexiconInUse(name.to_owned()));
        }
        let _writing = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        let current = self.snapshot();
        if !current.contains_key(name) {
            return Err(Error::UnknownLexicon(name.to_owned()));
        }
        if let Some(dir) = &self.dir {
            let path = file(dir, name);
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error("delete", &path, &e)),
            }
            sync_dir(dir)?;
        }
        let mut next = Map::clone(&current);
        next.remove(name);
        self.swap(next);
        Ok(())
    }

    fn swap(&self, next: Map) {
        *self.map.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
    }
}

/// The file of lexicon `name` in `dir`.
fn file(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.{EXTENSION}"))
}

/// Writes `contents` as lexicon `name`'s file so that a crash leaves the old file or the
/// new one: a temporary file beside it, synced, renamed over it, the directory synced.
fn write_durably(dir: &Path, name: &str, contents: &str) -> Result<()> {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    if !dir.is_dir() {
        fs::create_dir_all(dir).map_err(|e| io_error("create", dir, &e))?;
        if let Some(parent) = dir.parent() {
            sync_dir(parent)?;
        }
    }
    // Unique per process and write, so two servers sharing the directory never write one
    // temporary file.
    let temporary = dir.join(format!(
        ".{name}.{}.{}{TEMPORARY}",
        std::process::id(),
        WRITES.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        out.write_all(contents.as_bytes())?;
        out.sync_all()
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&temporary);
        return Err(io_error("write", &temporary, &e));
    }
    let target = file(dir, name);
    if let Err(e) = fs::rename(&temporary, &target) {
        let _ = fs::remove_file(&temporary);
        return Err(io_error("replace", &target, &e));
    }
    sync_dir(dir)
}

/// Flushes a directory's entries (a rename, a removal) to the disk.
fn sync_dir(dir: &Path) -> Result<()> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error("sync", dir, &e))
}

/// Our failure to keep a lexicon: the client is told only that, the log has the path.
fn io_error(what: &str, path: &Path, e: &std::io::Error) -> Error {
    Error::Internal(format!(
        "cannot {what} the lexicon file {}: {e}",
        path.display()
    ))
}
