//! The recipe's mechanical states as a multi-step deck for a peer code
//! (`export-inp`): one static step per state, `*MODEL CHANGE` for births
//! and removals, bonds as strain-free copies of the bonded cells.

use super::format::Recipe;
use super::run::RecipeOutput;
use crate::case::{Case, CaseError};
use solver::io::deck_writer::ModelChange;
use solver::model::{Model, Step};
use std::collections::BTreeMap;

/// The recipe as a deck: see [`recipe_deck_model`].
pub struct RecipeDeck {
    /// One static step per state (and one per birth), bonded cells
    /// duplicated.
    pub model: Model,
    /// The `*MODEL CHANGE` of each step.
    pub changes: Vec<ModelChange>,
    /// For every cell of the deck, the cell of the recipe's model it
    /// stands for (a bonded cell's copies stand for it).
    pub origin: Vec<usize>,
}

/// The recipe's mechanical states as a multi-step model for a deck
/// (`export-inp`): one static step per state with its nodal temperatures,
/// supports and head load, and the `*MODEL CHANGE` of each step — cells
/// inactive at the first state removed in the first step, cells born since
/// the previous state added strain-free, cells removed since then removed.
/// A bond (cells made strain-free where they stand) becomes a copy of the
/// cells on the same nodes, in a part `<part>_bond<k>`, added strain-free
/// at the bond's state while the originals are removed in the next step.
/// Chemical cure shrinkage has no deck equivalent and is refused.
pub fn recipe_deck_model(
    case: &Case,
    recipe: &Recipe,
    model: &Model,
    outputs: &[RecipeOutput],
) -> Result<RecipeDeck, CaseError> {
    if let Some((part, _)) = recipe.cure.iter().find(|(_, c)| c.shrinkage > 0.0) {
        return Err(CaseError::Recipe {
            file: case.file.clone(),
            message: format!(
                "process.cure.{part}: chemical shrinkage has no equivalent in the deck; export with --set process.cure.{part}.shrinkage=0"
            ),
        });
    }
    let mut deck = model.clone();
    deck.initial_temperature = vec![recipe.start; model.mesh.num_nodes()];
    // a part born during the recipe is stress-free at its birth whatever its
    // own stress-free temperature: drop that (it would need a ZERO= copy)
    if let Some(first) = outputs.first() {
        for (p, sf) in deck.part_stress_free_temperature.iter_mut().enumerate() {
            let born_later = (0..model.mesh.num_cells())
                .any(|c| model.mesh.cell_part[c] == p && !first.active[c]);
            if born_later {
                *sf = None;
            }
        }
    }
    let (origin, current_at) = add_bond_copies(&mut deck, model, outputs);
    let changes = add_state_steps(
        &mut deck,
        model.mesh.num_cells(),
        outputs,
        &origin,
        &current_at,
    );
    Ok(RecipeDeck {
        model: deck,
        changes,
        origin,
    })
}

/// Appends to `deck` a copy of the cells of every bond, on the same nodes,
/// in a part `<part>_bond<k>`. Returns the origin of every deck cell and,
/// per state, the deck cell standing for each cell of `model` then.
fn add_bond_copies(
    deck: &mut Model,
    model: &Model,
    outputs: &[RecipeOutput],
) -> (Vec<usize>, Vec<Vec<usize>>) {
    let ncells = model.mesh.num_cells();
    let mut origin: Vec<usize> = (0..ncells).collect();
    let mut current: Vec<usize> = (0..ncells).collect(); // deck cell standing for each cell
    let mut current_at = Vec::with_capacity(outputs.len());
    let locate: Vec<(usize, usize)> = model.mesh.cells().map(|(_, b, c)| (b, c)).collect();
    let mut next_id = model
        .mesh
        .blocks
        .iter()
        .flat_map(|b| b.cell_ids.iter().copied())
        .max()
        .unwrap_or(0);
    let mut bonds = 0;
    for o in outputs {
        current_at.push(current.clone());
        if o.bonded.is_empty() {
            continue;
        }
        bonds += 1;
        // one block per kind, appended, so existing cell indices stay
        let mut new_parts: BTreeMap<usize, usize> = BTreeMap::new();
        for &c in &o.bonded {
            let (b, i) = locate[c];
            let kind = model.mesh.blocks[b].kind;
            let part = model.mesh.cell_part[c];
            let p = *new_parts.entry(part).or_insert_with(|| {
                deck.mesh
                    .part_names
                    .push(format!("{}_bond{bonds}", model.mesh.part_names[part]));
                deck.part_stress_free_temperature
                    .resize(deck.mesh.part_names.len(), None);
                deck.mesh.part_names.len() - 1
            });
            let block = match deck.mesh.blocks.last_mut() {
                Some(last) if last.kind == kind && deck.mesh.cell_part.len() > ncells => last,
                _ => {
                    deck.mesh.blocks.push(mesher::CellBlock::new(kind));
                    deck.mesh.blocks.last_mut().expect("just pushed")
                }
            };
            block
                .connectivity
                .extend_from_slice(model.mesh.blocks[b].cell(i));
            next_id += 1;
            block.cell_ids.push(next_id);
            deck.mesh.cell_part.push(p);
            deck.cell_material.push(model.cell_material[c]);
            origin.push(c);
            current[c] = origin.len() - 1;
        }
    }
    (origin, current_at)
}

/// Replaces `deck`'s steps by one per state (and one per birth, at the
/// previous state); returns each step's model change.
fn add_state_steps(
    deck: &mut Model,
    ncells: usize,
    outputs: &[RecipeOutput],
    origin: &[usize],
    current_at: &[Vec<usize>],
) -> Vec<ModelChange> {
    let cells_total = origin.len();
    // the deck cells active at each state
    let active_at = |i: usize| -> Vec<bool> {
        let mut a = vec![false; cells_total];
        for c in 0..ncells {
            if outputs[i].active[c] {
                a[current_at[i][c]] = true;
            }
        }
        a
    };
    deck.steps = Vec::new();
    let mut changes = Vec::new();
    let mut previous = vec![true; cells_total];
    for (i, o) in outputs.iter().enumerate() {
        let now = active_at(i);
        let removed: Vec<usize> = (0..cells_total)
            .filter(|&c| previous[c] && !now[c])
            .collect();
        let added: Vec<usize> = (0..cells_total)
            .filter(|&c| !previous[c] && now[c])
            .collect();
        // births get a step of their own at the previous state (same
        // temperatures, supports and loads): strain-free there, as pkgstress
        // births them, whatever temperature the solver would use within the
        // following step
        if !added.is_empty() {
            let prev = &outputs[i - 1]; // nothing is born before the first state
            deck.steps.push(Step {
                name: format!("birth-{}", i + 1),
                time: prev.time + 1e-6 * (o.time - prev.time),
                constraints: prev.constraints.clone(),
                loads: prev.loads.clone(),
                temperature: prev.result.temperature.clone(),
                increments: Default::default(),
                visco: false,
            });
            changes.push(ModelChange {
                remove: Vec::new(),
                add: added,
            });
        }
        deck.steps.push(Step {
            name: format!("{}-{}", o.step, i + 1),
            time: o.time,
            constraints: o.constraints.clone(),
            loads: o.loads.clone(),
            temperature: o.result.temperature.clone(),
            increments: Default::default(),
            // the recipe's time passes: viscoelastic materials relax
            visco: true,
        });
        changes.push(ModelChange {
            remove: removed,
            add: Vec::new(),
        });
        previous = now;
    }
    changes
}
