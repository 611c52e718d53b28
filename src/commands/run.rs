//! `pkgstress run`: a case through its recipe (or the single cool-down),
//! and its variants side by side.

use super::solve::run_model;
use super::{print_memory_estimate, print_peak_memory, Out};
use crate::CaseArgs;
use anyhow::Result;
use cases::output::{write_summary, write_text, RecipeFiles};
use cases::recipe::{run_recipe, Progress, Recipe, RecipeOutput};
use cases::summary::Summary;
use cases::Case;
use solver::linear::SolverChoice;
use std::path::Path;

/// Peak von Mises and max principal stress (MPa) of each watched part over a run.
type Peaks = std::collections::BTreeMap<String, (f64, f64)>;

pub fn run_case(
    case: &Case,
    path: &Path,
    out: &Out,
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
    for w in mesher::quality::quality_with(&model.mesh, &case.parts_with_own_layers()).warnings {
        eprintln!("warning: {w}");
    }
    let names = |f: fn(&materials::Material) -> bool| -> Vec<&str> {
        let used = |i: &usize| model.cell_material.contains(i);
        (0..model.materials.len())
            .filter(|i| used(i) && f(&model.materials[*i]))
            .map(|i| model.materials[i].name.as_str())
            .collect()
    };
    let plastic = names(|m| m.plastic.is_some());
    let viscous = names(|m| m.viscoelastic.is_some());
    for (list, what) in [(&plastic, "elastic-plastic"), (&viscous, "viscoelastic")] {
        if !list.is_empty() {
            println!(
                "{what}: {} (increments with Newton iterations; --elastic for the elastic answers)",
                list.join(", ")
            );
        }
    }
    let (summary, peaks) = match &case.process {
        None => {
            let results = run_model(&model, &[], &case.name, out, false, choice)?;
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
    write_summary(&out.dir, &summary)?;
    println!("wrote {}", out.show("summary.json"));
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

/// Runs every `[[variant]]` of a case into `out/<variant>/` and compares
/// them side by side: final warpage and stresses, and the peak over the
/// recipe of each watched part's stresses; writes comparison.csv/.json.
pub fn run_variants(
    args: &CaseArgs,
    variants: &[String],
    out: &Out,
    choice: SolverChoice,
) -> Result<()> {
    // every variant read and its mesh size checked before the first runs
    let cases: Vec<Case> = variants
        .iter()
        .map(|v| args.load_variant(Some(v)))
        .collect::<Result<_>>()?;
    let mut results = Vec::new();
    for (v, case) in variants.iter().zip(&cases) {
        println!("=== variant '{v}' ===");
        let (summary, peaks) = run_case(case, &args.case, &out.join(v)?, choice)?;
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
    write_text(&out.file("comparison.csv"), &table)?;
    write_text(
        &out.file("comparison.json"),
        &(serde_json::to_string_pretty(&json)? + "\n"),
    )?;
    println!("wrote {}", out.show("comparison.csv"));
    Ok(())
}

/// Runs a case's bonding recipe with a progress bar: a line and a `.vtu`
/// per mechanical state, the `.pvd` over time, `history.csv`/`.json` and
/// `history.png`; returns the final state's summary.
fn run_recipe_case(
    case: &Case,
    recipe: &Recipe,
    mut model: solver::model::Model,
    out: &Out,
    choice: SolverChoice,
) -> Result<(Summary, Peaks)> {
    // the fields are built and compressed on a thread of their own while
    // the recipe goes on
    let mut files = RecipeFiles::create(&out.dir, case, &model, recipe)?;
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
        Progress::Prepared(estimate) => bar.suspend(|| print_memory_estimate(estimate)),
    })?;
    bar.finish_and_clear();
    for w in cases::recipe::end_warnings(&outputs) {
        eprintln!("warning: {w}");
    }
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
        out.show(&format!("{}.pvd", case.name))
    );
    let _ = written.pvd;
    let summaries: Vec<Summary> = outputs.iter().map(|o| o.summary.clone()).collect();
    Ok((
        outputs.last().expect("a recipe has steps").summary.clone(),
        watched_peaks(case, &summaries),
    ))
}

/// The line printed for a recipe state: time, step, temperatures, warpage,
/// bump stress, degree of cure and why it was solved.
pub fn state_line(o: &RecipeOutput) -> String {
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
    let plastic = o
        .summary
        .bump_plasticity
        .as_ref()
        .map(|p| {
            format!(
                " (PEEQ max {:.3} %)",
                100.0 * p.equivalent_plastic_strain_max
            )
        })
        .unwrap_or_default();
    let newton = o
        .newton
        .as_ref()
        .filter(|n| n.increments > 0)
        .map(|n| {
            format!(
                "  Newton {} incr, {:.1} it/incr (max {}){}",
                n.increments,
                n.iterations as f64 / n.increments as f64,
                n.max_iterations,
                if n.cutbacks > 0 {
                    format!(", {} cutbacks", n.cutbacks)
                } else {
                    String::new()
                }
            )
        })
        .unwrap_or_default();
    format!(
        "{:>9.3} s  {:<12} T {lo:.1}..{hi:.1} C  warpage {}  bumps {:.1} MPa{plastic}{}{}{newton}",
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
