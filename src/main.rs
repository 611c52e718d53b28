//! pkgstress command line: each subcommand is a few lines calling the crates.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use materials::library::Library;
use solver::analysis::StaticAnalysis;
use solver::io::{csv::write_nodes_csv, deck::read_deck, vtk};
use solver::linear::SolverChoice;
use solver::post::{part_extremes, PartPoints};
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
    #[command(subcommand)]
    command: Command,
}

#[derive(Copy, Clone, ValueEnum)]
enum SolverArg {
    /// Direct Cholesky when its factor fits in memory, else CG.
    Auto,
    /// Sparse Cholesky (faer, METIS ordering).
    Direct,
    /// Preconditioned conjugate gradient.
    Cg,
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
    match cli.command {
        Command::Solve {
            deck,
            out,
            csv,
            solver,
        } => solve(&deck, &out, csv, solver),
        Command::Materials { name, library } => list_materials(name.as_deref(), library.as_deref()),
    }
}

fn solve(deck_path: &Path, out: &Path, csv: bool, solver: SolverArg) -> Result<()> {
    let t_read = std::time::Instant::now();
    let deck = read_deck(deck_path)?;
    let read_seconds = t_read.elapsed().as_secs_f64();
    for w in &deck.warnings {
        eprintln!("warning: {w}");
    }
    let model = deck.model;
    let stem = deck_path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("model")
        .to_string();
    std::fs::create_dir_all(out)
        .with_context(|| format!("creating output folder {}", out.display()))?;
    let choice = match solver {
        SolverArg::Auto => SolverChoice::Auto,
        SolverArg::Direct => SolverChoice::Direct,
        SolverArg::Cg => SolverChoice::Iterative,
    };
    println!(
        "{}: {} nodes, {} elements, {} parts, {} steps",
        deck_path.display(),
        model.mesh.num_nodes(),
        model.mesh.num_cells(),
        model.mesh.part_names.len(),
        model.steps.len()
    );
    println!("read deck in {read_seconds:.3} s");
    let points = PartPoints::new(&model.mesh);
    let mut analysis = StaticAnalysis::new(&model, choice);
    let mut collection = Vec::new();
    for (k, step) in model.steps.iter().enumerate() {
        let result = analysis.solve_step(step)?;
        let max_u = result
            .displacement
            .iter()
            .map(|u| (u[0] * u[0] + u[1] * u[1] + u[2] * u[2]).sqrt())
            .fold(0.0, f64::max);
        println!(
            "step {} '{}' (t = {} s): {} DOF, assembly {:.3} s, solve {:.3} s [{}{}], max |u| = {:.6e} mm",
            k + 1,
            result.name,
            result.time,
            result.num_equations,
            result.assembly_seconds,
            result.solve_seconds,
            analysis.solver_name(),
            if result.stats.pivot_ratio > 0.0 {
                format!(", pivot ratio {:.1e}", result.stats.pivot_ratio)
            } else if result.stats.iterations > 1 { format!(", {} iterations", result.stats.iterations) } else { String::new() },
            max_u
        );
        println!(
            "  {:<24} {:>16} {:>12} {:>16} {:>16}",
            "part", "von Mises max", "at element", "max principal", "min principal"
        );
        for e in part_extremes(&model.mesh, &result.stress) {
            println!(
                "  {:<24} {:>12.4} MPa {:>12} {:>12.4} MPa {:>12.4} MPa",
                e.part, e.von_mises_max, e.von_mises_max_element, e.max_principal, e.min_principal
            );
        }
        if result.displacement.iter().flatten().any(|v| !v.is_finite()) {
            bail!("step {}: the solution is not finite", result.name);
        }
        let t_write = std::time::Instant::now();
        let file = format!("{stem}_step{}.vtu", k + 1);
        vtk::write_vtu(&out.join(&file), &model, &points, &result)
            .with_context(|| format!("writing {file}"))?;
        if csv {
            let name = format!("nodes_{}.csv", k + 1);
            write_nodes_csv(&out.join(&name), &model, &result)
                .with_context(|| format!("writing {name}"))?;
        }
        collection.push((result.time, file.clone()));
        let pvd = out.join(format!("{stem}.pvd"));
        vtk::write_pvd(&pvd, &collection).with_context(|| format!("writing {}", pvd.display()))?;
        println!("  wrote {file} in {:.3} s", t_write.elapsed().as_secs_f64());
    }
    println!("wrote {}", out.join(format!("{stem}.pvd")).display());
    Ok(())
}

fn list_materials(name: Option<&str>, user: Option<&Path>) -> Result<()> {
    let mut lib = Library::bundled();
    if let Some(path) = user {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        lib.extend(Library::from_toml(&text, &path.display().to_string())?);
    }
    let chosen: Vec<_> = match name {
        Some(n) => vec![lib.get(n).with_context(|| {
            let names: Vec<&str> = lib
                .materials
                .iter()
                .map(|m| m.material.name.as_str())
                .collect();
            format!(
                "no material '{n}' in the library (have: {})",
                names.join(", ")
            )
        })?],
        None => lib.materials.iter().collect(),
    };
    for m in chosen {
        let mat = &m.material;
        let d = mat.stiffness(25.0);
        let (a25, a200) = (mat.alpha(25.0), mat.alpha(200.0));
        let t_ref = mat
            .expansion
            .as_ref()
            .map(|e| e.reference_temperature)
            .unwrap_or(0.0);
        println!("{}: {}", mat.name, m.description);
        println!(
            "  at 25 C: C11 = {:.4} GPa, C12 = {:.4} GPa, C33 = {:.4} GPa, C44 = {:.4} GPa",
            d[0][0] / 1e3,
            d[0][1] / 1e3,
            d[2][2] / 1e3,
            d[3][3] / 1e3
        );
        println!(
            "  secant CTE about {t_ref} C (x, y, z): {:.2}/{:.2}/{:.2} ppm/K at 25 C, {:.2}/{:.2}/{:.2} ppm/K at 200 C",
            a25[0] * 1e6, a25[1] * 1e6, a25[2] * 1e6, a200[0] * 1e6, a200[1] * 1e6, a200[2] * 1e6
        );
        if let Some(t) = &m.thermal {
            println!(
                "  at 25 C: k = {:.4} W/(m K), rho = {:.0} kg/m^3, cp = {:.0} J/(kg K)",
                t.conductivity.at(25.0)[0],
                t.density.at(25.0)[0] * 1e12,
                t.specific_heat.at(25.0)[0] * 1e-6
            );
        }
        for (k, v) in &m.sources {
            println!("  source ({k}): {v}");
        }
        println!();
    }
    Ok(())
}
