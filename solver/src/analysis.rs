//! Linear static thermo-elastic analysis, step by step.
//!
//! Phases, as in the recipe: set up the DOF map and pattern (once per set of
//! constrained DOFs, with the symbolic factorisation), assemble, factorise
//! (only when the matrix changed), solve, recover stresses.

use crate::assembly::{scatter, Coloring, DofMap, Pattern, SharedMut, NO_EQUATION};
use crate::graph::MeshGraph;
use crate::linear::{make_solver, LinearSolver, SolveStats, SolverChoice, SolverError};
use crate::mechanics::CellWorkspace;
use crate::model::{Model, Step};
use crate::post::{recover_stresses, QpField};
use crate::values::JacobianError;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

impl AnalysisError {
    /// A Jacobian error of cell `c` of `block`, named by its user number.
    pub fn jacobian(block: &mesher::CellBlock, c: usize, source: JacobianError) -> Self {
        AnalysisError::Jacobian {
            element: block.cell_ids[c],
            kind: block.kind.abaqus_name(),
            source,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error("element {element} ({kind}): {source}")]
    Jacobian {
        element: u64,
        kind: &'static str,
        source: JacobianError,
    },
    #[error("step {step}: {source}")]
    Solver { step: String, source: SolverError },
}

/// Results of one step.
#[derive(Clone, Debug)]
pub struct StepResult {
    pub name: String,
    /// Total time at the end of the step, s.
    pub time: f64,
    /// Nodal displacements, mm.
    pub displacement: Vec<[f64; 3]>,
    /// Nodal temperatures, °C.
    pub temperature: Vec<f64>,
    /// Stress at every integration point, MPa.
    pub stress: QpField,
    pub num_equations: usize,
    pub stats: SolveStats,
    /// Wall time of assembly, factorisation and solve, s.
    pub assembly_seconds: f64,
    pub solve_seconds: f64,
}

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

struct System {
    constrained: BTreeSet<(usize, usize)>,
    active: Vec<bool>,
    dofs: DofMap,
    pattern: Pattern,
    solver: Box<dyn LinearSolver>,
    /// The last factorisation's values and timings, to skip identical
    /// refactorisations and precondition with it when the values move.
    factor: crate::linear::FactorReuse,
}

/// Drives the steps of one model, reusing the pattern and symbolic
/// factorisation between steps with the same constrained DOFs.
pub struct StaticAnalysis<'m> {
    model: &'m Model,
    /// Node graph, equation order, colouring and cell locations, shared with
    /// the other analyses of the model.
    graph: Arc<MeshGraph>,
    choice: SolverChoice,
    system: Option<System>,
    state: CellState,
    reuse_factor: bool,
}

pub use crate::linear::{REUSE_ITERATIONS, REUSE_TOLERANCE};

impl<'m> StaticAnalysis<'m> {
    /// An analysis of `model` with a graph of its own.
    pub fn new(model: &'m Model, choice: SolverChoice) -> Self {
        Self::with_graph(model, Arc::new(MeshGraph::new(&model.mesh)), choice)
    }

    /// An analysis of `model` on `graph`, the [`MeshGraph`] of its mesh
    /// (built once and shared with the model's other analyses).
    pub fn with_graph(model: &'m Model, graph: Arc<MeshGraph>, choice: SolverChoice) -> Self {
        StaticAnalysis {
            model,
            graph,
            choice,
            system: None,
            state: CellState::all_active(model),
            reuse_factor: true,
        }
    }

    /// An analysis of the same model sharing this one's ordering and
    /// colouring (no new graph partitioning).
    fn sibling(&self) -> StaticAnalysis<'m> {
        StaticAnalysis {
            model: self.model,
            graph: Arc::clone(&self.graph),
            choice: self.choice,
            system: None,
            state: CellState::all_active(self.model),
            reuse_factor: false,
        }
    }

    /// Whether a changed stiffness is first solved by conjugate gradients
    /// preconditioned with the previous factorisation (default on; a new
    /// factorisation follows when that does not converge quickly).
    pub fn set_reuse_factor(&mut self, on: bool) {
        self.reuse_factor = on;
    }

    /// The active cells and their eigenstrains.
    pub fn state(&self) -> &CellState {
        &self.state
    }

    /// Replaces the cell state (for instance to start with parts absent).
    pub fn set_state(&mut self, state: CellState) {
        self.state = state;
    }

    /// Removes `cells`: their stiffness and stresses vanish and the rest
    /// re-equilibrates at the next solve.
    pub fn remove(&mut self, cells: &[usize]) {
        for &c in cells {
            self.state.active[c] = false;
        }
    }

    /// Adds an isotropic eigenstrain `strain` (dimensionless, negative for a
    /// shrinkage) to the normal components at every point of `cell`, for
    /// instance an adhesive's chemical cure shrinkage; it loads the model at
    /// the next solve.
    pub fn add_isotropic_eigenstrain(&mut self, cell: usize, strain: f64) {
        let start = self.state.eigenstrain.offsets[cell];
        let end = self.state.eigenstrain.offsets[cell + 1];
        for e in &mut self.state.eigenstrain.data[start..end] {
            for c in e.iter_mut().take(3) {
                *c += strain;
            }
        }
    }

    /// Adds `cells` strain-free in the current state (displacement in mm
    /// and temperatures in °C of the last solution): each gets the
    /// eigenstrain `ε₀ = ε(u) − ε_th(T)` that makes it stress-free now, so
    /// its stress follows only from what happens after its birth. Nodes the
    /// newborn cells do not share with active ones take the elastic
    /// extension of the shared nodes' displacements, so that reported
    /// displacements (a newborn face's warpage) continue the deformed shape;
    /// stresses depend only on increments after birth either way. The
    /// extension honours `constraints` (the prescribed displacements of the
    /// state, mm) at newborn nodes — a newborn node on a symmetry plane
    /// stays on it — so that the strain-free state is one the next solve
    /// can reach without straining the newborn cells.
    pub fn add(
        &mut self,
        cells: &[usize],
        displacement: &[[f64; 3]],
        temperature: &[f64],
        constraints: &BTreeMap<(usize, usize), f64>,
    ) -> Result<(), AnalysisError> {
        let u = self.extend(cells, displacement, temperature, constraints)?;
        self.reset_strain_free(cells, &u, temperature)
    }

    /// Makes `cells` strain-free in the current state (displacement in mm
    /// and temperatures in °C of the last solution) where they are: each
    /// gets the eigenstrain `ε₀ = ε(u) − ε_th(T)`, replacing whatever
    /// eigenstrain it carried, so that its stress is zero now and follows
    /// only from what happens afterwards. Unlike [`Self::add`] the
    /// displacements are taken as they are at every node — for active cells
    /// whose state is known: a thermo-compression bond forming in the hot,
    /// pressed state, or an adhesive re-heated and re-hardened (its stress
    /// relaxed, seed 002 claim 35). The rest of the model is unchanged
    /// until the next solve, which re-equilibrates it.
    pub fn reset_strain_free(
        &mut self,
        cells: &[usize],
        u: &[[f64; 3]],
        temperature: &[f64],
    ) -> Result<(), AnalysisError> {
        let model = self.model;
        let mut ws = Workspaces::default();
        for &cell in cells {
            let (w, block, c) = ws.gather(model, cell, self.graph.locate[cell], temperature);
            w.gather_displacement(block.cell(c), u);
            w.strain_free_eigenstrain(&model.materials[model.cell_material[cell]])
                .map_err(|source| AnalysisError::jacobian(block, c, source))?;
            let start = self.state.eigenstrain.offsets[cell];
            self.state.eigenstrain.data[start..start + w.eps0.len()].copy_from_slice(&w.eps0);
            self.state.active[cell] = true;
        }
        Ok(())
    }

    /// Displacements at the nodes of `born` cells: those shared with active
    /// cells as they are, the others from the born cells' elastic response to
    /// the shared ones (no thermal load).
    fn extend(
        &self,
        born: &[usize],
        displacement: &[[f64; 3]],
        temperature: &[f64],
        prescribed: &BTreeMap<(usize, usize), f64>,
    ) -> Result<Vec<[f64; 3]>, AnalysisError> {
        let model = self.model;
        let shared = nodes_of(model, &self.state.active);
        let mut born_mask = vec![false; model.mesh.num_cells()];
        born.iter().for_each(|&c| born_mask[c] = true);
        let newborn_nodes = nodes_of(model, &born_mask);
        let mut constraints = BTreeMap::new();
        for v in (0..newborn_nodes.len()).filter(|&v| newborn_nodes[v] && shared[v]) {
            for d in 0..3 {
                constraints.insert((v, d), displacement[v][d]);
            }
        }
        let newborn_only = |v: usize| newborn_nodes[v] && !shared[v];
        let mut u = displacement.to_vec();
        for (&(v, d), &value) in prescribed {
            if newborn_only(v) {
                constraints.insert((v, d), value);
                u[v][d] = value;
            }
        }
        let free = (0..newborn_nodes.len())
            .any(|v| newborn_only(v) && (0..3).any(|d| !prescribed.contains_key(&(v, d))));
        if constraints.is_empty() || !free {
            return Ok(u); // nothing to extend, or nothing to extend from
        }
        // born cells alone, with eigenstrain −ε_th so that only the shared
        // nodes' displacements load them
        let mut state = CellState::all_active(model);
        state.active = born_mask;
        let mut ws = Workspaces::default();
        for &cell in born {
            let (w, ..) = ws.gather(model, cell, self.graph.locate[cell], temperature);
            let material = &model.materials[model.cell_material[cell]];
            let start = state.eigenstrain.offsets[cell];
            for q in 0..w.values.num_points() {
                let (t, t0) = w.temperatures_at(q);
                let eth = material.thermal_strain(t, t0);
                state.eigenstrain.data[start + q] = eth.map(|e| -e);
            }
        }
        let step = Step {
            name: "birth extension".into(),
            time: 0.0,
            constraints,
            loads: BTreeMap::new(),
            temperature: temperature.to_vec(),
        };
        let mut sub = self.sibling();
        sub.set_state(state);
        let r = sub.solve_step(&step)?;
        for v in (0..u.len()).filter(|&v| newborn_only(v)) {
            u[v] = r.displacement[v];
        }
        Ok(u)
    }

    /// Solves one step.
    pub fn solve_step(&mut self, step: &Step) -> Result<StepResult, AnalysisError> {
        let solver_err = |source| AnalysisError::Solver {
            step: step.name.clone(),
            source,
        };
        let t_start = Instant::now();
        self.setup_system(step).map_err(solver_err)?;
        let sys = self.system.as_mut().expect("system set up");
        let mut values = vec![0.0; sys.pattern.nnz()];
        let mut rhs = vec![0.0; sys.dofs.num_equations];
        let input = AssemblyInput {
            model: self.model,
            coloring: &self.graph.coloring,
            locate: &self.graph.locate,
            dofs: &sys.dofs,
            pattern: &sys.pattern,
            step,
            state: &self.state,
        };
        assemble(&input, &mut values, &mut rhs)?;
        for (&(v, d), &f) in &step.loads {
            let eq = sys.dofs.equation[3 * v + d];
            if eq != NO_EQUATION {
                rhs[eq as usize] += f;
            }
        }
        let assembly_seconds = t_start.elapsed().as_secs_f64();
        let t_solve = Instant::now();
        let stats = if rhs.is_empty() {
            SolveStats {
                method: "none (no unknowns)",
                ..Default::default()
            }
        } else {
            // a moved stiffness (temperature-dependent moduli) is first
            // solved with what the solver built for the previous values (the
            // direct factor as CG preconditioner; AMG's coarse levels)
            let try_previous = self.reuse_factor;
            sys.factor
                .solve(
                    sys.solver.as_mut(),
                    &sys.pattern,
                    values,
                    &mut rhs,
                    try_previous,
                )
                .map_err(solver_err)?
        };
        let solve_seconds = t_solve.elapsed().as_secs_f64();
        let displacement = (0..self.model.mesh.num_nodes())
            .map(|v| {
                std::array::from_fn(|d| match sys.dofs.equation[3 * v + d] {
                    NO_EQUATION => sys.dofs.prescribed[3 * v + d],
                    eq => rhs[eq as usize],
                })
            })
            .collect::<Vec<[f64; 3]>>();
        let stress = recover_stresses(
            self.model,
            &self.graph.locate,
            &self.state,
            &displacement,
            &step.temperature,
        )?;
        Ok(StepResult {
            name: step.name.clone(),
            time: step.time,
            displacement,
            temperature: step.temperature.clone(),
            stress,
            num_equations: sys.dofs.num_equations,
            stats,
            assembly_seconds,
            solve_seconds,
        })
    }

    /// Reuses the system when the constrained DOFs are unchanged; otherwise
    /// numbers the equations, builds the pattern and analyses it.
    fn setup_system(&mut self, step: &Step) -> Result<(), SolverError> {
        let constrained: BTreeSet<_> = step.constraints.keys().copied().collect();
        let used: Vec<bool> = nodes_of(self.model, &self.state.active)
            .iter()
            .zip(&self.graph.used)
            .map(|(a, b)| *a && *b)
            .collect();
        if let Some(sys) = &mut self.system {
            if sys.constrained == constrained && sys.active == self.state.active {
                sys.dofs = DofMap::new(&self.graph.node_order, &used, &step.constraints);
                return Ok(());
            }
        }
        let dofs = DofMap::new(&self.graph.node_order, &used, &step.constraints);
        let pattern = Pattern::new((&self.graph.adjacency.0, &self.graph.adjacency.1), &dofs);
        let solver: Box<dyn LinearSolver> = if dofs.num_equations == 0 {
            Box::new(crate::linear::ConjugateGradient::new(1e-10, 1)) // nothing to solve
        } else {
            make_solver(
                &pattern,
                self.choice,
                crate::linear::amg::NearNullSpace::from_dofs(&dofs, &self.model.mesh.coordinates),
            )?
        };
        self.system = Some(System {
            constrained,
            active: self.state.active.clone(),
            dofs,
            pattern,
            solver,
            factor: Default::default(),
        });
        Ok(())
    }

    /// Name of the linear solver in use.
    pub fn solver_name(&self) -> &'static str {
        self.system
            .as_ref()
            .map(|s| s.solver.name())
            .unwrap_or("none")
    }
}

/// Nodes of the cells flagged in `cells`.
fn nodes_of(model: &Model, cells: &[bool]) -> Vec<bool> {
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

/// One lazily created workspace per cell kind, per thread.
#[derive(Default)]
pub(crate) struct Workspaces([Option<CellWorkspace>; 5]);

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

/// What assembly reads: the model, its colouring and cell locations, and
/// the step's equations.
struct AssemblyInput<'a> {
    model: &'a Model,
    coloring: &'a Coloring,
    locate: &'a [(usize, usize)],
    dofs: &'a DofMap,
    pattern: &'a Pattern,
    step: &'a Step,
    state: &'a CellState,
}

/// Assembles the stiffness (upper CSC values) and the thermal load vector.
fn assemble(
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
