//! Which cells carry stiffness and the eigenstrain at each of their
//! integration points: the state births, removals and bonds change.

use crate::model::Model;
use crate::points::QpField;
use materials::plastic::PlasticState;

/// Which cells carry stiffness (element birth and death, as Abaqus's
/// `*MODEL CHANGE`), and the eigenstrain ε₀ at every integration point
/// (`σ = D(ε − ε_th − ε₀)`): zero for cells present from the start, the
/// strain-free state for a cell born later.
///
/// For path-dependent materials it is also the history store, committed
/// only when an increment converges: the plastic state of every point
/// (laid out like `eigenstrain`), the viscoelastic state of every point of
/// a viscoelastic material ([`ViscousStore`]) and the incompatible-mode
/// amplitudes of every C3D8I cell. A newborn or removed cell starts again
/// from no history.
#[derive(Clone, Debug)]
pub struct CellState {
    pub active: Vec<bool>,
    pub eigenstrain: QpField,
    /// Converged plastic state of every point.
    pub plastic: Vec<PlasticState>,
    /// Converged viscoelastic states.
    pub viscous: ViscousStore,
    /// Converged incompatible-mode amplitudes of every cell (C3D8I's 9;
    /// zero for other kinds), mm.
    pub modes: Vec<[f64; 9]>,
}

/// The viscoelastic states of the points of viscoelastic cells, each cell's
/// points one after another ([`materials::viscoelastic`] lays out a
/// point's values); other cells hold none.
#[derive(Clone, Debug, Default)]
pub struct ViscousStore {
    /// Where each cell's values start (one more than the cells).
    pub offsets: Vec<usize>,
    pub data: Vec<f64>,
}

impl ViscousStore {
    /// The range of `cell`'s values.
    pub fn range(&self, cell: usize) -> std::ops::Range<usize> {
        self.offsets[cell]..self.offsets[cell + 1]
    }

    /// `cell`'s values.
    pub fn cell(&self, cell: usize) -> &[f64] {
        &self.data[self.range(cell)]
    }
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
        let mut viscous = vec![0];
        for (cell, _, _) in model.mesh.cells() {
            let points = offsets[cell + 1] - offsets[cell];
            let len = model.materials[model.cell_material[cell]].viscous_state_len();
            viscous.push(viscous.last().unwrap() + points * len);
        }
        let viscous_total = *viscous.last().unwrap();
        CellState {
            active: vec![true; model.mesh.num_cells()],
            eigenstrain: QpField {
                offsets,
                data: vec![[0.0; 6]; total],
            },
            plastic: vec![PlasticState::default(); total],
            viscous: ViscousStore {
                offsets: viscous,
                data: vec![0.0; viscous_total],
            },
            modes: vec![[0.0; 9]; model.mesh.num_cells()],
        }
    }

    /// Forgets the history of `cell` (no plastic strain, no viscoelastic
    /// state, no mode amplitude).
    pub fn reset_history(&mut self, cell: usize) {
        let (a, b) = (
            self.eigenstrain.offsets[cell],
            self.eigenstrain.offsets[cell + 1],
        );
        self.plastic[a..b].fill(PlasticState::default());
        self.reset_viscous(cell);
        self.modes[cell] = [0.0; 9];
    }

    /// Forgets the viscoelastic state of `cell`: its internal stresses
    /// vanish and its strain is measured from its present eigenstrain.
    pub fn reset_viscous(&mut self, cell: usize) {
        let r = self.viscous.range(cell);
        self.viscous.data[r].fill(0.0);
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
