//! The deck `export-inp` writes for a recipe (a step per state with
//! `*TEMPERATURE`, `*MODEL CHANGE` births, removals and bonds) read back by
//! pkgstress's own deck reader and solved with its model changes gives the
//! recipe's own displacements at every state.
//!
//! Reference: the recipe run itself (elastic: each state depends only on
//! its temperatures, supports, loads and the cells' strain-free states, all
//! of which the deck carries). Tolerance, set before the run: 1e-8 of the
//! largest displacement at every state (the deck prints 13 significant
//! digits; the factorisations differ only by the order of assembly).

use cases::recipe::{recipe_deck_model, run_recipe};
use cases::Case;
use solver::analysis::StaticAnalysis;
use solver::io::deck::parse_deck;
use solver::io::deck_writer::write_deck_with_changes;
use solver::linear::SolverChoice;
use std::path::Path;

#[test]
fn a_recipe_deck_solved_with_its_model_changes_gives_the_recipe_states() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let case = Case::from_file(&root.join("cases/cog_flipchip.toml"))
        .unwrap()
        .quick()
        .elastic();
    let recipe = case.process.clone().unwrap();
    let mut model = case.model().unwrap();
    let (outputs, _) =
        run_recipe(&case, &recipe, &mut model, SolverChoice::Direct, |_| {}).unwrap();
    let exported = recipe_deck_model(&case, &recipe, &model, &outputs).unwrap();
    let mut text = Vec::new();
    write_deck_with_changes(&exported.model, &exported.changes, &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("*MODEL CHANGE, TYPE=ELEMENT, ADD=STRAIN FREE"));
    assert!(text.contains("*MODEL CHANGE, TYPE=ELEMENT, REMOVE"));
    let deck = parse_deck(&text, Path::new("recipe.inp")).unwrap();
    assert_eq!(deck.changes.len(), deck.model.steps.len());
    let read = &deck.model;
    let mut analysis = StaticAnalysis::new(read, SolverChoice::Direct);
    let mut last: Option<solver::analysis::StepResult> = None;
    let mut results = Vec::new();
    for (step, change) in read.steps.iter().zip(&deck.changes) {
        let state = last
            .as_ref()
            .map(|r| (&r.displacement[..], &r.temperature[..]));
        analysis
            .apply_model_change(change, &step.constraints, state)
            .unwrap();
        let r = analysis.solve_step(step).unwrap();
        results.push(r.clone());
        last = Some(r);
    }
    // every recipe state is one of the deck's steps, at its time
    let mut checked = 0;
    for o in &outputs {
        let r = results
            .iter()
            .find(|r| (r.time - o.time).abs() <= 1e-9 * o.time.max(1.0))
            .unwrap_or_else(|| panic!("no deck step at {} s", o.time));
        let scale = o
            .result
            .displacement
            .iter()
            .flatten()
            .fold(0.0f64, |m, v| m.max(v.abs()));
        // the deck numbers nodes as the mesh does (node ids in order)
        let worst = o
            .result
            .displacement
            .iter()
            .zip(&r.displacement)
            .flat_map(|(a, b)| (0..3).map(move |k| (a[k] - b[k]).abs()))
            .fold(0.0f64, f64::max);
        assert!(
            worst <= 1e-8 * scale,
            "state at {} s: displacements differ by {worst:e} of {scale:e}",
            o.time
        );
        checked += 1;
    }
    assert_eq!(checked, outputs.len());
}
