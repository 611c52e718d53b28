//! The subcommands, each a few lines calling the crates, and what they
//! share: where files go, and the memory lines they print.

pub mod other;
pub mod run;
pub mod solve;

use std::path::{Path, PathBuf};

/// Where a command writes its files (the staging folder of the output
/// folder, see `solver::io::staging`) and where they will be once the
/// command has succeeded (the paths shown to the user).
#[derive(Clone, Debug)]
pub struct Out {
    pub dir: PathBuf,
    pub shown: PathBuf,
}

impl Out {
    pub fn new(dir: &Path, shown: &Path) -> Self {
        Out {
            dir: dir.to_path_buf(),
            shown: shown.to_path_buf(),
        }
    }

    /// The sub-folder `name` (a variant's), created.
    pub fn join(&self, name: &str) -> anyhow::Result<Out> {
        let sub = Out::new(&self.dir.join(name), &self.shown.join(name));
        std::fs::create_dir_all(&sub.dir)
            .map_err(|e| anyhow::anyhow!("creating {}: {e}", sub.shown.display()))?;
        Ok(sub)
    }

    /// Where to write file `name`.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The path file `name` will have, for messages.
    pub fn show(&self, name: &str) -> String {
        self.shown.join(name).display().to_string()
    }
}

/// Prints what the first solve is expected to take, against the budget.
pub fn print_memory_estimate(estimate: &solver::memory::MemoryEstimate) {
    let budget = solver::memory::budget();
    let of = if budget == u64::MAX {
        String::new()
    } else {
        format!(
            " of a {:.2} GiB budget",
            budget as f64 / solver::memory::GIB
        )
    };
    println!("  memory estimate: {}{of}", estimate.describe());
}

/// Prints the process's peak memory so far for a model of `dof` unknowns,
/// where the platform reports it.
pub fn print_peak_memory(dof: usize) {
    let memory = solver::memory::peak_memory_report(dof);
    if !memory.is_empty() {
        println!("  memory: {memory}");
    }
}
