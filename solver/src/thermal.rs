//! Transient heat conduction, `ρ c_p ∂T/∂t = ∇·(k ∇T)`, by backward Euler:
//! `(C/Δt + K) T⁺ = (C/Δt) T`, with prescribed temperatures eliminated like
//! prescribed displacements, and insulated faces elsewhere. `k`, `ρ`, `c_p`
//! come from each material's thermal table, evaluated at the previous
//! temperature (semi-implicit; first order in time like the scheme itself).
//!
//! Units (see the crate docs): T °C, k mW/(mm·°C), ρ t/mm³, c_p mJ/(t·°C),
//! Δt s; `K` is in mW/°C, `C` in mJ/°C, heat in mJ.
//!
//! The colouring and equation order come from the model's
//! [`MeshGraph`](crate::graph::MeshGraph), built once per model; the pattern
//! and symbolic factorisation are built once per set of prescribed nodes and
//! reused by every time step.

use crate::assembly::{scatter, DofMap, Pattern, SharedMut, NO_EQUATION};
use crate::graph::MeshGraph;
use crate::linear::{DirectCholesky, FactorReuse, SolverError};
use crate::mechanics::interpolate;
use crate::quadrature::{hex_gauss, tet_4point, QuadratureRule};
use crate::values::{CellValues, JacobianError};
use materials::library::ThermalProperties;
use mesher::{CellKind, Mesh, Shape};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Quadrature for conduction and capacity: full integration of every kind
/// (reduced integration would leave the capacity matrix rank-deficient).
pub fn thermal_rule(kind: CellKind) -> QuadratureRule {
    match kind.shape() {
        Shape::Hex8 => hex_gauss(2),
        Shape::Hex20 => hex_gauss(3),
        Shape::Tet10 => tet_4point(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ThermalError {
    #[error("element {element}: {cause}")]
    Jacobian { element: u64, cause: JacobianError },
    #[error("material {0} has no thermal properties (conductivity, density, specific heat)")]
    MissingProperties(usize),
    #[error(transparent)]
    Solver(#[from] SolverError),
    #[error("the time step must be positive and finite, got {0} s")]
    BadTimeStep(f64),
    #[error("the heat-conduction equations are singular or overflow (the temperatures would not be finite): check the conductivities, densities and specific heats, and the film coefficients and tool conductances (up to {film:e} mW/(mm² C) here)")]
    Singular { film: f64 },
}

/// Convection `q = h (T − T_∞)` out of exterior faces.
#[derive(Clone, Debug)]
pub struct Convection {
    /// `(global cell, face index)` of the convecting faces.
    pub faces: Vec<(usize, usize)>,
    /// Film coefficient h, mW/(mm²·°C).
    pub film: f64,
    /// Ambient temperature T_∞, °C.
    pub ambient: f64,
}

impl Convection {
    /// Convection from every exterior face whose nodes all lie in `nodes`.
    pub fn on_nodes(mesh: &Mesh, nodes: &[usize], film: f64, ambient: f64) -> Self {
        Convection {
            faces: crate::element::face::faces_on(mesh, nodes),
            film,
            ambient,
        }
    }
}

/// A convecting face's matrices: its mesh nodes, `∫ h N_a N_b dA`
/// (row-major, mW/°C) and `∫ h T_∞ N_a dA` (mW), for face `k` of global
/// cell `cell`.
fn face_matrices(
    mesh: &Mesh,
    cell: usize,
    k: usize,
    film: f64,
    ambient: f64,
) -> (Vec<usize>, Vec<f64>, Vec<f64>) {
    use crate::element::face::{area_factor, cell_of, face_rule, face_shape, faces, FaceShape};
    let (cell_shape, cell_nodes) = cell_of(mesh, cell);
    let nodes: Vec<usize> = faces(cell_shape)[k]
        .iter()
        .map(|&a| cell_nodes[a])
        .collect();
    let x: Vec<[f64; 3]> = nodes.iter().map(|&v| mesh.coordinates[v]).collect();
    let face = FaceShape::of(cell_shape, k);
    let n = nodes.len();
    let mut shape = vec![0.0; n];
    let mut dn = vec![[0.0; 2]; n];
    let (mut ke, mut fe) = (vec![0.0; n * n], vec![0.0; n]);
    for (s, w) in face_rule(face) {
        face_shape(face, s, &mut shape, &mut dn);
        let da = w * area_factor(&x, &dn);
        for a in 0..n {
            fe[a] += film * ambient * shape[a] * da;
            for b in 0..n {
                ke[a * n + b] += film * shape[a] * shape[b] * da;
            }
        }
    }
    (nodes, ke, fe)
}

/// The conduction problem on a mesh: thermal properties per material and a
/// material per cell.
#[derive(Clone)]
pub struct ThermalProblem<'m> {
    pub mesh: &'m Mesh,
    /// Thermal properties of each material (`None` if it has none).
    pub properties: Vec<Option<ThermalProperties>>,
    /// Material index of every cell.
    pub cell_material: &'m [usize],
}

impl<'m> ThermalProblem<'m> {
    /// The conduction problem of `model`: its mesh, its materials' thermal
    /// properties and its cells' materials.
    pub fn of(model: &'m crate::model::Model) -> Self {
        let mut properties = model.thermal.clone();
        properties.resize(model.materials.len(), None);
        ThermalProblem {
            mesh: &model.mesh,
            properties,
            cell_material: &model.cell_material,
        }
    }
}

/// Backward-Euler time stepping for one problem.
pub struct TransientThermal<'m> {
    problem: ThermalProblem<'m>,
    /// Node graph, equation order, colouring and cell locations, shared with
    /// the other analyses of the model.
    graph: Arc<MeshGraph>,
    /// Prescribed nodes, pattern, factorisation and its reuse record.
    system: Option<(BTreeSet<usize>, Pattern, DirectCholesky, FactorReuse)>,
}

/// Per-thread element buffers for one kind.
struct ThermalWorkspace {
    values: CellValues,
    x: Vec<[f64; 3]>,
    t: Vec<f64>,
    k: Vec<f64>,
    c: Vec<f64>,
    load: Vec<f64>,
}

impl ThermalWorkspace {
    fn new(kind: CellKind) -> Self {
        let n = kind.nodes_per_cell();
        ThermalWorkspace {
            values: CellValues::with_rule(kind.shape(), thermal_rule(kind)),
            x: vec![[0.0; 3]; n],
            t: vec![0.0; n],
            k: vec![0.0; n * n],
            c: vec![0.0; n * n],
            load: vec![0.0; n],
        }
    }

    /// Conduction `K_e = ∫ k ∇N_a·∇N_b dV` (mW/°C) and capacity
    /// `C_e = ∫ ρ c_p N_a N_b dV` (mJ/°C) at the gathered temperatures.
    fn matrices(&mut self, props: &ThermalProperties) -> Result<(), JacobianError> {
        self.values.reinit(&self.x)?;
        let n = self.t.len();
        self.k.iter_mut().for_each(|v| *v = 0.0);
        self.c.iter_mut().for_each(|v| *v = 0.0);
        for q in 0..self.values.num_points() {
            let shape = self.values.n(q);
            let t = interpolate(shape, &self.t);
            let kq = props.conductivity.at(t)[0];
            let rc = props.density.at(t)[0] * props.specific_heat.at(t)[0];
            let dv = self.values.detj_w(q);
            let g = self.values.dndx(q);
            for a in 0..n {
                for b in 0..n {
                    self.k[a * n + b] +=
                        kq * (g[a][0] * g[b][0] + g[a][1] * g[b][1] + g[a][2] * g[b][2]) * dv;
                    self.c[a * n + b] += rc * shape[a] * shape[b] * dv;
                }
            }
        }
        Ok(())
    }
}

type ThermalWorkspaces = [Option<ThermalWorkspace>; CellKind::COUNT];

/// Gathers cell `cell` at temperatures `t` into the workspace of its kind and
/// computes its conduction and capacity matrices; returns the workspace and
/// the cell's nodes.
fn cell_matrices<'w, 'p>(
    problem: &'p ThermalProblem<'p>,
    (b, c): (usize, usize),
    cell: usize,
    t: &[f64],
    ws: &'w mut ThermalWorkspaces,
) -> Result<(&'w mut ThermalWorkspace, &'p [usize]), ThermalError> {
    let block = &problem.mesh.blocks[b];
    let nodes = block.cell(c);
    let w = ws[block.kind as usize].get_or_insert_with(|| ThermalWorkspace::new(block.kind));
    for (k, &v) in nodes.iter().enumerate() {
        w.x[k] = problem.mesh.coordinates[v];
        w.t[k] = t[v];
    }
    let m = problem.cell_material[cell];
    let props = problem
        .properties
        .get(m)
        .and_then(Option::as_ref)
        .ok_or(ThermalError::MissingProperties(m))?;
    w.matrices(props).map_err(|source| ThermalError::Jacobian {
        element: block.cell_ids[c],
        cause: source,
    })?;
    Ok((w, nodes))
}

impl<'m> TransientThermal<'m> {
    /// Time stepping of `problem` with a graph of its own.
    pub fn new(problem: &ThermalProblem<'m>) -> Self {
        Self::with_graph(problem, Arc::new(MeshGraph::new(problem.mesh)))
    }

    /// Time stepping of `problem` on `graph`, the [`MeshGraph`] of its mesh
    /// (built once and shared with the model's other analyses).
    pub fn with_graph(problem: &ThermalProblem<'m>, graph: Arc<MeshGraph>) -> Self {
        TransientThermal {
            problem: problem.clone(),
            graph,
            system: None,
        }
    }

    /// One backward-Euler step of `dt` seconds from `t_old` (°C per node),
    /// with the temperatures of `fixed` nodes prescribed at the end of the
    /// step and `convection` on faces. Returns the new temperatures.
    pub fn step(
        &mut self,
        t_old: &[f64],
        dt: f64,
        fixed: &BTreeMap<usize, f64>,
        convection: &[Convection],
    ) -> Result<Vec<f64>, ThermalError> {
        if !(dt.is_finite() && dt > 0.0) {
            return Err(ThermalError::BadTimeStep(dt));
        }
        self.solve(t_old, Some(dt), fixed, convection)
    }

    /// The steady state `K T = 0` with the `fixed` temperatures, by Picard
    /// iteration on `k(T)` from `guess` (°C per node) until the largest
    /// change is below `1e-10` of the temperature range (at most 50 sweeps).
    pub fn steady(
        &mut self,
        guess: &[f64],
        fixed: &BTreeMap<usize, f64>,
        convection: &[Convection],
    ) -> Result<Vec<f64>, ThermalError> {
        let mut t = guess.to_vec();
        for _ in 0..50 {
            let next = self.solve(&t, None, fixed, convection)?;
            let range = next.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1.0);
            let change = next
                .iter()
                .zip(&t)
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            t = next;
            if change <= 1e-10 * range {
                break;
            }
        }
        Ok(t)
    }

    fn solve(
        &mut self,
        t_old: &[f64],
        dt: Option<f64>,
        fixed: &BTreeMap<usize, f64>,
        convection: &[Convection],
    ) -> Result<Vec<f64>, ThermalError> {
        let problem = &self.problem;
        let keys: BTreeSet<usize> = fixed.keys().copied().collect();
        let constraints: BTreeMap<(usize, usize), f64> =
            fixed.iter().map(|(&v, &t)| ((v, 0), t)).collect();
        let dofs =
            DofMap::with_components(1, &self.graph.node_order, &self.graph.used, &constraints);
        if self.system.as_ref().is_none_or(|s| s.0 != keys) {
            let pattern = Pattern::new((&self.graph.adjacency.0, &self.graph.adjacency.1), &dofs);
            let solver = DirectCholesky::analyse(&pattern)?;
            self.system = Some((keys, pattern, solver, FactorReuse::default()));
        }
        let (_, pattern, solver, factored) = self.system.as_mut().expect("set up above");
        let mut values = vec![0.0; pattern.nnz()];
        let mut rhs = vec![0.0; dofs.num_equations];
        let vals = SharedMut::new(&mut values);
        let f = SharedMut::new(&mut rhs);
        for color in &self.graph.coloring.colors {
            color.par_iter().try_for_each_init(
                ThermalWorkspaces::default,
                |ws, &cell| -> Result<(), ThermalError> {
                    let (w, nodes) =
                        cell_matrices(problem, self.graph.locate[cell], cell, t_old, ws)?;
                    // system matrix K (+ C/Δt) and right-hand side (C/Δt) T_old
                    let n = nodes.len();
                    w.load.iter_mut().for_each(|v| *v = 0.0);
                    if let Some(dt) = dt {
                        for a in 0..n {
                            for bb in 0..n {
                                w.k[a * n + bb] += w.c[a * n + bb] / dt;
                                w.load[a] += w.c[a * n + bb] / dt * w.t[bb];
                            }
                        }
                    }
                    // SAFETY: cells of one colour share no node.
                    unsafe { scatter(nodes, &w.k, &w.load, &dofs, pattern, vals, f) };
                    Ok(())
                },
            )?;
        }
        // convection faces, one after another (few, and deterministic)
        for conv in convection {
            for &(cell, k) in &conv.faces {
                let (nodes, ke, fe) = face_matrices(problem.mesh, cell, k, conv.film, conv.ambient);
                // SAFETY: single-threaded here.
                unsafe { scatter(&nodes, &ke, &fe, &dofs, pattern, vals, f) };
            }
        }
        // k(T), ρ c_p(T) move the matrix a little from one solve to the
        // next: the previous factor preconditions CG first, as in the
        // mechanical steps
        factored
            .solve(solver, pattern, values, &mut rhs, true)
            .map_err(|e| match e {
                SolverError::NotPositiveDefinite | SolverError::NotFinite => {
                    ThermalError::Singular {
                        film: convection.iter().fold(0.0, |m, c| m.max(c.film)),
                    }
                }
                e => ThermalError::Solver(e),
            })?;
        Ok((0..problem.mesh.num_nodes())
            .map(|v| match dofs.equation[v] {
                NO_EQUATION if fixed.contains_key(&v) => dofs.prescribed[v],
                NO_EQUATION => t_old[v], // a node outside every cell keeps its temperature
                eq => rhs[eq as usize],
            })
            .collect())
    }

    /// Element matrices of every cell at temperatures `t`, handed to `visit`
    /// with the cell's nodes (sequential; for balances and checks).
    fn for_each_cell(
        &self,
        t: &[f64],
        mut visit: impl FnMut(&[usize], &ThermalWorkspace),
    ) -> Result<(), ThermalError> {
        let mut ws = ThermalWorkspaces::default();
        for (cell, &loc) in self.graph.locate.iter().enumerate() {
            let (w, nodes) = cell_matrices(&self.problem, loc, cell, t, &mut ws)?;
            visit(nodes, w);
        }
        Ok(())
    }

    /// Heat supplied at each node over a step (mW): `K T⁺ + (C/Δt)(T⁺ − T)`
    /// with properties at `t_old`, as in the step. Zero (to round-off) at
    /// free nodes; at prescribed nodes it is the heat flowing in there.
    pub fn nodal_heat_rate(
        &self,
        t_new: &[f64],
        t_old: &[f64],
        dt: f64,
    ) -> Result<Vec<f64>, ThermalError> {
        let mut r = vec![0.0; t_new.len()];
        self.for_each_cell(t_old, |nodes, w| {
            let n = nodes.len();
            for a in 0..n {
                for b in 0..n {
                    let (va, vb) = (nodes[a], nodes[b]);
                    r[va] +=
                        w.k[a * n + b] * t_new[vb] + w.c[a * n + b] / dt * (t_new[vb] - t_old[vb]);
                }
            }
        })?;
        Ok(r)
    }

    /// Heat leaving through the convection faces at temperatures `t`, mW:
    /// `Σ ∫ h (T − T_∞) dA`.
    pub fn convective_heat_rate(&self, t: &[f64], convection: &[Convection]) -> f64 {
        let mesh = self.problem.mesh;
        let mut q = 0.0;
        for conv in convection {
            for &(cell, k) in &conv.faces {
                let (nodes, ke, fe) = face_matrices(mesh, cell, k, conv.film, conv.ambient);
                let n = nodes.len();
                for a in 0..n {
                    q += (0..n).map(|b| ke[a * n + b] * t[nodes[b]]).sum::<f64>() - fe[a];
                }
            }
        }
        q
    }

    /// Heat stored relative to `t_ref` (mJ): `Σ_e (T − T_ref)ᵀ C_e 1`, with
    /// properties at `t`.
    pub fn stored_heat(&self, t: &[f64], t_ref: &[f64]) -> Result<f64, ThermalError> {
        let mut q = 0.0;
        self.for_each_cell(t, |nodes, w| {
            let n = nodes.len();
            for a in 0..n {
                for b in 0..n {
                    q += w.c[a * n + b] * (t[nodes[b]] - t_ref[nodes[b]]);
                }
            }
        })?;
        Ok(q)
    }
}
