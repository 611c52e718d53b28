//! An output folder that shows a run's files only once the run has
//! succeeded: every file is written into a staging folder inside it,
//! `<out>/.pkgstress-partial-<pid>`, and [`OutputFolder::commit`] moves them
//! into `<out>` (sub-folders merged). A run that fails drops the folder
//! uncommitted, which removes the staging folder (and `<out>` itself when
//! the run created it and it is empty): a refused or failed run leaves
//! nothing behind. [`remove_staged`] does the same for an interrupt.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const PREFIX: &str = ".pkgstress-partial-";

/// Staging folders of this process not yet committed or removed.
static STAGED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn staged() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    STAGED.lock().unwrap_or_else(|e| e.into_inner())
}

/// An output folder being filled.
pub struct OutputFolder {
    out: PathBuf,
    staging: PathBuf,
    /// `out` did not exist before this run.
    created: bool,
    committed: bool,
}

impl OutputFolder {
    /// Creates `out` (and its parents) and the staging folder in it: a
    /// folder that cannot be written is refused here, before any work.
    /// Staging folders left by processes that no longer run (killed) are
    /// removed.
    pub fn create(out: &Path) -> io::Result<Self> {
        let created = !out.exists();
        std::fs::create_dir_all(out)?;
        remove_abandoned(out);
        let staging = out.join(format!("{PREFIX}{}", std::process::id()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging)?;
        }
        std::fs::create_dir(&staging)?;
        staged().push(staging.clone());
        Ok(OutputFolder {
            out: out.to_path_buf(),
            staging,
            created,
            committed: false,
        })
    }

    /// Where the run writes its files.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// The folder the files end up in.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Moves every staged file into the output folder, replacing files of
    /// the same name, and removes the staging folder.
    pub fn commit(mut self) -> io::Result<()> {
        merge(&self.staging, &self.out)?;
        std::fs::remove_dir_all(&self.staging)?;
        self.committed = true;
        forget(&self.staging);
        Ok(())
    }
}

impl Drop for OutputFolder {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        let _ = std::fs::remove_dir_all(&self.staging);
        forget(&self.staging);
        if self.created {
            // only if empty: never remove what was there before
            let _ = std::fs::remove_dir(&self.out);
        }
    }
}

fn forget(staging: &Path) {
    staged().retain(|p| p != staging);
}

/// Moves the entries of `from` into `to`, merging folders.
fn merge(from: &Path, to: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            std::fs::create_dir_all(&target)?;
            merge(&entry.path(), &target)?;
        } else {
            std::fs::rename(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Removes the staging folders of `out` whose process is gone.
fn remove_abandoned(out: &Path) {
    let Ok(entries) = std::fs::read_dir(out) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(PREFIX)) else {
            continue;
        };
        let alive = pid
            .parse::<u32>()
            .is_ok_and(|p| Path::new(&format!("/proc/{p}")).exists());
        if cfg!(target_os = "linux") && !alive {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Removes every staging folder of this process (an interrupted run):
/// for a signal handler, which then exits.
pub fn remove_staged() {
    for p in staged().drain(..) {
        let _ = std::fs::remove_dir_all(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("pkgstress-staging-{}-{name}", std::process::id()))
    }

    /// A committed folder holds exactly the staged files (a sub-folder
    /// merged into an existing one, an old file replaced) and no staging
    /// folder; a dropped one leaves the folder as it was.
    #[test]
    fn commit_moves_everything_and_drop_leaves_nothing() {
        let out = scratch("commit");
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(out.join("v")).unwrap();
        std::fs::write(out.join("old.txt"), "old").unwrap();
        std::fs::write(out.join("v/keep.txt"), "keep").unwrap();
        let f = OutputFolder::create(&out).unwrap();
        std::fs::write(f.path().join("old.txt"), "new").unwrap();
        std::fs::create_dir_all(f.path().join("v")).unwrap();
        std::fs::write(f.path().join("v/a.txt"), "a").unwrap();
        f.commit().unwrap();
        let mut names: Vec<String> = walk(&out);
        names.sort();
        assert_eq!(names, ["old.txt", "v/a.txt", "v/keep.txt"]);
        assert_eq!(std::fs::read_to_string(out.join("old.txt")).unwrap(), "new");
        {
            let f = OutputFolder::create(&out).unwrap();
            std::fs::write(f.path().join("half.vtu"), "x").unwrap();
        }
        let mut after = walk(&out);
        after.sort();
        assert_eq!(after, names);
        std::fs::remove_dir_all(&out).unwrap();
        // a folder the run created is removed with its staging folder
        {
            let f = OutputFolder::create(&out).unwrap();
            std::fs::write(f.path().join("x"), "x").unwrap();
        }
        assert!(!out.exists());
    }

    fn walk(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if e.file_type().unwrap().is_dir() {
                out.extend(walk(&e.path()).into_iter().map(|n| format!("{name}/{n}")));
            } else {
                out.push(name);
            }
        }
        out
    }
}
