//! Coloured parallel assembly of the stiffness and the thermal load, and
//! the per-thread, per-kind element workspaces it and the recovery use.

use super::error::AnalysisError;
use super::state::CellState;
use crate::assembly::{scatter, Coloring, DofMap, Pattern, SharedMut};
use crate::mechanics::CellWorkspace;
use crate::model::{Model, Step};
use mesher::CellKind;
use rayon::prelude::*;

/// One lazily created workspace per cell kind, per thread.
#[derive(Default)]
pub(crate) struct Workspaces([Option<CellWorkspace>; CellKind::COUNT]);

impl Workspaces {
    /// The workspace of the kind of global cell `cell` (at `(block, local)`),
    /// with the cell's coordinates and temperatures gathered (the part's
    /// stress-free temperature, if it has one, replaces the initial one);
    /// also its block and local index.
    pub fn gather<'s, 'm>(
        &'s mut self,
        model: &'m Model,
        cell: usize,
        (b, c): (usize, usize),
        temperature: &[f64],
    ) -> (&'s mut CellWorkspace, &'m mesher::CellBlock, usize) {
        let block = &model.mesh.blocks[b];
        let w = self.0[block.kind as usize].get_or_insert_with(|| CellWorkspace::new(block.kind));
        w.gather(
            block.cell(c),
            &model.mesh.coordinates,
            temperature,
            &model.initial_temperature,
        );
        if let Some(ts) = model.stress_free_override(cell) {
            w.t0.iter_mut().for_each(|t| *t = ts);
        }
        (w, block, c)
    }
}

/// A slice shared by the threads of a cell loop, each cell writing only
/// its own disjoint part (its points' states or stresses).
#[derive(Copy, Clone)]
pub(super) struct Disjoint<T>(*mut T, usize);
unsafe impl<T: Send> Send for Disjoint<T> {}
unsafe impl<T: Send> Sync for Disjoint<T> {}

impl<T> Disjoint<T> {
    pub(super) fn new(s: &mut [T]) -> Self {
        Disjoint(s.as_mut_ptr(), s.len())
    }

    /// `len` elements from `start`.
    ///
    /// # Safety
    /// No other thread may use any element of the range while the slice
    /// lives.
    #[allow(clippy::mut_from_ref)]
    pub(super) unsafe fn slice<'a>(&self, start: usize, len: usize) -> &'a mut [T] {
        assert!(start + len <= self.1, "range inside the slice");
        std::slice::from_raw_parts_mut(self.0.add(start), len)
    }
}

/// What assembly reads: the model, its colouring and cell locations, and
/// the step's equations.
pub(super) struct AssemblyInput<'a> {
    pub(super) model: &'a Model,
    pub(super) coloring: &'a Coloring,
    pub(super) locate: &'a [(usize, usize)],
    pub(super) dofs: &'a DofMap,
    pub(super) pattern: &'a Pattern,
    pub(super) step: &'a Step,
    pub(super) state: &'a CellState,
}

/// Assembles the stiffness (upper CSC values) and the thermal load vector.
pub(super) fn assemble(
    input: &AssemblyInput<'_>,
    values: &mut [f64],
    rhs: &mut [f64],
) -> Result<(), AnalysisError> {
    let AssemblyInput {
        model,
        coloring,
        locate,
        dofs,
        pattern,
        step,
        state,
    } = *input;
    let vals = SharedMut::new(values);
    let f = SharedMut::new(rhs);
    for color in &coloring.colors {
        color
            .par_iter()
            .try_for_each_init(Workspaces::default, |ws, &cell| {
                if !state.active[cell] {
                    return Ok(());
                }
                let (w, block, c) = ws.gather(model, cell, locate[cell], &step.temperature);
                w.eps0.copy_from_slice(state.eigenstrain.cell(cell));
                w.stiffness_and_thermal_load(&model.materials[model.cell_material[cell]])
                    .map_err(|source| AnalysisError::jacobian(block, c, source))?;
                let nodes = block.cell(c);
                // SAFETY: cells of one colour share no node (see `Coloring`).
                unsafe { scatter(nodes, &w.ke, &w.fe, dofs, pattern, vals, f) };
                Ok(())
            })?;
    }
    Ok(())
}
