//! pkgstress command line: each subcommand is a few lines calling the crates.

use anyhow::{bail, Context, Result};
use cases::output::{write_summary, write_text, RecipeFiles};
use cases::recipe::{recipe_deck_model, run_recipe, Progress, Recipe, RecipeOutput};
use cases::summary::Summary;
use cases::Case;
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
struct CaseArgs {
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
}

impl CaseArgs {
    /// Reads the case with its overrides, coarsened with `--quick`.
    fn load(&self) -> Result<Case> {
        self.load_variant(self.variant.as_deref())
    }

    fn load_variant(&self, variant: Option<&str>) -> Result<Case> {
        let mut case = Case::from_file_variant(&self.case, &self.set, variant)?;
        if self.quick {
            case = case.quick();
        }
        if self.single_step {
            case.process = None;
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
        } => solve(&deck, &out, csv, solver.into()),
        Command::Run { case, out, solver } => {
            let variants = Case::variant_names(&case.case)?;
            if variants.is_empty() || case.variant.is_some() {
                run_case(&case.load()?, &case.case, &out, solver.into()).map(|_| ())
            } else {
                run_variants(&case, &variants, &out, solver.into())
            }
        }
        Command::Mesh { case, out } => mesh_case(&case.load()?, &case.case, &out),
        Command::ExportInp { case, output } => export_inp(&case.load()?, &case.case, &output),
        Command::Materials { name, library } => list_materials(name.as_deref(), library.as_deref()),
    }
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

fn mesh_case(case: &Case, path: &Path, out: &Path) -> Result<()> {
    let t = std::time::Instant::now();
    let mesh = case.mesh()?;
    println!(
        "{}: meshed in {:.3} s",
        path.display(),
        t.elapsed().as_secs_f64()
    );
    let report = mesher::package::quality_with(&mesh, &case.parts_with_own_layers());
    print!("{report}");
    std::fs::create_dir_all(out)
        .with_context(|| format!("creating output folder {}", out.display()))?;
    let file = out.join(format!("{}_mesh.vtu", case.name));
    vtk::write_mesh_vtu(&file, &mesh).with_context(|| format!("writing {}", file.display()))?;
    let quality = out.join("quality.txt");
    solver::io::write_atomically(&quality, |w| {
        use std::io::Write;
        write!(w, "{report}")
    })
    .with_context(|| format!("writing {}", quality.display()))?;
    println!("wrote {} and {}", file.display(), quality.display());
    Ok(())
}

/// Writes the case as a CalculiX/Abaqus deck: the single cool-down, or for
/// a case with a recipe every mechanical state of the recipe as a step
/// (the recipe is run first for its temperatures and births).
fn export_inp(case: &Case, path: &Path, output: &Path) -> Result<()> {
    let mut model = case.model()?;
    let mut changes = Vec::new();
    if let Some(recipe) = &case.process {
        let (outputs, _) = run_recipe(case, recipe, &mut model, SolverChoice::Auto, |_| {})?;
        let deck = recipe_deck_model(case, recipe, &model, &outputs)?;
        model = deck.model;
        changes = deck.changes;
        println!(
            "ran the recipe: {} states become {} steps with *TEMPERATURE and *MODEL CHANGE",
            outputs.len(),
            model.steps.len()
        );
    }
    solver::io::write_atomically(output, |w| {
        use std::io::Write;
        writeln!(w, "** {}: {}", case.name, case.description)?;
        writeln!(
            w,
            "** Exported by pkgstress from {} (units: mm, N, MPa, C)",
            path.display()
        )?;
        solver::io::deck_writer::write_deck_with_changes(&model, &changes, w)
            .map_err(std::io::Error::other)
    })
    .with_context(|| format!("writing {}", output.display()))?;
    println!(
        "wrote {} ({} nodes, {} elements)",
        output.display(),
        model.mesh.num_nodes(),
        model.mesh.num_cells()
    );
    Ok(())
}

/// Runs every `[[variant]]` of a case into `out/<variant>/` and compares
/// them side by side: final warpage and stresses, and the peak over the
/// recipe of each watched part's stresses; writes comparison.csv/.json.
fn run_variants(
    args: &CaseArgs,
    variants: &[String],
    out: &Path,
    choice: SolverChoice,
) -> Result<()> {
    let mut results = Vec::new();
    for v in variants {
        println!("=== variant '{v}' ===");
        let case = args.load_variant(Some(v))?;
        let (summary, peaks) = run_case(&case, &args.case, &out.join(v), choice)?;
        results.push((v.clone(), summary, peaks));
    }
    let mut table = String::from("variant,quantity,value\n");
    let mut json = Vec::new();
    println!("\n=== comparison ===");
    let mut rows: Vec<(String, Vec<f64>)> = Vec::new();
    let mut push = |name: String, i: usize, value: f64| {
        if let Some(r) = rows.iter_mut().find(|r| r.0 == name) {
            r.1[i] = value;
        } else {
            let mut vals = vec![f64::NAN; variants.len()];
            vals[i] = value;
            rows.push((name, vals));
        }
    };
    for (i, (_, summary, peaks)) in results.iter().enumerate() {
        for (face, w) in &summary.warpage_um {
            push(format!("final warpage {face} (um)"), i, *w);
        }
        if let Some(b) = &summary.bumps {
            push("final bump von Mises max (MPa)".into(), i, b.von_mises_max);
        }
        for p in summary.parts.iter().filter(|p| peaks.contains_key(&p.part)) {
            push(
                format!("final {} von Mises (MPa)", p.part),
                i,
                p.von_mises_max,
            );
        }
        for (part, (vm, p1)) in peaks {
            push(format!("peak {part} von Mises (MPa)"), i, *vm);
            push(format!("peak {part} max principal (MPa)"), i, *p1);
        }
    }
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(10);
    print!("{:width$}", "");
    for v in variants {
        print!("  {v:>16}");
    }
    println!();
    for (name, vals) in &rows {
        print!("{name:width$}");
        for (i, x) in vals.iter().enumerate() {
            if x.is_finite() {
                print!("  {x:>16.4}");
                table.push_str(&format!("{},{name},{x:.9}\n", variants[i]));
            } else {
                print!("  {:>16}", "-");
            }
        }
        println!();
        json.push(serde_json::json!({
            "quantity": name,
            "values": variants.iter().zip(vals).filter(|(_, x)| x.is_finite()).map(|(v, x)| (v.clone(), *x)).collect::<std::collections::BTreeMap<_, _>>(),
        }));
    }
    write_text(&out.join("comparison.csv"), &table)?;
    write_text(
        &out.join("comparison.json"),
        &(serde_json::to_string_pretty(&json)? + "\n"),
    )?;
    println!("wrote {}", out.join("comparison.csv").display());
    Ok(())
}

/// Prints the process's peak memory so far for a model of `dof` unknowns,
/// where the platform reports it.
fn print_peak_memory(dof: usize) {
    let memory = solver::linear::peak_memory_report(dof);
    if !memory.is_empty() {
        println!("  memory: {memory}");
    }
}

/// Peak von Mises and max principal stress (MPa) of each watched part over a run.
type Peaks = std::collections::BTreeMap<String, (f64, f64)>;

fn run_case(
    case: &Case,
    path: &Path,
    out: &Path,
    choice: SolverChoice,
) -> Result<(Summary, Peaks)> {
    let t = std::time::Instant::now();
    let model = case.model()?;
    println!(
        "{}: {} — meshed in {:.3} s",
        path.display(),
        case.description,
        t.elapsed().as_secs_f64()
    );
    for w in mesher::package::quality_with(&model.mesh, &case.parts_with_own_layers()).warnings {
        eprintln!("warning: {w}");
    }
    let (summary, peaks) = match &case.process {
        None => {
            let results = run_model(&model, &case.name, out, false, choice)?;
            let summary = Summary::new(case, &model, results.last().expect("one step"));
            let peaks = watched_peaks(case, std::slice::from_ref(&summary));
            (summary, peaks)
        }
        Some(recipe) => run_recipe_case(case, recipe, model, out, choice)?,
    };
    for (part, (vm, p1)) in &peaks {
        println!("  {part}: peak von Mises {vm:.3} MPa, peak max principal {p1:.3} MPa");
    }
    print!("{summary}");
    write_summary(out, &summary)?;
    println!("wrote {}", out.join("summary.json").display());
    Ok((summary, peaks))
}

/// The largest von Mises and first principal stress of each watched part
/// over the states `summaries`.
fn watched_peaks(case: &Case, summaries: &[Summary]) -> Peaks {
    let mut peaks = Peaks::new();
    for s in summaries {
        for p in s
            .parts
            .iter()
            .filter(|p| case.roles.watch.contains(&p.part))
        {
            let e = peaks
                .entry(p.part.clone())
                .or_insert((0.0, f64::NEG_INFINITY));
            e.0 = e.0.max(p.von_mises_max);
            e.1 = e.1.max(p.max_principal);
        }
    }
    peaks
}

/// Runs a case's bonding recipe with a progress bar: a line and a `.vtu`
/// per mechanical state, the `.pvd` over time, `history.csv`/`.json` and
/// `history.png`; returns the final state's summary.
fn run_recipe_case(
    case: &Case,
    recipe: &Recipe,
    mut model: solver::model::Model,
    out: &Path,
    choice: SolverChoice,
) -> Result<(Summary, Peaks)> {
    // the fields are built and compressed on a thread of their own while
    // the recipe goes on
    let mut files = RecipeFiles::create(out, case, &model, recipe)?;
    let total: u64 = recipe.steps.iter().map(|s| s.increments as u64).sum();
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} increments, {msg}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    let clock = std::time::Instant::now();
    let (outputs, timings) = run_recipe(case, recipe, &mut model, choice, |p| match p {
        Progress::Increment { done, time, .. } => {
            bar.set_position(done as u64);
            bar.set_message(format!("t = {time:.3} s"));
        }
        Progress::Output(o) => {
            bar.suspend(|| println!("{}", state_line(o)));
            files.record(o);
        }
    })?;
    bar.finish_and_clear();
    let written = files.finish()?;
    println!(
        "recipe: {} states in {:.2} s (thermal {:.2} s, cure {:.2} s, mechanical {:.2} s, births {:.2} s, summaries {:.2} s, output {:.2} s)",
        outputs.len(),
        clock.elapsed().as_secs_f64(),
        timings.thermal,
        timings.cure,
        timings.mechanical,
        timings.births,
        timings.summary,
        written.seconds
    );
    print_peak_memory(outputs.last().map_or(0, |o| o.summary.dof));
    println!(
        "wrote {}, history.csv, history.json, history.png",
        written.pvd.display()
    );
    let summaries: Vec<Summary> = outputs.iter().map(|o| o.summary.clone()).collect();
    Ok((
        outputs.last().expect("a recipe has steps").summary.clone(),
        watched_peaks(case, &summaries),
    ))
}

/// The line printed for a recipe state: time, step, temperatures, warpage,
/// bump stress, degree of cure and why it was solved.
fn state_line(o: &RecipeOutput) -> String {
    let warp: Vec<String> = o
        .summary
        .warpage_um
        .iter()
        .map(|(f, w)| format!("{f} {w:.4} um"))
        .collect();
    let (lo, hi) = o.temperature_range();
    let cure: Vec<String> = o
        .cure
        .iter()
        .map(|(p, c)| format!("{p} cure {:.3}", c.mean))
        .collect();
    format!(
        "{:>9.3} s  {:<12} T {lo:.1}..{hi:.1} C  warpage {}  bumps {:.1} MPa{}{}",
        o.time,
        o.step,
        warp.join(", "),
        o.summary
            .bumps
            .as_ref()
            .map(|b| b.von_mises_max)
            .unwrap_or(0.0),
        if cure.is_empty() {
            String::new()
        } else {
            format!("  {}", cure.join(", "))
        },
        if o.event == "output" {
            String::new()
        } else {
            format!("  [{}]", o.event)
        },
    )
}

fn solve(deck_path: &Path, out: &Path, csv: bool, choice: SolverChoice) -> Result<()> {
    let t_read = std::time::Instant::now();
    let deck = read_deck(deck_path)?;
    for w in &deck.warnings {
        eprintln!("warning: {w}");
    }
    let stem = deck_path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("model")
        .to_string();
    println!(
        "{}: read in {:.3} s",
        deck_path.display(),
        t_read.elapsed().as_secs_f64()
    );
    run_model(&deck.model, &stem, out, csv, choice)?;
    Ok(())
}

/// Solves every step of `model`, printing a summary per step and writing
/// `<stem>.pvd` with a `.vtu` per step (and nodal CSV files with `csv`).
fn run_model(
    model: &solver::model::Model,
    stem: &str,
    out: &Path,
    csv: bool,
    choice: SolverChoice,
) -> Result<Vec<solver::analysis::StepResult>> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("creating output folder {}", out.display()))?;
    println!(
        "{} nodes, {} elements, {} parts, {} steps",
        model.mesh.num_nodes(),
        model.mesh.num_cells(),
        model.mesh.part_names.len(),
        model.steps.len()
    );

    let points = PartPoints::new(&model.mesh);
    let mut analysis = StaticAnalysis::new(model, choice);
    let mut results = Vec::new();
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
        if !result.stats.detail.is_empty() {
            println!("  solver: {}", result.stats.detail);
        }
        print_peak_memory(result.num_equations);
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
        vtk::write_vtu(&out.join(&file), model, &points, &result)
            .with_context(|| format!("writing {file}"))?;
        if csv {
            let name = format!("nodes_{}.csv", k + 1);
            write_nodes_csv(&out.join(&name), model, &result)
                .with_context(|| format!("writing {name}"))?;
        }
        collection.push((result.time, file.clone()));
        let pvd = out.join(format!("{stem}.pvd"));
        vtk::write_pvd(&pvd, &collection).with_context(|| format!("writing {}", pvd.display()))?;
        println!("  wrote {file} in {:.3} s", t_write.elapsed().as_secs_f64());
        results.push(result);
    }
    println!("wrote {}", out.join(format!("{stem}.pvd")).display());
    Ok(results)
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
