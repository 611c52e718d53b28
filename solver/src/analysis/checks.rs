//! What a step's results must satisfy before anyone reads them, and what a
//! singular stiffness says about the model: every number finite, and the
//! parts left floating named.

use super::error::AnalysisError;
use crate::model::{Model, Step};
use crate::points::QpField;
use crate::post::von_mises;
use mesher::CellKind;
use std::collections::{BTreeMap, BTreeSet};

/// Checks that the displacements and the stresses (with their von Mises
/// value, whose squares overflow first) of a step are finite; otherwise
/// names the step and the largest loads and temperatures it was given.
pub(super) fn finite_results(
    step: &Step,
    displacement: &[[f64; 3]],
    stress: &QpField,
) -> Result<(), AnalysisError> {
    let u_ok = displacement.iter().flatten().all(|v| v.is_finite());
    let s_ok = stress
        .data
        .iter()
        .all(|s| s.iter().all(|v| v.is_finite()) && von_mises(s).is_finite());
    if u_ok && s_ok {
        return Ok(());
    }
    Err(not_finite(
        step,
        if u_ok { "stresses" } else { "displacements" },
    ))
}

/// The error of results that overflowed in `step` (`what`: which ones).
pub(super) fn not_finite(step: &Step, what: &'static str) -> AnalysisError {
    let largest = |v: &mut dyn Iterator<Item = f64>| v.fold(0.0f64, |m, x| m.max(x.abs()));
    AnalysisError::NotFinite {
        step: step.name.clone(),
        what,
        temperature: largest(&mut step.temperature.iter().copied()),
        load: largest(&mut step.loads.values().copied()),
        displacement: largest(&mut step.constraints.values().copied()),
    }
}

/// The parts of the active cells that no constraint holds: every group of
/// active cells connected through shared nodes that has fewer than six
/// prescribed components, or none in some direction, can move as a rigid
/// body. Returns their part names.
pub(super) fn floating_parts(
    model: &Model,
    active: &[bool],
    constraints: &BTreeMap<(usize, usize), f64>,
) -> Vec<String> {
    let mesh = &model.mesh;
    let mut parent: Vec<usize> = (0..mesh.num_nodes()).collect();
    fn root(parent: &mut [usize], mut v: usize) -> usize {
        while parent[v] != v {
            parent[v] = parent[parent[v]];
            v = parent[v];
        }
        v
    }
    for (cell, b, c) in mesh.cells() {
        if !active[cell] {
            continue;
        }
        let nodes = mesh.blocks[b].cell(c);
        let first = root(&mut parent, nodes[0]);
        for &v in &nodes[1..] {
            let r = root(&mut parent, v);
            parent[r] = first;
        }
    }
    // prescribed components and parts of each group
    let mut held: BTreeMap<usize, (usize, [bool; 3])> = BTreeMap::new();
    for &(v, d) in constraints.keys() {
        let e = held.entry(root(&mut parent, v)).or_insert((0, [false; 3]));
        e.0 += 1;
        e.1[d] = true;
    }
    let mut floating = BTreeSet::new();
    for (cell, b, c) in mesh.cells() {
        if !active[cell] {
            continue;
        }
        let g = root(&mut parent, mesh.blocks[b].cell(c)[0]);
        let ok = held
            .get(&g)
            .is_some_and(|(n, dirs)| *n >= 6 && dirs.iter().all(|&d| d));
        if !ok {
            floating.insert(mesh.part_names[mesh.cell_part[cell]].clone());
        }
    }
    floating.into_iter().collect()
}

/// The error of a stiffness that is not positive definite in `step`:
/// the floating parts if some are, and the C3D20R hint only where the mesh
/// has such cells.
pub(super) fn singular(model: &Model, active: &[bool], step: &Step) -> AnalysisError {
    AnalysisError::Singular {
        step: step.name.clone(),
        floating: floating_parts(model, active, &step.constraints),
        reduced: model.mesh.blocks.iter().any(|b| b.kind == CellKind::Hex20R),
    }
}
