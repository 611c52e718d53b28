//! pkgstress command line: each subcommand is a few lines calling the crates.

mod commands;

use anyhow::{bail, Context, Result};
use cases::Case;
use clap::{Parser, Subcommand, ValueEnum};
use commands::other::{export_inp, list_materials, mesh_case};
use commands::run::{run_case, run_variants};
use commands::solve::solve;
use commands::Out;
use solver::io::staging::OutputFolder;
use solver::linear::SolverChoice;
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "pkgstress",
    version,
    about = "Thermo-mechanical stress and warpage of image-sensor packages"
)]
struct Cli {
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, global = true)]
    threads: Option<usize>,
    /// Memory the run may use, e.g. "8 GiB", "8000 MB" (default: what the
    /// machine has available). A model whose mesh or solve is estimated
    /// above it is refused before the memory is spent.
    #[arg(long, global = true, value_name = "SIZE")]
    max_memory: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Copy, Clone, ValueEnum)]
enum SolverArg {
    /// Direct Cholesky when its factor fits in memory, else AMG-CG.
    Auto,
    /// Sparse Cholesky (faer, METIS ordering).
    Direct,
    /// Conjugate gradients preconditioned by smoothed-aggregation multigrid.
    #[value(alias = "cg")]
    Amg,
}

/// A case file and how to read it (shared by run, mesh and export-inp).
#[derive(clap::Args)]
pub struct CaseArgs {
    /// The case file (.toml).
    case: PathBuf,
    /// Coarse mesh for a quick look (C3D8I, one element per layer and bump, twice the size).
    #[arg(long)]
    quick: bool,
    /// Override a case value: KEY=VALUE, e.g. temperatures.stress_free="150 C",
    /// mesh.element=c3d8i, part.glass.material=soda_lime_glass (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// For a case file with [[variant]] entries: only this variant
    /// (`run` runs them all and compares them; `mesh`/`export-inp` need one).
    #[arg(long)]
    variant: Option<String>,
    /// For a case with a recipe: ignore it and take the single cool-down
    /// from the stress-free to room temperature (`run`, `export-inp`).
    #[arg(long)]
    single_step: bool,
    /// Every material's elastic part only: no plasticity (the linear
    /// thermo-elastic answers of the same recipe, for comparison).
    #[arg(long)]
    elastic: bool,
}

impl CaseArgs {
    /// Reads the case with its overrides, coarsened with `--quick`.
    fn load(&self) -> Result<Case> {
        self.load_variant(self.variant.as_deref())
    }

    pub fn load_variant(&self, variant: Option<&str>) -> Result<Case> {
        let mut case = Case::from_file_variant(&self.case, &self.set, variant)?;
        if self.quick {
            case = case.quick();
        }
        if self.single_step {
            case.process = None;
        }
        if self.elastic {
            case = case.elastic();
        }
        Ok(case)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Solve an Abaqus/CalculiX keyword deck (linear thermo-elastic static steps).
    Solve {
        /// The deck (.inp).
        deck: PathBuf,
        /// Output folder for the .pvd/.vtu files.
        #[arg(long, short)]
        out: PathBuf,
        /// Also write nodes_<step>.csv (node_id, x, y, z, ux, uy, uz, T).
        #[arg(long)]
        csv: bool,
        /// Linear solver.
        #[arg(long, value_enum, default_value = "auto")]
        solver: SolverArg,
    },
    /// Run a case file: stress-free at the bonding temperature and cooled to
    /// room temperature, or through its bonding recipe (`[process]`) if it has
    /// one; prints and writes summary.json / summary.csv (and history.csv for
    /// a recipe) and the fields.
    Run {
        #[command(flatten)]
        case: CaseArgs,
        /// Output folder.
        #[arg(long, short)]
        out: PathBuf,
        /// Linear solver.
        #[arg(long, value_enum, default_value = "auto")]
        solver: SolverArg,
    },
    /// Mesh a case file only: writes the mesh for ParaView and a quality report.
    Mesh {
        #[command(flatten)]
        case: CaseArgs,
        /// Output folder.
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Write a case's model as an Abaqus/CalculiX deck (mesh, materials,
    /// supports, temperatures), to cross-check it in another code.
    ExportInp {
        #[command(flatten)]
        case: CaseArgs,
        /// The deck to write.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// List the material library with the source of every number.
    Materials {
        /// Only this material.
        name: Option<String>,
        /// A library file of your own that adds or overrides entries.
        #[arg(long)]
        library: Option<PathBuf>,
    },
}

fn main() {
    // Die quietly when the reader of our output goes away (`| head`), as
    // Unix tools do, instead of panicking on a failed print.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // an interrupt (Ctrl-C) removes the unfinished output, then exits
    let _ = ctrlc::set_handler(|| {
        solver::io::staging::remove_staged();
        eprintln!("interrupted: the unfinished output was removed");
        std::process::exit(130);
    });
    let cli = Cli::parse();
    if let Err(e) = run(cli) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    if let Some(n) = cli.threads {
        if n == 0 {
            bail!("--threads must be at least 1");
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("setting up the thread pool")?;
    }
    if let Some(m) = &cli.max_memory {
        solver::memory::set_budget(parse_bytes(m).with_context(|| format!("--max-memory {m:?}"))?);
    }
    match cli.command {
        Command::Solve {
            deck,
            out,
            csv,
            solver,
        } => with_output(&out, |o| solve(&deck, o, csv, solver.into())),
        Command::Run { case, out, solver } => {
            let variants = Case::variant_names(&case.case, &case.set)?;
            if variants.is_empty() || case.variant.is_some() {
                let c = case.load()?;
                with_output(&out, |o| {
                    run_case(&c, &case.case, o, solver.into()).map(|_| ())
                })
            } else {
                with_output(&out, |o| run_variants(&case, &variants, o, solver.into()))
            }
        }
        Command::Mesh { case, out } => {
            let c = case.load()?;
            with_output(&out, |o| mesh_case(&c, &case.case, o))
        }
        Command::ExportInp { case, output } => export_inp(&case.load()?, &case.case, &output),
        Command::Materials { name, library } => list_materials(name.as_deref(), library.as_deref()),
    }
}

/// Runs `command` on the output folder `out`: created (with its parents)
/// and checked writable first, filled through a staging folder, and
/// committed only when the command succeeds, so that a failed run leaves
/// nothing in it.
fn with_output(out: &Path, command: impl FnOnce(&Out) -> Result<()>) -> Result<()> {
    let folder = OutputFolder::create(out)
        .with_context(|| format!("cannot write to the output folder {}", out.display()))?;
    command(&Out::new(folder.path(), out))?;
    folder
        .commit()
        .with_context(|| format!("moving the results into {}", out.display()))
}

/// A memory size with an optional unit: B, kB, MB, GB, TB (powers of 1000),
/// KiB, MiB, GiB, TiB (powers of 1024), or K, M, G, T (taken as the binary
/// ones); a bare number is bytes.
fn parse_bytes(text: &str) -> Result<u64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'e' || c == 'E' || c == '+'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && *v > 0.0)
        .with_context(|| format!("expected a positive size such as \"8 GiB\", found {text:?}"))?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => bail!("unknown unit {other:?}: expected B, kB, MB, GB, TB, KiB, MiB, GiB or TiB"),
    };
    let bytes = value * factor;
    if !(bytes >= 1.0 && bytes < 1.8e19) {
        bail!("{text:?} is out of range");
    }
    Ok(bytes as u64)
}

impl From<SolverArg> for SolverChoice {
    fn from(s: SolverArg) -> Self {
        match s {
            SolverArg::Auto => SolverChoice::Auto,
            SolverArg::Direct => SolverChoice::Direct,
            SolverArg::Amg => SolverChoice::Iterative,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_bytes;

    /// Sizes with and without units; nonsense refused.
    #[test]
    fn memory_sizes_parse_with_their_units() {
        assert_eq!(parse_bytes("8 GiB").unwrap(), 8 << 30);
        assert_eq!(parse_bytes("8G").unwrap(), 8 << 30);
        assert_eq!(parse_bytes("500 MB").unwrap(), 500_000_000);
        assert_eq!(parse_bytes("1.5e9").unwrap(), 1_500_000_000);
        for bad in ["", "abc", "-1 GB", "8 parsecs", "nan GB", "1e30 TB", "0"] {
            assert!(parse_bytes(bad).is_err(), "{bad}");
        }
    }
}
