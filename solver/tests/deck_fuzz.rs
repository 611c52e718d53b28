//! Mutated decks never make the reader or the solver panic: every outcome is
//! either a model (and then a solution or a solver error) or a `DeckError`
//! that names a line of the input.

use proptest::prelude::*;
use solver::analysis::StaticAnalysis;
use solver::io::deck::parse_deck;
use solver::linear::SolverChoice;
use std::path::Path;

const GOOD: &str = "*HEADING
two C3D8 cells
*NODE, NSET=ALL
1, 0, 0, 0
2, 1, 0, 0
3, 1, 1, 0
4, 0, 1, 0
5, 0, 0, 1
6, 1, 0, 1
7, 1, 1, 1
8, 0, 1, 1
9, 2, 0, 0
10, 2, 1, 0
11, 2, 0, 1
12, 2, 1, 1
*ELEMENT, TYPE=C3D8, ELSET=BLOCK
1, 1, 2, 3, 4, 5, 6, 7, 8
2, 2, 9, 10, 3, 6, 11, 12, 7
*NSET, NSET=LEFT
1, 4, 5, 8
*ELSET, ELSET=E2, GENERATE
1, 2, 1
*MATERIAL, NAME=STEEL
*ELASTIC, TYPE=ISO
210000, 0.3, 20
200000, 0.3, 200
*EXPANSION, TYPE=ISO, ZERO=20
1.2e-5
*SOLID SECTION, ELSET=BLOCK, MATERIAL=STEEL
*BOUNDARY
LEFT, 1, 3
*INITIAL CONDITIONS, TYPE=TEMPERATURE
ALL, 20
*STEP
*STATIC
1., 1.
*TEMPERATURE
ALL, 120
*CLOAD
9, 3, -10.0
*END STEP
";

fn mutate(edits: &[(prop::sample::Index, u8, char)]) -> String {
    let mut text: Vec<char> = GOOD.chars().collect();
    for (idx, op, ch) in edits {
        if text.is_empty() {
            text.push(*ch);
            continue;
        }
        let i = idx.index(text.len());
        match op {
            0 => {
                text.remove(i);
            }
            1 => text.insert(i, *ch),
            2 => text[i] = *ch,
            _ => {
                // duplicate a line elsewhere
                let line: Vec<char> = text[i..]
                    .iter()
                    .take_while(|&&c| c != '\n')
                    .copied()
                    .collect();
                let j = idx.index(text.len() + 1).min(text.len());
                text.splice(j..j, line.into_iter().chain(std::iter::once('\n')));
            }
        }
    }
    text.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn mutated_decks_never_panic(
        edits in prop::collection::vec(
            (any::<prop::sample::Index>(), 0u8..4, prop::sample::select(vec![',', '*', '=', '.', '-', 'e', '0', '1', '9', ' ', '\n', 'A', 'N'])),
            1..6,
        )
    ) {
        let text = mutate(&edits);
        match parse_deck(&text, Path::new("fuzz.inp")) {
            Ok(deck) => {
                let model = deck.model;
                let mut analysis = StaticAnalysis::new(&model, SolverChoice::Direct);
                for step in &model.steps {
                    if let Ok(r) = analysis.solve_step(step) {
                        prop_assert!(r.displacement.iter().flatten().all(|v| v.is_finite()));
                    }
                }
            }
            Err(e) => {
                prop_assert!(e.line <= text.lines().count().max(1), "error names line {} of {}", e.line, text.lines().count());
                prop_assert!(!e.message.is_empty());
            }
        }
    }
}

#[test]
fn the_unmutated_deck_parses_and_solves() {
    let model = parse_deck(GOOD, Path::new("good.inp")).unwrap().model;
    assert_eq!(
        (
            model.mesh.num_nodes(),
            model.mesh.num_cells(),
            model.steps.len()
        ),
        (12, 2, 1)
    );
    assert_eq!(model.mesh.cell_sets["E2"], vec![0, 1]);
    StaticAnalysis::new(&model, SolverChoice::Direct)
        .solve_step(&model.steps[0])
        .unwrap();
}
