//! The curing cells of a recipe, cell by cell: each one's law, degree of
//! cure α (advanced from its cell-mean temperature, `materials::cure`),
//! whether it has gelled (and so been born), and the chemical shrinkage
//! strain applied to it so far.

use materials::cure::Cure;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// Degree of cure of one curing part at an output time.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CureState {
    /// Volume-unweighted mean over the part's cells.
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    /// Fraction of the part's cells past the gel point (born).
    pub gelled: f64,
}

pub(super) struct CuringCells {
    /// `(cell, law)`: the global cell and its part's index in the recipe's
    /// cure list.
    pub cells: Vec<(usize, usize)>,
    /// The global cells alone, in the same order.
    pub ids: Vec<usize>,
    /// Degree of cure (0 to 1).
    pub alpha: Vec<f64>,
    pub gelled: Vec<bool>,
    /// Isotropic shrinkage strain applied so far (from the gel point on).
    pub shrunk: Vec<f64>,
}

impl CuringCells {
    /// The cells of each curing part, `cells_of(part)`, uncured.
    pub fn new(laws: &[(String, Cure)], cells_of: impl Fn(&str) -> Vec<usize>) -> Self {
        let mut cells = Vec::new();
        for (k, (part, _)) in laws.iter().enumerate() {
            cells.extend(cells_of(part).into_iter().map(|c| (c, k)));
        }
        let n = cells.len();
        CuringCells {
            ids: cells.iter().map(|&(c, _)| c).collect(),
            cells,
            alpha: vec![0.0; n],
            gelled: vec![false; n],
            shrunk: vec![0.0; n],
        }
    }

    /// Advances every cell over `dt` s with its cell-mean temperature going
    /// linearly from `before` to `after` (°C, in the order of `ids`);
    /// returns the indices of the cells that reached their gel point now.
    pub fn advance(
        &mut self,
        laws: &[(String, Cure)],
        before: &[f64],
        after: &[f64],
        dt: f64,
    ) -> Vec<usize> {
        let cells = &self.cells;
        self.alpha.par_iter_mut().enumerate().for_each(|(i, a)| {
            *a = laws[cells[i].1].1.advance(*a, before[i], after[i], dt);
        });
        (0..self.cells.len())
            .filter(|&i| !self.gelled[i] && self.alpha[i] >= laws[self.cells[i].1].1.gel)
            .collect()
    }

    /// The shrinkage strain increment of every gelled cell since the last
    /// call, `(cell, Δε)`, recorded as applied.
    pub fn shrinkage_increments(&mut self, laws: &[(String, Cure)]) -> Vec<(usize, f64)> {
        let mut out = Vec::new();
        for i in (0..self.cells.len()).filter(|&i| self.gelled[i]) {
            let target = laws[self.cells[i].1].1.shrinkage_strain(self.alpha[i]);
            out.push((self.cells[i].0, target - self.shrunk[i]));
            self.shrunk[i] = target;
        }
        out
    }

    /// Marks cells `idx` gelled: born stress-free now, so their shrinkage
    /// counts from here.
    pub fn gel(&mut self, laws: &[(String, Cure)], idx: impl IntoIterator<Item = usize>) {
        for i in idx {
            self.gelled[i] = true;
            self.shrunk[i] = laws[self.cells[i].1].1.shrinkage_strain(self.alpha[i]);
        }
    }

    /// Degree of cure of each curing part; cells in `newly` count as gelled.
    pub fn states(&self, laws: &[(String, Cure)], newly: &[usize]) -> BTreeMap<String, CureState> {
        let mut cure = BTreeMap::new();
        for (k, (p, _)) in laws.iter().enumerate() {
            let idx: Vec<usize> = (0..self.cells.len())
                .filter(|&i| self.cells[i].1 == k)
                .collect();
            if idx.is_empty() {
                continue;
            }
            let a: Vec<f64> = idx.iter().map(|&i| self.alpha[i]).collect();
            let gelled = idx
                .iter()
                .filter(|&&i| self.gelled[i] || newly.contains(&i))
                .count();
            cure.insert(
                p.clone(),
                CureState {
                    mean: a.iter().sum::<f64>() / a.len() as f64,
                    min: a.iter().copied().fold(f64::INFINITY, f64::min),
                    max: a.iter().copied().fold(0.0, f64::max),
                    gelled: gelled as f64 / idx.len() as f64,
                },
            );
        }
        cure
    }

    /// Degree of cure per global cell, −1 for cells that do not cure.
    pub fn per_cell(&self, ncells: usize) -> Vec<f64> {
        let mut cell_cure = vec![-1.0; ncells];
        for (i, &(c, _)) in self.cells.iter().enumerate() {
            cell_cure[c] = self.alpha[i];
        }
        cell_cure
    }
}
