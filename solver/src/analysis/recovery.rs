//! Stress recovery at the integration points, and the points' volumes.

use super::assemble::Workspaces;
use super::error::AnalysisError;
use super::state::CellState;
use crate::model::Model;
use crate::points::QpField;
use rayon::prelude::*;

/// Stresses `σ = D(T)(ε − ε_th − ε₀)` (MPa) at the integration points of
/// every cell (zero in absent cells).
pub(super) fn recover_stresses(
    model: &Model,
    locate: &[(usize, usize)],
    state: &CellState,
    displacement: &[[f64; 3]],
    temperature: &[f64],
) -> Result<QpField, AnalysisError> {
    let per_cell: Vec<Vec<[f64; 6]>> = (0..locate.len())
        .into_par_iter()
        .map_init(Workspaces::default, |ws, cell| {
            if !state.active[cell] {
                // an absent cell carries no stress
                return Ok(vec![[0.0; 6]; state.eigenstrain.cell(cell).len()]);
            }
            let (w, block, c) = ws.gather(model, cell, locate[cell], temperature);
            w.eps0.copy_from_slice(state.eigenstrain.cell(cell));
            w.gather_displacement(block.cell(c), displacement);
            let material = &model.materials[model.cell_material[cell]];
            w.strains(material)
                .map_err(|source| AnalysisError::jacobian(block, c, source))?;
            let mut out = Vec::with_capacity(w.values.num_points());
            w.stresses_into(material, &mut out);
            Ok(out)
        })
        .collect::<Result<_, AnalysisError>>()?;
    let mut offsets = Vec::with_capacity(per_cell.len() + 1);
    offsets.push(0);
    for p in &per_cell {
        offsets.push(offsets.last().unwrap() + p.len());
    }
    Ok(QpField {
        offsets,
        data: per_cell.into_iter().flatten().collect(),
    })
}

/// Volume `det J · w` (mm³) of every integration point of the stiffness
/// rule, cell after cell as in [`QpField`] (absent cells included; NaN at
/// the points of a cell whose Jacobian fails, which only an absent cell can
/// have: an active one stops the assembly).
pub(super) fn point_volumes(model: &Model, locate: &[(usize, usize)]) -> Vec<f64> {
    let per_cell: Vec<Vec<f64>> = (0..locate.len())
        .into_par_iter()
        .map_init(Workspaces::default, |ws, cell| {
            let (w, ..) = ws.gather(model, cell, locate[cell], &model.initial_temperature);
            let nq = w.values.num_points();
            match w.values.reinit(&w.x) {
                Ok(()) => (0..nq).map(|q| w.values.detj_w(q)).collect(),
                Err(_) => vec![f64::NAN; nq],
            }
        })
        .collect();
    per_cell.into_iter().flatten().collect()
}
