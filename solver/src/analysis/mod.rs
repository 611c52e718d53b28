//! Linear static thermo-elastic analysis, step by step.
//!
//! Phases of a step, as [`StaticAnalysis::solve_step`] runs them: set up the
//! DOF map and pattern (once per set of constrained DOFs and active cells,
//! with the symbolic factorisation), assemble, solve (factorising only when
//! the matrix changed), recover the stresses at the integration points.
//! Births, removals and bonds (`birth.rs`) change the cell state between
//! steps.

mod assemble;
mod birth;
mod checks;
mod error;
mod newton;
mod recovery;
mod state;

pub use error::AnalysisError;
pub use newton::{
    NewtonControls, NewtonStats, MAX_CUTBACKS, MAX_ITERATIONS, MAX_PLASTIC_STRAIN,
    VISCO_TEMPERATURE_STEP,
};
pub use state::CellState;

use crate::assembly::{DofMap, Pattern, NO_EQUATION};
use crate::graph::MeshGraph;
use crate::linear::{
    make_solver, FactorReuse, LinearSolver, SolveStats, SolverChoice, SolverError,
};
use crate::memory::MemoryEstimate;
use crate::model::{Model, Step};
use crate::points::QpField;
use assemble::{assemble, AssemblyInput};
use recovery::{point_volumes, recover_stresses};
use state::nodes_of;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

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
    /// Volume `det J · w` of every integration point, mm³, laid out like
    /// `stress` (shared by every step of the analysis).
    pub point_volume: Arc<Vec<f64>>,
    pub num_equations: usize,
    pub stats: SolveStats,
    /// The memory estimate of the solve (its solver path), bytes.
    pub memory: MemoryEstimate,
    /// Wall time of assembly, factorisation and solve, s.
    pub assembly_seconds: f64,
    pub solve_seconds: f64,
    /// Increments and Newton iterations of a path-dependent step.
    pub newton: Option<NewtonStats>,
    /// Plastic strain at every integration point (Voigt, engineering
    /// shear), laid out like `stress`, of a path-dependent step.
    pub plastic_strain: Option<QpField>,
    /// Equivalent plastic strain at every integration point, laid out like
    /// `stress`, of a path-dependent step.
    pub equivalent_plastic_strain: Option<Vec<f64>>,
    /// Plastic work per unit volume at every integration point, MJ/m³
    /// (= MPa), laid out like `stress`, of a path-dependent step.
    pub plastic_work: Option<Vec<f64>>,
    /// The stress every point of a viscoelastic material would carry had
    /// nothing relaxed: its instantaneous stiffness at its temperature on its
    /// mechanical strain, `D₀(T) (ε − ε_th − ε₀)`, MPa, laid out like
    /// `stress` (other points: their stress); `None` without a viscoelastic
    /// material. `1 − |σ| / |σ_unrelaxed|` is how much a point has relaxed.
    pub unrelaxed_stress: Option<QpField>,
}

/// The equations of a set of constrained DOFs and active cells: numbering,
/// pattern, solver (with its symbolic analysis) and the factor kept for
/// reuse.
struct System {
    constrained: BTreeSet<(usize, usize)>,
    active: Vec<bool>,
    dofs: DofMap,
    pattern: Pattern,
    solver: Box<dyn LinearSolver>,
    /// The last factorisation's values and timings, to skip identical
    /// refactorisations and precondition with it when the values move.
    factor: FactorReuse,
    /// What the solve is expected to take.
    memory: MemoryEstimate,
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
    /// Integration-point volumes, computed at the first solve.
    volumes: Option<Arc<Vec<f64>>>,
    /// Solve every step as linear elastic (a birth's extension).
    linear: bool,
    /// Converged displacements of a path-dependent analysis, mm.
    displacement: Vec<[f64; 3]>,
    /// The last step solved (a path-dependent step ramps from it).
    last: Option<Step>,
    /// When a Newton iteration has converged.
    newton_controls: NewtonControls,
    /// The force reference q̃ of the Newton test carried from the last
    /// path-dependent step (its increments' time average), N.
    force_reference: Option<f64>,
}

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
            volumes: None,
            linear: false,
            displacement: vec![[0.0; 3]; model.mesh.num_nodes()],
            last: None,
            newton_controls: NewtonControls::default(),
            force_reference: None,
        }
    }

    /// An analysis of the same model sharing this one's graph (no new
    /// graph partitioning) and point volumes.
    fn sibling(&self) -> StaticAnalysis<'m> {
        StaticAnalysis {
            model: self.model,
            graph: Arc::clone(&self.graph),
            choice: self.choice,
            system: None,
            state: CellState::all_active(self.model),
            reuse_factor: false,
            volumes: self.volumes.clone(),
            linear: true,
            displacement: vec![[0.0; 3]; self.model.mesh.num_nodes()],
            last: None,
            newton_controls: self.newton_controls,
            force_reference: None,
        }
    }

    /// Sets when a Newton iteration has converged (path-dependent steps).
    pub fn set_newton_controls(&mut self, controls: NewtonControls) {
        self.newton_controls = controls;
    }

    /// Whether steps are solved in increments with Newton iterations (a
    /// path-dependent material) rather than in one linear solve.
    pub fn is_incremental(&self) -> bool {
        !self.linear && self.model.is_path_dependent()
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

    /// Solves one step: equations, assembly, solve, stress recovery; for a
    /// path-dependent model in increments with Newton iterations
    /// (`newton.rs`).
    pub fn solve_step(&mut self, step: &Step) -> Result<StepResult, AnalysisError> {
        if self.is_incremental() {
            return self.solve_increments(step);
        }
        let solver_err = |source| AnalysisError::Solver {
            step: step.name.clone(),
            cause: source,
        };
        let t_start = Instant::now();
        self.setup_system(step).map_err(solver_err)?;
        let (values, mut rhs) = self.assemble_system(step)?;
        let assembly_seconds = t_start.elapsed().as_secs_f64();
        let t_solve = Instant::now();
        let stats = self.solve_system(values, &mut rhs).map_err(|e| match e {
            SolverError::NotPositiveDefinite => {
                checks::singular(self.model, &self.state.active, step)
            }
            SolverError::NotFinite => checks::not_finite(step, "displacements"),
            e => solver_err(e),
        })?;
        let solve_seconds = t_solve.elapsed().as_secs_f64();
        let displacement = self.displacements(&rhs);
        let stress = recover_stresses(
            self.model,
            &self.graph.locate,
            &self.state,
            &displacement,
            &step.temperature,
        )?;
        checks::finite_results(step, &displacement, &stress)?;
        let point_volume = self.point_volumes();
        Ok(StepResult {
            name: step.name.clone(),
            time: step.time,
            displacement,
            temperature: step.temperature.clone(),
            stress,
            point_volume,
            num_equations: self.system().dofs.num_equations,
            memory: self.system().memory.clone(),
            stats,
            assembly_seconds,
            solve_seconds,
            newton: None,
            plastic_strain: None,
            equivalent_plastic_strain: None,
            plastic_work: None,
            unrelaxed_stress: None,
        })
    }

    fn system(&self) -> &System {
        self.system.as_ref().expect("system set up")
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
        let (solver, memory): (Box<dyn LinearSolver>, MemoryEstimate) = if dofs.num_equations == 0 {
            // nothing to solve
            let cg = crate::linear::ConjugateGradient::new(1e-10, 1);
            (Box::new(cg), MemoryEstimate::default())
        } else {
            let quadratic = self
                .model
                .mesh
                .blocks
                .iter()
                .any(|b| b.kind.nodes_per_cell() > 8);
            make_solver(
                &pattern,
                self.choice,
                crate::linear::amg::NearNullSpace::from_dofs(&dofs, &self.model.mesh.coordinates),
                quadratic,
            )?
        };
        self.system = Some(System {
            constrained,
            active: self.state.active.clone(),
            dofs,
            pattern,
            solver,
            factor: Default::default(),
            memory,
        });
        Ok(())
    }

    /// Sets up the equations and the solver of `step` (numbering, pattern,
    /// symbolic factorisation: everything but the numbers) and returns the
    /// memory estimate of its solve; refuses a solve that would not fit in
    /// the budget ([`crate::memory`]). `solve_step` does this itself.
    pub fn prepare(&mut self, step: &Step) -> Result<MemoryEstimate, AnalysisError> {
        self.setup_system(step)
            .map_err(|source| AnalysisError::Solver {
                step: step.name.clone(),
                cause: source,
            })?;
        Ok(self.system().memory.clone())
    }

    /// The stiffness (upper CSC values) and the right-hand side: thermal and
    /// eigenstrain loads, prescribed displacements moved over, and the
    /// step's nodal forces.
    fn assemble_system(&self, step: &Step) -> Result<(Vec<f64>, Vec<f64>), AnalysisError> {
        let sys = self.system();
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
        Ok((values, rhs))
    }

    /// Solves in place for the matrix `values`: a moved stiffness
    /// (temperature-dependent moduli) is first solved with what the solver
    /// built for the previous values (the direct factor as CG
    /// preconditioner; AMG's coarse levels).
    fn solve_system(
        &mut self,
        values: Vec<f64>,
        rhs: &mut Vec<f64>,
    ) -> Result<SolveStats, SolverError> {
        if rhs.is_empty() {
            return Ok(SolveStats {
                method: "none (no unknowns)",
                ..Default::default()
            });
        }
        let try_previous = self.reuse_factor;
        let sys = self.system.as_mut().expect("system set up");
        sys.factor
            .solve(sys.solver.as_mut(), &sys.pattern, values, rhs, try_previous)
    }

    /// Nodal displacements (mm) from the solution of the equations and the
    /// prescribed values.
    fn displacements(&self, solution: &[f64]) -> Vec<[f64; 3]> {
        let dofs = &self.system().dofs;
        (0..self.model.mesh.num_nodes())
            .map(|v| {
                std::array::from_fn(|d| match dofs.equation[3 * v + d] {
                    NO_EQUATION => dofs.prescribed[3 * v + d],
                    eq => solution[eq as usize],
                })
            })
            .collect()
    }

    /// The integration-point volumes, computed once.
    fn point_volumes(&mut self) -> Arc<Vec<f64>> {
        let (model, locate) = (self.model, &self.graph.locate);
        Arc::clone(
            self.volumes
                .get_or_insert_with(|| Arc::new(point_volumes(model, locate))),
        )
    }

    /// Name of the linear solver in use.
    pub fn solver_name(&self) -> &'static str {
        self.system
            .as_ref()
            .map(|s| s.solver.name())
            .unwrap_or("none")
    }
}
