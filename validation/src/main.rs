//! The validation suite: every reference case, its computed value, the
//! reference and its source, the tolerance decided beforehand and why, and
//! pass/fail, written to `validation/REPORT.md` and `validation/report.json`.
//!
//! ```text
//! cargo run --release -p validation            # full suite, minutes; writes validation/REPORT.md
//! cargo run --release -p validation -- --quick # the CI subset; writes target/validation/REPORT.md
//! cargo run --release -p validation -- --only suhir # one group (le11, cog-convergence, timoshenko, stoney,
//!                                               # three-layer, suhir, acf-centre, thermal, calculix, recipes); no report
//! ```
//! Exits with status 1 when any judged entry fails.

mod report;

use report::convergence::{cog_convergence, Plot};
use report::entry::{number, relative, signed, Entry};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;
use validation::le11::SIGMA_ZZ_A;

/// The groups `--only` can name, in the report's order.
const GROUPS: [&str; 10] = [
    "le11",
    "cog-convergence",
    "timoshenko",
    "stoney",
    "three-layer",
    "suhir",
    "acf-centre",
    "thermal",
    "calculix",
    "recipes",
];

/// What the groups computed: the entries, the refinement series' lines
/// and the convergence plots.
struct Results {
    entries: Vec<Entry>,
    series: Vec<String>,
    plots: Vec<Plot>,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    // `--only GROUP`: run one group, print its lines, write no report
    let only = args
        .iter()
        .position(|a| a == "--only")
        .map(|i| args.get(i + 1).cloned().unwrap_or_default());
    if let Some(g) = &only {
        if !GROUPS.contains(&g.as_str()) {
            eprintln!(
                "validation: --only expects one of {}, got {g:?}",
                GROUPS.join(", ")
            );
            std::process::exit(2);
        }
    }
    let started = Instant::now();
    let results = run_groups(quick, only.as_deref());
    let entries = &results.entries;
    for e in entries {
        eprintln!(
            "{:<70} {:>14} vs {:>14} {:<5} {}",
            e.case,
            number(e.computed),
            number(e.reference),
            e.unit,
            match e.pass {
                Some(true) => "pass",
                Some(false) => "FAIL",
                None => "(series)",
            }
        );
    }
    let judged = entries.iter().filter(|e| e.pass.is_some()).count();
    let failed = entries.iter().filter(|e| e.pass == Some(false)).count();
    if only.is_some() {
        eprintln!("{judged} judged, {failed} failed (--only: no report written)");
        std::process::exit(i32::from(failed > 0));
    }
    let md = report_markdown(&results, quick, started.elapsed().as_secs_f64());
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let (md_path, json_path) = write_report(&root, quick, &results, &md);
    println!(
        "{judged} judged, {} passed, {failed} failed",
        judged - failed
    );
    println!("wrote {} and {}", md_path.display(), json_path.display());
    if failed > 0 {
        std::process::exit(1);
    }
}

/// Runs every group (or `only` that one).
fn run_groups(quick: bool, only: Option<&str>) -> Results {
    use report::{adhesive, layered, le11, peer, thermal};
    let run = |g: &str| only.is_none_or(|o| o == g);
    let mut series = Vec::new();
    let mut entries = Vec::new();
    let mut curves = Vec::new();
    if run("le11") {
        entries.extend(le11::le11_series(quick, &mut series, &mut curves));
    }
    let mut plots = vec![(
        "le11_convergence".to_string(),
        "NAFEMS LE11: σzz at A".to_string(),
        "σzz (MPa)".to_string(),
        curves,
        (SIGMA_ZZ_A, format!("NAFEMS target {SIGMA_ZZ_A}")),
    )];
    if !quick && run("cog-convergence") {
        entries.extend(cog_convergence(&mut series, &mut plots));
    }
    if run("timoshenko") {
        entries.extend(layered::timoshenko());
    }
    if run("stoney") {
        entries.push(layered::stoney());
    }
    if run("three-layer") {
        entries.extend(layered::three_layer());
    }
    if run("suhir") {
        entries.extend(adhesive::suhir_shear(quick));
    }
    if run("acf-centre") {
        entries.push(adhesive::acf_centre(quick));
    }
    if run("thermal") {
        entries.extend(thermal::thermal());
    }
    if run("calculix") {
        entries.extend(peer::calculix_cases(quick));
    }
    if run("recipes") {
        entries.extend(peer::calculix_recipes());
    }
    Results {
        entries,
        series,
        plots,
    }
}

/// `REPORT.md`: the table of entries and the refinement series.
fn report_markdown(results: &Results, quick: bool, seconds: f64) -> String {
    let entries = &results.entries;
    let judged = entries.iter().filter(|e| e.pass.is_some()).count();
    let failed = entries.iter().filter(|e| e.pass == Some(false)).count();
    let mut md = String::new();
    writeln!(md, "# Validation report\n").unwrap();
    writeln!(
        md,
        "Written by `cargo run --release -p validation{}` (do not edit by hand): {} mode, {} entries, {} judged, {} failed, {:.0} s on {} threads.\n",
        if quick { " -- --quick" } else { "" },
        if quick { "quick (CI subset)" } else { "full" },
        entries.len(),
        judged,
        failed,
        seconds,
        rayon::current_num_threads()
    )
    .unwrap();
    writeln!(md, "Tolerances are relative to the reference, or absolute where given with a unit (a reference of 0), and were set before the run; the reason stands beside each. No reference is taken from pkgstress's own output.\n").unwrap();
    writeln!(md, "| case | quantity | pkgstress | reference | unit | tolerance | result | DOF | reference source | why this tolerance |").unwrap();
    writeln!(md, "|---|---|---:|---:|---|---:|---|---:|---|---|").unwrap();
    for e in entries {
        writeln!(md, "{}", table_row(e)).unwrap();
    }
    writeln!(md, "\n## Refinement series\n").unwrap();
    for (file, title, ..) in &results.plots {
        writeln!(md, "![{title}]({file}.png)\n").unwrap();
    }
    for s in &results.series {
        writeln!(md, "- {s}").unwrap();
    }
    writeln!(md, "\n## Elsewhere\n\nCalculiX on every shipped case and on the recipes (state by state), the heat-conduction closed forms and the element property suite run as `cargo test` (`validation/tests/`, listed in the README); the glass-top warpage convergence study is `validation/CONVERGENCE.md`.").unwrap();
    md
}

/// One row of the report's table.
fn table_row(e: &Entry) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        e.case,
        e.quantity,
        number(e.computed),
        number(e.reference),
        e.unit,
        match (e.tolerance, e.absolute) {
            (None, _) => "—".into(),
            (Some(t), true) => format!("{} {}", number(t), e.unit),
            (Some(t), false) => relative(t),
        },
        match e.pass {
            Some(true) if e.absolute => "pass".into(),
            Some(false) if e.absolute => "**FAIL**".into(),
            Some(true) => format!("pass ({})", signed(e.computed, e.reference)),
            Some(false) => format!("**FAIL** ({})", signed(e.computed, e.reference)),
            None => format!("({})", signed(e.computed, e.reference)),
        },
        e.dof,
        e.source,
        e.reason
    )
}

/// Writes the report, `report.json` and the plots (under `target/` in
/// quick mode); returns the report's and the JSON's paths.
fn write_report(root: &Path, quick: bool, results: &Results, md: &str) -> (PathBuf, PathBuf) {
    let (md_path, json_path) = if quick {
        let dir = root.join("../target/validation");
        std::fs::create_dir_all(&dir).expect("target/validation");
        (dir.join("REPORT.md"), dir.join("report.json"))
    } else {
        (root.join("REPORT.md"), root.join("report.json"))
    };
    for (file, title, y, curves, reference) in &results.plots {
        // drawn under a temporary name (the extension picks the format), then renamed
        let png = md_path.with_file_name(format!("{file}.png"));
        let partial = md_path.with_file_name(format!("{file}.partial.png"));
        validation::plot::convergence(&partial, title, y, curves, (reference.0, &reference.1))
            .expect("writing a convergence plot");
        std::fs::rename(&partial, &png).expect("renaming a convergence plot");
    }
    let json = serde_json::to_string_pretty(&results.entries).expect("entries serialise") + "\n";
    solver::io::write_atomically(&md_path, |w| w.write_all(md.as_bytes()))
        .expect("writing the report");
    solver::io::write_atomically(&json_path, |w| w.write_all(json.as_bytes()))
        .expect("writing report.json");
    (md_path, json_path)
}
