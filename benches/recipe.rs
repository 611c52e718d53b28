//! Bonding-recipe benchmark: the full recipe of a shipped case, timed by
//! phase (heat conduction, cure, mechanical states, summaries, output of the
//! fields), with each mechanical state's solver path (new factorisation, or
//! CG preconditioned by the previous factor, and its iterations).
//!
//! ```text
//! cargo run --release -p benches --bin recipe                  # pcb_acf, default and ~500 k DOF
//! cargo run --release -p benches --bin recipe -- --case cases/pcb_acf.toml --set mesh.layers=3
//! cargo run --release -p benches --bin recipe -- --write       # also writes benches/RESULTS.md's recipe section
//! ```
//! The fields are written as `run` writes them (a .vtu per state, to a
//! scratch folder) so the output phase is the real one.

use anyhow::{bail, Context, Result};
use cases::process::{run_recipe, Progress};
use cases::Case;
use solver::linear::SolverChoice;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

struct Row {
    label: String,
    dof: usize,
    states: usize,
    thermal_increments: usize,
    thermal: f64,
    cure: f64,
    mechanical: f64,
    output: f64,
    total: f64,
    factorisations: usize,
    reused: usize,
    pcg_iterations: usize,
    peak_rss_gib: f64,
    warpage: String,
}

fn peak_rss_gib() -> f64 {
    // VmHWM of this process, kB
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0 / 1024.0)
}

fn bench(case_path: &Path, label: &str, overrides: &[String], scratch: &Path) -> Result<Row> {
    let case = Case::from_file_with(case_path, overrides).map_err(|e| anyhow::anyhow!("{e}"))?;
    let recipe = case
        .process
        .clone()
        .context("the case has no [process] recipe")?;
    let t0 = Instant::now();
    let mut model = case.model().map_err(|e| anyhow::anyhow!("{e}"))?;
    let dof = 3 * model.mesh.num_nodes();
    eprintln!("== {label}: {dof} DOF");
    let (mut factorisations, mut reused, mut pcg_iterations) = (0, 0, 0);
    let (outputs, timings) = run_recipe(&case, &recipe, &mut model, SolverChoice::Auto, |p| {
        if let Progress::Output(o) = p {
            let s = &o.result.stats;
            if s.method.starts_with("pcg (previous") {
                reused += 1;
                pcg_iterations += s.iterations;
            } else if s.method.starts_with("direct") {
                factorisations += 1;
            }
            eprintln!(
                "  {:>9.2} s {:<14} {:>7} eq  assembly {:6.2} s  solve {:6.2} s  {} ({} it)",
                o.time,
                o.step,
                o.result.num_equations,
                o.result.assembly_seconds,
                o.result.solve_seconds,
                s.method,
                s.iterations
            );
        }
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    // the fields, as `run` writes them
    let t_out = Instant::now();
    std::fs::create_dir_all(scratch)?;
    let points = solver::post::PartPoints::new(&model.mesh);
    for (i, o) in outputs.iter().enumerate() {
        let file = scratch.join(format!("state_{i:03}.vtu"));
        let active: Vec<f64> = o.active.iter().map(|&a| f64::from(u8::from(a))).collect();
        let extra = [
            ("active".to_string(), active),
            ("degree_of_cure".to_string(), o.cell_cure.clone()),
        ];
        solver::io::vtk::write_vtu_with(&file, &model, &points, &o.result, &extra)
            .with_context(|| format!("writing {}", file.display()))?;
    }
    let output = t_out.elapsed().as_secs_f64();
    let total = t0.elapsed().as_secs_f64();
    let last = outputs.last().context("no states")?;
    let warpage = last
        .summary
        .warpage_um
        .iter()
        .map(|(f, w)| format!("{f} {w:.4}"))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(Row {
        label: label.to_string(),
        dof,
        states: outputs.len(),
        thermal_increments: recipe.steps.iter().map(|s| s.increments).sum(),
        thermal: timings.thermal,
        cure: timings.cure,
        mechanical: timings.mechanical,
        output: output + timings.summary,
        total,
        factorisations,
        reused,
        pcg_iterations,
        peak_rss_gib: peak_rss_gib(),
        warpage,
    })
}

fn main() -> Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut case = root.join("cases/pcb_acf.toml");
    let mut sets: Vec<String> = Vec::new();
    let mut write = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--case" => case = args.next().context("--case needs a file")?.into(),
            "--set" => sets.push(args.next().context("--set needs KEY=VALUE")?),
            "--write" => write = true,
            other => bail!("unknown argument {other}"),
        }
    }
    let scratch =
        std::env::temp_dir().join(format!("pkgstress-recipe-bench-{}", std::process::id()));
    let mut configs: Vec<(String, Vec<String>)> = Vec::new();
    if sets.is_empty() {
        configs.push(("default mesh".into(), Vec::new()));
        configs.push((
            "fine: 2 cells across bumps, 4 per layer".into(),
            vec!["mesh.across_bumps=2".into(), "mesh.layers=4".into()],
        ));
    } else {
        configs.push((sets.join(" "), sets.clone()));
    }
    let mut rows = Vec::new();
    for (label, o) in &configs {
        rows.push(bench(&case, label, o, &scratch)?);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let mut md = String::new();
    writeln!(
        md,
        "| mesh | DOF | states | thermal increments | thermal (s) | cure (s) | mechanical (s) | summaries + fields (s) | total (s) | factorisations | states by previous-factor CG (iterations) | peak RSS (GiB) | final warpage (µm) |"
    )?;
    writeln!(
        md,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    )?;
    for r in &rows {
        writeln!(
            md,
            "| {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} ({}) | {:.2} | {} |",
            r.label,
            r.dof,
            r.states,
            r.thermal_increments,
            r.thermal,
            r.cure,
            r.mechanical,
            r.output,
            r.total,
            r.factorisations,
            r.reused,
            r.pcg_iterations,
            r.peak_rss_gib,
            r.warpage
        )?;
    }
    print!("{md}");
    if write {
        let path = root.join("benches/RESULTS.md");
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let marker = "\n## Bonding recipe";
        let head = text
            .split(marker)
            .next()
            .unwrap_or("")
            .trim_end()
            .to_string();
        let section = format!(
            "{head}\n{marker}\n\nWritten by `cargo run --release -p benches --bin recipe -- --write` (do not edit by hand). The full recipe of `{}` (heat conduction through every increment, cure kinetics, a thermo-elastic state per output time and per gel event, the fields of every state written as VTU), 2 threads; peak RSS is the benchmark process's high-water mark so far.\n\n{md}",
            case.strip_prefix(&root).unwrap_or(&case).display()
        );
        std::fs::write(&path, section)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
