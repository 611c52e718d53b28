//! The shipped package cases, single cool-down step, at their default mesh
//! and a fine one: pkgstress with the direct solver and with AMG-CG, and
//! CalculiX on the same model exported by `export-inp`, side by side in one
//! run (wall time and peak RSS of each whole program run from `wait4`).
//!
//! ```text
//! bash validation/setup.sh                      # CalculiX, if missing
//! cargo build --release
//! cargo run --release -p benches --bin shipped  # writes the "Shipped cases" section of RESULTS.md
//! ```

#[path = "common.rs"]
mod common;

use anyhow::{bail, Context, Result};
use common::{gib, measure};
use std::path::{Path, PathBuf};
use std::process::Command;

/// CalculiX runs only up to this size: at ~370 k DOF it already takes
/// minutes (benches/RESULTS.md) and above it a SPOOLES factor nears the
/// machine's memory.
const CCX_LIMIT: usize = 400_000;

const CASES: [&str; 4] = [
    "cog_flipchip",
    "pcb_acf",
    "csp_transparent",
    "wlp_paste_plugs",
];

/// The fine density: twice the cells through each layer and across a bump.
const FINE: [&str; 2] = ["mesh.layers=4", "mesh.across_bumps=2"];

struct Ours {
    wall: f64,
    rss: u64,
    dof: usize,
    warpage: serde_json::Map<String, serde_json::Value>,
    /// CG iterations, from the CLI's step line.
    iterations: Option<usize>,
}

fn run_ours(exe: &Path, case: &Path, sets: &[&str], solver: &str, out: &Path) -> Result<Ours> {
    let mut cmd = Command::new(exe);
    cmd.args(["--threads", "2", "run"])
        .arg(case)
        .arg("--single-step");
    for s in sets {
        cmd.args(["--set", s]);
    }
    cmd.args(["--solver", solver]).arg("--out").arg(out);
    let (wall, rss, log) = measure(&mut cmd)?;
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json"))?)?;
    let dof = json["dof"].as_u64().context("summary.json: dof")? as usize;
    let warpage = json["warpage_um"]
        .as_object()
        .context("summary.json: warpage_um")?
        .clone();
    let iterations = log
        .lines()
        .filter(|l| l.starts_with("step "))
        .flat_map(|l| l.split(", "))
        .find_map(|t| {
            t.split(" iterations]")
                .next()
                .filter(|_| t.contains(" iterations]"))
        })
        .and_then(|t| t.parse().ok());
    Ok(Ours {
        wall,
        rss,
        dof,
        warpage,
        iterations,
    })
}

/// CalculiX on the exported deck: wall time, peak RSS and the warpage (µm)
/// of `face` (`part.side`) from its displacements.
fn run_ccx(
    exe: &Path,
    case: &Path,
    sets: &[&str],
    face: &str,
    work: &Path,
) -> Result<(f64, u64, f64)> {
    let deck = work.join("peer.inp");
    let mut cmd = Command::new(exe);
    cmd.arg("export-inp").arg(case).arg("--single-step");
    for s in sets {
        cmd.args(["--set", s]);
    }
    cmd.arg("-o").arg(&deck);
    measure(&mut cmd)?;
    common::run_ccx_warpage(&deck, face, work)
}

fn main() -> Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let exe = root.join("target/release/pkgstress");
    if !exe.exists() {
        bail!("build the CLI first: cargo build --release");
    }
    let have_ccx = validation::calculix::ccx().is_some();
    if !have_ccx {
        bail!("CalculiX (ccx) is not installed, and the results are measured side by side with it: run validation/setup.sh first");
    }
    let work = std::env::temp_dir().join(format!("pkgstress-shipped-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let mut md = String::from(
        "## Shipped cases\n\nWritten by `cargo run --release -p benches --bin shipped` (do not edit by hand). \
         Every shipped bumped case, its single cool-down step (`run --single-step`), at the default mesh and a fine one \
         (`--set mesh.layers=4 --set mesh.across_bumps=2`), 2 threads; wall time and peak RSS of the whole program run \
         (mesh, solve, summaries, VTU). CalculiX runs the deck `export-inp` writes for the same model (up to 400 k DOF); \
         the speed-up is its wall time over the faster pkgstress run. Warpage of the case's first reported face.\n\n\
         | case | mesh | DOF | direct (s) | direct RSS (GiB) | AMG-CG (s) | AMG-CG RSS (GiB) | AMG-CG iterations | CalculiX (s) | CalculiX RSS (GiB) | speed-up | face | warpage direct (µm) | AMG-CG (µm) | CalculiX (µm) |\n\
         |---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---:|---:|\n",
    );
    for name in CASES {
        let case = root.join(format!("cases/{name}.toml"));
        for (label, sets) in [("default", &[][..]), ("fine", &FINE[..])] {
            eprintln!("== {name}, {label} mesh");
            let out = work.join(format!("{name}_{label}"));
            let direct = run_ours(&exe, &case, sets, "direct", &out)?;
            let amg = run_ours(&exe, &case, sets, "amg", &out)?;
            let (face, wd) = direct
                .warpage
                .iter()
                .next()
                .map(|(k, v)| (k.clone(), v.as_f64().unwrap_or(f64::NAN)))
                .context("no warpage face")?;
            let wa = amg.warpage[&face].as_f64().unwrap_or(f64::NAN);
            let iterations = amg.iterations.map_or("?".into(), |i| i.to_string());
            let peer = if have_ccx && direct.dof <= CCX_LIMIT {
                eprintln!("   CalculiX ...");
                Some(run_ccx(&exe, &case, sets, &face, &work)?)
            } else {
                None
            };
            eprintln!(
                "   {} DOF: direct {:.2} s, AMG-CG {:.2} s ({iterations} its){}",
                direct.dof,
                direct.wall,
                amg.wall,
                peer.map(|p| format!(", CalculiX {:.2} s", p.0))
                    .unwrap_or_default()
            );
            let opt = |v: Option<String>| v.unwrap_or_else(|| "–".into());
            md.push_str(&format!(
                "| {name} | {label} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {iterations} | {} | {} | {} | {face} | {wd:.6} | {wa:.6} | {} |\n",
                direct.dof,
                direct.wall,
                gib(direct.rss),
                amg.wall,
                gib(amg.rss),
                opt(peer.map(|p| format!("{:.2}", p.0))),
                opt(peer.map(|p| format!("{:.2}", gib(p.1)))),
                opt(peer.map(|p| format!("{:.1}x", p.0 / direct.wall.min(amg.wall)))),
                opt(peer.map(|p| format!("{:.6}", p.2))),
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    print!("{md}");
    common::write_section(&root, "## Shipped cases", &md)
}
