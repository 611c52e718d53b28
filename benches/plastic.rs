//! The shipped bumped cases with the library's plasticity against their
//! elastic parts only (`--elastic`), quick meshes, 2 threads: the whole
//! recipe (`run --quick`, the mechanical state at every thermal increment
//! with Newton iterations) and the single cool-down step
//! (`run --quick --single-step`), the latter side by side with CalculiX on
//! the deck `export-inp` writes for it (`*PLASTIC`, `*STATIC` increments).
//! Wall time and peak RSS of each whole program run from `wait4`.
//!
//! ```text
//! bash validation/setup.sh                      # CalculiX, if missing
//! cargo build --release
//! cargo run --release -p benches --bin plastic  # writes the "Elastic-plastic cases" section of RESULTS.md
//! ```

#[path = "common.rs"]
mod common;

use anyhow::{bail, Context, Result};
use common::{gib, measure};
use std::path::{Path, PathBuf};
use std::process::Command;

const CASES: [&str; 4] = [
    "cog_flipchip",
    "pcb_acf",
    "csp_transparent",
    "wlp_paste_plugs",
];

struct Run {
    wall: f64,
    rss: u64,
    dof: usize,
    /// The first reported face and its warpage, µm.
    face: String,
    warpage: f64,
    /// Bump von Mises max, MPa, and equivalent plastic strain max.
    bumps: f64,
    peeq: Option<f64>,
    /// Newton iterations over the run (history.csv), when plastic.
    iterations: Option<usize>,
}

fn run_ours(exe: &Path, case: &Path, extra: &[&str], out: &Path) -> Result<Run> {
    let mut cmd = Command::new(exe);
    cmd.args(["--threads", "2", "run"])
        .arg(case)
        .arg("--quick")
        .args(extra)
        .arg("--out")
        .arg(out);
    let (wall, rss, log) = measure(&mut cmd)?;
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json"))?)?;
    let dof = json["dof"].as_u64().context("summary.json: dof")? as usize;
    let (face, warpage) = json["warpage_um"]
        .as_object()
        .and_then(|m| m.iter().next())
        .map(|(k, v)| (k.clone(), v.as_f64().unwrap_or(f64::NAN)))
        .context("summary.json: warpage_um")?;
    let bumps = json["bumps"]["von_mises_max"].as_f64().unwrap_or(f64::NAN);
    let peeq = json["bump_plasticity"]["equivalent_plastic_strain_max"].as_f64();
    // a recipe's history, or a single step's "iterations per increment [..]"
    let single = log.lines().find_map(|l| {
        let list = l
            .split("iterations per increment [")
            .nth(1)?
            .split(']')
            .next()?;
        Some(
            list.split(", ")
                .filter_map(|n| n.trim().parse::<usize>().ok())
                .sum::<usize>(),
        )
    });
    let iterations = single.or_else(|| {
        std::fs::read_to_string(out.join("history.csv"))
            .ok()
            .and_then(|csv| {
                let mut lines = csv.lines();
                let col = lines
                    .next()?
                    .split(',')
                    .position(|c| c == "newton_iterations")?;
                Some(
                    lines
                        .filter_map(|l| l.split(',').nth(col)?.parse::<usize>().ok())
                        .sum(),
                )
            })
    });
    Ok(Run {
        wall,
        rss,
        dof,
        face,
        warpage,
        bumps,
        peeq,
        iterations,
    })
}

/// CalculiX on the exported quick single-step deck: wall time, peak RSS
/// and the warpage (µm) of `face` at the step's end.
fn run_ccx(exe: &Path, case: &Path, face: &str, work: &Path) -> Result<(f64, u64, f64)> {
    let deck = work.join("peer.inp");
    measure(
        Command::new(exe)
            .arg("export-inp")
            .arg(case)
            .args(["--quick", "--single-step", "-o"])
            .arg(&deck),
    )?;
    common::run_ccx_warpage(&deck, face, work)
}

fn main() -> Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let exe = root.join("target/release/pkgstress");
    if !exe.exists() {
        bail!("build the CLI first: cargo build --release");
    }
    if validation::calculix::ccx().is_none() {
        bail!("CalculiX (ccx) is not installed, and the results are measured side by side with it: run validation/setup.sh first");
    }
    let work = std::env::temp_dir().join(format!("pkgstress-plastic-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let mut md = String::from(
        "## Elastic-plastic cases\n\nWritten by `cargo run --release -p benches --bin plastic` (do not edit by hand). \
         Every shipped bumped case on its quick mesh, 2 threads, with the library's plasticity (gold, copper, aluminium) \
         and with `--elastic`; wall time and peak RSS of the whole program run (mesh, heat conduction, solves, summaries, VTU). \
         Recipe: `run --quick`, the mechanical state at every thermal increment, Newton iterations summed over the run \
         (each one assembly and one linear solve). Single step: `run --quick --single-step`, and CalculiX on the deck \
         `export-inp --quick --single-step` writes (`*PLASTIC`, the same `*STATIC` increments). Warpage of the case's \
         first reported face (max − min of u_z, unsigned).\n\n\
         | case | DOF | run | plastic (s) | RSS (GiB) | Newton iterations | --elastic (s) | ratio | bump von Mises max plastic / elastic (MPa) | PEEQ max (%) | warpage plastic / elastic (µm) | CalculiX plastic (s) | CalculiX RSS (GiB) | warpage CalculiX (µm) |\n\
         |---|---:|---|---:|---:|---:|---:|---:|---|---:|---|---:|---:|---:|\n",
    );
    for name in CASES {
        let case = root.join(format!("cases/{name}.toml"));
        for (label, extra) in [("recipe", &[][..]), ("single step", &["--single-step"][..])] {
            eprintln!("== {name}, {label}");
            let tag = label.replace(' ', "_");
            let p = run_ours(&exe, &case, extra, &work.join(format!("{name}_{tag}_p")))?;
            let mut elastic_args = extra.to_vec();
            elastic_args.push("--elastic");
            let e = run_ours(
                &exe,
                &case,
                &elastic_args,
                &work.join(format!("{name}_{tag}_e")),
            )?;
            let peer = if label == "single step" {
                Some(run_ccx(&exe, &case, &p.face, &work)?)
            } else {
                None
            };
            let opt = |v: Option<String>| v.unwrap_or_else(|| "–".into());
            let row = format!(
                "| {name} | {} | {label} | {:.2} | {:.2} | {} | {:.2} | {:.1}x | {:.1} / {:.1} | {} | {} {:.4} / {:.4} | {} | {} | {} |\n",
                p.dof,
                p.wall,
                gib(p.rss),
                opt(p.iterations.map(|i| i.to_string())),
                e.wall,
                p.wall / e.wall,
                p.bumps,
                e.bumps,
                opt(p.peeq.map(|v| format!("{:.2}", 100.0 * v))),
                p.face,
                p.warpage,
                e.warpage,
                opt(peer.map(|c| format!("{:.2}", c.0))),
                opt(peer.map(|c| format!("{:.2}", gib(c.1)))),
                opt(peer.map(|c| format!("{:.4}", c.2))),
            );
            eprint!("   {row}");
            md.push_str(&row);
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    print!("{md}");
    common::write_section(&root, "## Elastic-plastic cases", &md)
}
