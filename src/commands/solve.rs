//! `pkgstress solve`: a keyword deck, step by step.

use super::{print_memory_estimate, print_peak_memory, Out};
use anyhow::{Context, Result};
use solver::analysis::StaticAnalysis;
use solver::io::deck_writer::ModelChange;
use solver::io::{csv::write_nodes_csv, deck::read_deck, vtk};
use solver::linear::SolverChoice;
use solver::post::{part_extremes, PartPoints};
use std::path::Path;

pub fn solve(deck_path: &Path, out: &Out, csv: bool, choice: SolverChoice) -> Result<()> {
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
    run_model(&deck.model, &deck.changes, &stem, out, csv, choice)
        .with_context(|| deck_path.display().to_string())?;
    Ok(())
}

/// Solves every step of `model`, printing a summary per step and writing
/// `<stem>.pvd` with a `.vtu` per step (and nodal CSV files with `csv`);
/// `changes` (empty, or one per step) removes cells and adds them
/// strain-free in the deformed state at the start of a step.
pub fn run_model(
    model: &solver::model::Model,
    changes: &[ModelChange],
    stem: &str,
    out: &Out,
    csv: bool,
    choice: SolverChoice,
) -> Result<Vec<solver::analysis::StepResult>> {
    println!(
        "{} nodes, {} elements, {} parts, {} steps",
        model.mesh.num_nodes(),
        model.mesh.num_cells(),
        model.mesh.part_names.len(),
        model.steps.len()
    );

    let points = PartPoints::new(&model.mesh);
    let mut analysis = StaticAnalysis::new(model, choice);
    if let Some(first) = model.steps.first() {
        print_memory_estimate(&analysis.prepare(first)?);
    }
    let mut results = Vec::new();
    let mut collection = Vec::new();
    for (k, step) in model.steps.iter().enumerate() {
        if let Some(change) = changes.get(k) {
            apply_change(&mut analysis, change, step, results.last())?;
        }
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
        if let Some(n) = &result.newton {
            println!(
                "  Newton: {} increments, iterations per increment {:?}{}, {} points flowing in the last",
                n.iterations.len(),
                n.iterations,
                if n.cutbacks > 0 { format!(", {} cutbacks", n.cutbacks) } else { String::new() },
                n.plastic_points
            );
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
        let t_write = std::time::Instant::now();
        let file = format!("{stem}_step{}.vtu", k + 1);
        vtk::write_vtu(&out.file(&file), model, &points, &result)
            .with_context(|| format!("writing {file}"))?;
        if csv {
            let name = format!("nodes_{}.csv", k + 1);
            write_nodes_csv(&out.file(&name), model, &result)
                .with_context(|| format!("writing {name}"))?;
        }
        collection.push((result.time, file.clone()));
        let pvd = out.file(&format!("{stem}.pvd"));
        vtk::write_pvd(&pvd, &collection).with_context(|| format!("writing {stem}.pvd"))?;
        println!("  wrote {file} in {:.3} s", t_write.elapsed().as_secs_f64());
        results.push(result);
    }
    println!("wrote {}", out.show(&format!("{stem}.pvd")));
    Ok(results)
}

/// A step's `*MODEL CHANGE` ([`StaticAnalysis::apply_model_change`]), said.
fn apply_change(
    analysis: &mut StaticAnalysis<'_>,
    change: &ModelChange,
    step: &solver::model::Step,
    last: Option<&solver::analysis::StepResult>,
) -> Result<()> {
    let state = last.map(|r| (&r.displacement[..], &r.temperature[..]));
    analysis.apply_model_change(change, &step.constraints, state)?;
    if !change.remove.is_empty() {
        println!("  removed {} elements", change.remove.len());
    }
    if !change.add.is_empty() {
        println!("  added {} elements strain-free", change.add.len());
    }
    Ok(())
}
