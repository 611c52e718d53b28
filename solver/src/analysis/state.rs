//! Which cells carry stiffness and the eigenstrain at each of their
//! integration points: the state births, removals and bonds change.

use crate::model::Model;
use crate::points::QpField;

/// Which cells carry stiffness (element birth and death, as Abaqus's
/// `*MODEL CHANGE`), and the eigenstrain ε₀ at every integration point
/// (`σ = D(ε − ε_th − ε₀)`): zero for cells present from the start, the
/// strain-free state for a cell born later.
#[derive(Clone, Debug)]
pub struct CellState {
    pub active: Vec<bool>,
    pub eigenstrain: QpField,
}

impl CellState {
    /// Every cell active, no eigenstrain.
    pub fn all_active(model: &Model) -> Self {
        let mut offsets = vec![0];
        for (_, b, _) in model.mesh.cells() {
            let nq = crate::element::stiffness_rule(model.mesh.blocks[b].kind).len();
            offsets.push(offsets.last().unwrap() + nq);
        }
        let total = *offsets.last().unwrap();
        CellState {
            active: vec![true; model.mesh.num_cells()],
            eigenstrain: QpField {
                offsets,
                data: vec![[0.0; 6]; total],
            },
        }
    }
}

/// Nodes of the cells flagged in `cells`.
pub(crate) fn nodes_of(model: &Model, cells: &[bool]) -> Vec<bool> {
    let mut used = vec![false; model.mesh.num_nodes()];
    for (cell, b, c) in model.mesh.cells() {
        if cells[cell] {
            for &v in model.mesh.blocks[b].cell(c) {
                used[v] = true;
            }
        }
    }
    used
}
