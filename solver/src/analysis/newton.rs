//! Path-dependent (plastic) steps: increments with Newton–Raphson
//! iterations, cutback and regrowth.
//!
//! A step moves its temperatures, nodal forces and prescribed displacements
//! linearly from their values at the end of the previous step to its own
//! (the default ramp of Abaqus and CalculiX for a static step) over its
//! increments. Each increment iterates
//!
//! 1. assemble the consistent tangent `K_t` and the residual
//!    `r = f_ext − f_int(u)` (every point's stress from its material's
//!    update out of its converged state; the prescribed displacements'
//!    jump moved to the right-hand side in the first iteration);
//! 2. converged when `max |r| ≤ residual · q̃` and the last correction
//!    `max |Δu| ≤ correction ·` the increment's largest displacement
//!    change (or 1e-12 of the largest displacement when the increment
//!    barely moves), from the second iteration on ([`NewtonControls`]:
//!    1e-4 and 1e-3 by default), or the residual alone passes a tighter
//!    `linear` 1e-8 (an increment that stayed elastic); an increment with
//!    no prescribed jump whose first residual already passes is accepted
//!    as it stands (a hold at constant temperature, as Abaqus accepts a
//!    zero increment);
//!    q̃ is the larger of the iterate's mean absolute internal force
//!    component and a reference: the time average of that mean over the
//!    step's converged increments so far (Abaqus's time-averaged force),
//!    else the previous path-dependent step's, else this increment's first
//!    iterate's, so that a state in equilibrium without stress (a part
//!    expanding freely) is judged against the forces its load moved, not
//!    against its own round-off;
//! 3. solve `K_t Δu = r` (the previous factor preconditions CG first, as
//!    in the linear steps), update `u` and the C3D8I mode amplitudes.
//!
//! An increment that has not converged after [`MAX_ITERATIONS`], or whose
//! residual grows in two consecutive iterations from the fourth on, is
//! redone at a quarter of its size (at most [`MAX_CUTBACKS`] times in a
//! row); after two increments that converged in at most four iterations the
//! next one grows by half again, up to the step's largest increment (never
//! with `DIRECT`). Only a converged
//! increment commits the history.

use super::assemble::{Disjoint, Workspaces};
use super::checks;
use super::error::AnalysisError;
use super::state::CellState;
use super::{StaticAnalysis, StepResult};
use crate::assembly::{scatter, SharedMut, NO_EQUATION};
use crate::mechanics::PointStates;
use crate::model::Step;
use crate::points::QpField;
use materials::plastic::PlasticState;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::time::Instant;

/// When a Newton iteration has converged: the largest residual force over
/// the force reference q̃ (`residual`) and the last correction over the
/// increment's largest displacement change (`correction`), both at or below
/// their value; or, from the second iteration on, the residual alone at or
/// below `linear` (an increment that stayed elastic is done after one
/// solve, Abaqus's and CalculiX's R_l).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NewtonControls {
    pub residual: f64,
    pub correction: f64,
    pub linear: f64,
}

impl Default for NewtonControls {
    /// Residual 1e-4 and correction 1e-3: twenty times tighter than the
    /// 5e-3 and 1e-2 Abaqus and CalculiX default to (R_n, C_n); linear
    /// 1e-8, their R_l.
    fn default() -> Self {
        NewtonControls {
            residual: 1e-4,
            correction: 1e-3,
            linear: 1e-8,
        }
    }
}

impl NewtonControls {
    /// Residual and correction 1e-6, linear 1e-10: what the tests against
    /// closed forms and CalculiX run with.
    pub const TIGHT: NewtonControls = NewtonControls {
        residual: 1e-6,
        correction: 1e-6,
        linear: 1e-10,
    };
}
/// The largest temperature change (K) of one increment of a `*VISCO` step
/// with a viscoelastic material: the Prony update takes the strain linear in
/// reduced time over an increment, which a large cool-down through Tg (where
/// the shift runs over many decades) would break.
pub const VISCO_TEMPERATURE_STEP: f64 = 10.0;
/// Iterations of one increment before it is cut back.
pub const MAX_ITERATIONS: usize = 16;
/// Cutbacks of one increment in a row before the step fails.
pub const MAX_CUTBACKS: usize = 6;
/// The largest equivalent plastic strain a step may end with: beyond 100 %
/// small strains do not describe the material, and a part flowing that far
/// is collapsing under its load (an error names it).
pub const MAX_PLASTIC_STRAIN: f64 = 1.0;

/// How a path-dependent step went.
#[derive(Clone, Debug, Default)]
pub struct NewtonStats {
    /// Newton iterations of each converged increment.
    pub iterations: Vec<usize>,
    /// Increments redone at a smaller size.
    pub cutbacks: usize,
    /// Iterations whose residual grew along the full correction and that
    /// backtracked along it (the line search).
    pub line_searches: usize,
    /// Largest relative residual of each iteration of the last increment.
    pub residuals: Vec<f64>,
    /// Points that flowed plastically in the last increment.
    pub plastic_points: usize,
    /// The step's last linear solve.
    pub solve: crate::linear::SolveStats,
}

/// The step's start (the end of the previous one) and its end, between
/// which an increment's state is interpolated.
pub(super) struct Ramp<'s> {
    pub start_temperature: Vec<f64>,
    pub start_loads: BTreeMap<(usize, usize), f64>,
    /// Prescribed displacement of every constrained DOF at the start.
    pub start_values: BTreeMap<(usize, usize), f64>,
    pub end: &'s Step,
}

impl Ramp<'_> {
    /// The state at fraction `theta` of the step.
    fn at(&self, theta: f64) -> Step {
        let lerp = |a: f64, b: f64| a + theta * (b - a);
        let mut loads = BTreeMap::new();
        for (&k, &f) in &self.end.loads {
            loads.insert(k, lerp(self.start_loads.get(&k).copied().unwrap_or(0.0), f));
        }
        for (&k, &f) in &self.start_loads {
            loads.entry(k).or_insert(lerp(f, 0.0));
        }
        let constraints = self
            .end
            .constraints
            .iter()
            .map(|(&k, &v)| (k, lerp(self.start_values[&k], v)))
            .collect();
        Step {
            name: self.end.name.clone(),
            time: self.end.time,
            constraints,
            loads,
            temperature: self
                .start_temperature
                .iter()
                .zip(&self.end.temperature)
                .map(|(&a, &b)| lerp(a, b))
                .collect(),
            increments: self.end.increments,
            visco: self.end.visco,
        }
    }
}

/// An iterate's tangent (upper CSC values) and residual, with the
/// prescribed jumps it was assembled for.
struct Evaluated {
    values: Vec<f64>,
    rhs: Vec<f64>,
    iterate: Iterate,
    /// The iterate's own force scale, N.
    own: f64,
    /// The largest residual force over q̃.
    residual: f64,
    dofs: crate::assembly::DofMap,
}

/// The iterate a Newton correction started from, for the line search.
struct Previous {
    u: Vec<[f64; 3]>,
    modes: Vec<[f64; 9]>,
    du: Vec<[f64; 3]>,
    residual: f64,
}

/// An increment's iterate.
struct Iterate {
    u: Vec<[f64; 3]>,
    modes: Vec<[f64; 9]>,
    plastic: Vec<PlasticState>,
    viscous: Vec<f64>,
    stress: Vec<[f64; 6]>,
    plastic_points: usize,
}

impl StaticAnalysis<'_> {
    /// Solves a step of a path-dependent model in increments (see the
    /// module); the history is committed at every converged increment.
    pub(super) fn solve_increments(&mut self, step: &Step) -> Result<StepResult, AnalysisError> {
        let t_start = Instant::now();
        let ramp = self.ramp(step);
        // the step's time (s) over which viscoelastic materials relax
        let period = if step.visco {
            (step.time - self.last.as_ref().map_or(0.0, |s| s.time)).max(0.0)
        } else {
            0.0
        };
        let mut stats = NewtonStats::default();
        let controls = step.increments;
        // a step in time through which a viscoelastic material's shift
        // moves is taken in increments of at most VISCO_TEMPERATURE_STEP
        let cap = self.viscous_increment_cap(step, &ramp);
        let largest = controls.max.min(cap);
        let (mut theta, mut dtheta) = (0.0, controls.initial.min(cap).clamp(1e-12, 1.0));
        let mut easy = 0;
        let mut cut = 0;
        let mut last = None;
        // the time average of the converged increments' force scale
        let mut averaged = (0.0, 0.0);
        while theta < 1.0 - 1e-12 {
            let h = dtheta.min(1.0 - theta);
            let target = ramp.at(theta + h);
            let reference = match averaged {
                (_, 0.0) => self.force_reference,
                (sum, weight) => Some(sum / weight),
            };
            match self.newton(&target, h * period, reference, &mut stats)? {
                Some((it, n, scale)) => {
                    averaged = (averaged.0 + h * scale, averaged.1 + h);
                    self.force_reference = Some(averaged.0 / averaged.1);
                    theta += h;
                    cut = 0;
                    stats.iterations.push(n);
                    easy = if n <= 4 { easy + 1 } else { 0 };
                    if n > 10 {
                        dtheta *= 0.75;
                    } else if easy >= 2 && !controls.fixed {
                        dtheta = (1.5 * dtheta).min(largest);
                    }
                    last = Some((target, it));
                }
                None if controls.fixed => {
                    return Err(AnalysisError::NotConverged {
                        step: step.name.clone(),
                        fraction: theta + h,
                        iterations: MAX_ITERATIONS,
                        fixed: true,
                    })
                }
                None => {
                    cut += 1;
                    stats.cutbacks += 1;
                    if cut > MAX_CUTBACKS || h * 0.25 < controls.min {
                        return Err(AnalysisError::NotConverged {
                            step: step.name.clone(),
                            fraction: theta + h,
                            iterations: MAX_ITERATIONS,
                            fixed: false,
                        });
                    }
                    dtheta = 0.25 * h;
                    easy = 0;
                }
            }
        }
        let (target, it) = last.expect("a step has at least one increment");
        self.finish_increments(step, &target, it, stats, t_start)
    }

    /// The largest increment (fraction of the step) a viscoelastic model's
    /// `*VISCO` step with automatic increments may take:
    /// [`VISCO_TEMPERATURE_STEP`] over the largest nodal temperature change
    /// of the step; 1 otherwise (fixed increments stay as the deck gives them).
    fn viscous_increment_cap(&self, step: &Step, ramp: &Ramp<'_>) -> f64 {
        let viscous = self
            .model
            .materials
            .iter()
            .any(|m| m.viscoelastic.is_some());
        if !step.visco || step.increments.fixed || !viscous {
            return 1.0;
        }
        let change = ramp
            .start_temperature
            .iter()
            .zip(&step.temperature)
            .fold(0.0f64, |m, (a, b)| m.max((b - a).abs()));
        if change <= VISCO_TEMPERATURE_STEP {
            1.0
        } else {
            VISCO_TEMPERATURE_STEP / change
        }
    }

    /// The converged end of a step as its result.
    fn finish_increments(
        &mut self,
        step: &Step,
        target: &Step,
        it: Iterate,
        newton: NewtonStats,
        t_start: Instant,
    ) -> Result<StepResult, AnalysisError> {
        let stress = QpField {
            offsets: self.state.eigenstrain.offsets.clone(),
            data: it.stress,
        };
        checks::finite_results(target, &it.u, &stress)?;
        self.excessive_plastic_strain(step)?;
        self.last = Some(step.clone());
        let point_volume = self.point_volumes();
        let unrelaxed_stress = self.unrelaxed_stress(&stress);
        let seconds = t_start.elapsed().as_secs_f64();
        Ok(StepResult {
            name: step.name.clone(),
            time: step.time,
            displacement: it.u,
            temperature: step.temperature.clone(),
            stress,
            point_volume,
            num_equations: self.system().dofs.num_equations,
            memory: self.system().memory.clone(),
            stats: newton.solve.clone(),
            assembly_seconds: 0.0,
            solve_seconds: seconds,
            newton: Some(newton),
            plastic_strain: Some(QpField {
                offsets: self.state.eigenstrain.offsets.clone(),
                data: self.state.plastic.iter().map(|p| p.strain).collect(),
            }),
            equivalent_plastic_strain: Some(
                self.state.plastic.iter().map(|p| p.equivalent).collect(),
            ),
            plastic_work: Some(self.state.plastic.iter().map(|p| p.work).collect()),
            unrelaxed_stress,
        })
    }

    /// [`StepResult::unrelaxed_stress`] from the committed viscoelastic
    /// states (each holds its point's last temperature and mechanical
    /// strain), the other points' stresses from `stress`.
    fn unrelaxed_stress(&self, stress: &QpField) -> Option<QpField> {
        let model = self.model;
        if model.materials.iter().all(|m| m.viscoelastic.is_none()) {
            return None;
        }
        let mut out = stress.clone();
        let store = &self.state.viscous;
        for cell in 0..model.mesh.num_cells() {
            let material = &model.materials[model.cell_material[cell]];
            let len = material.viscous_state_len();
            if len == 0 || !self.state.active[cell] {
                continue;
            }
            let start = stress.offsets[cell];
            for (q, point) in store.cell(cell).chunks(len).enumerate() {
                let d = material.stiffness(point[1]);
                let strain = &point[2..8];
                out.data[start + q] =
                    std::array::from_fn(|r| (0..6).map(|c| d[r][c] * strain[c]).sum());
            }
        }
        Some(out)
    }

    /// An error when a point's equivalent plastic strain passes
    /// [`MAX_PLASTIC_STRAIN`], naming its part and element.
    fn excessive_plastic_strain(&self, step: &Step) -> Result<(), AnalysisError> {
        let plastic = &self.state.plastic;
        let Some((point, value)) = plastic.iter().map(|p| p.equivalent).enumerate().fold(
            None,
            |m: Option<(usize, f64)>, (q, v)| match m {
                Some((_, w)) if w >= v => m,
                _ => Some((q, v)),
            },
        ) else {
            return Ok(());
        };
        if value <= MAX_PLASTIC_STRAIN {
            return Ok(());
        }
        let offsets = &self.state.eigenstrain.offsets;
        let cell = offsets.partition_point(|&o| o <= point) - 1;
        let (b, c) = self.graph.locate[cell];
        let mesh = &self.model.mesh;
        Err(AnalysisError::ExcessivePlasticStrain {
            step: step.name.clone(),
            part: mesh.part_names[mesh.cell_part[cell]].clone(),
            element: mesh.blocks[b].cell_ids[c],
            value,
            limit: MAX_PLASTIC_STRAIN,
        })
    }

    /// The step's start: the previous step's end (temperatures, forces,
    /// prescribed values; a DOF newly prescribed starts where it is), or the
    /// initial state.
    fn ramp<'s>(&self, step: &'s Step) -> Ramp<'s> {
        let (t, loads, old) = match &self.last {
            Some(s) => (
                s.temperature.clone(),
                s.loads.clone(),
                s.constraints.clone(),
            ),
            None => (
                self.model.initial_temperature.clone(),
                BTreeMap::new(),
                BTreeMap::new(),
            ),
        };
        let start_values = step
            .constraints
            .keys()
            .map(|&(v, d)| {
                let value = old.get(&(v, d)).copied().unwrap_or(self.displacement[v][d]);
                ((v, d), value)
            })
            .collect();
        Ramp {
            start_temperature: t,
            start_loads: loads,
            start_values,
            end: step,
        }
    }

    /// Newton iterations of one increment of `dt` s to the state `target`,
    /// judged against the force `reference` (N; this increment's first
    /// iterate's scale when `None`); `None` when it does not converge (the
    /// caller cuts back), else the iterate, its iterations and its force
    /// scale (N), committed.
    fn newton(
        &mut self,
        target: &Step,
        dt: f64,
        mut reference: Option<f64>,
        stats: &mut NewtonStats,
    ) -> Result<Option<(Iterate, usize, f64)>, AnalysisError> {
        let solver_err = |cause| AnalysisError::Solver {
            step: target.name.clone(),
            cause,
        };
        self.setup_system(target).map_err(solver_err)?;
        let mut u = self.displacement.clone();
        let mut modes = self.state.modes.clone();
        let start = u.clone();
        stats.residuals.clear();
        let mut growth = 0;
        let mut last_correction = f64::INFINITY;
        let mut previous: Option<Previous> = None;
        for it in 1..=MAX_ITERATIONS {
            let mut at = self.evaluate(target, dt, &u, &modes, reference)?;
            reference.get_or_insert(at.own);
            if let Some(prev) = &previous {
                if !(at.residual <= prev.residual) {
                    let full = (at, u, modes);
                    let (s, best, bu, bm) = self.line_search(target, dt, prev, reference, full)?;
                    (at, u, modes) = (best, bu, bm);
                    last_correction *= s;
                    stats.line_searches += 1;
                }
            }
            let Evaluated {
                values,
                mut rhs,
                iterate,
                own,
                residual,
                dofs,
            } = at;
            let c = self.newton_controls;
            let unmoved = it == 1 && dofs.prescribed.iter().all(|&p| p == 0.0);
            if unmoved && residual <= c.residual {
                // nothing to do: the increment's loads are in equilibrium
                // with the converged state (a hold at constant temperature)
                stats.residuals.push(residual);
                stats.plastic_points = iterate.plastic_points;
                self.commit(&iterate);
                return Ok(Some((iterate, it, own)));
            }
            if it >= 2 {
                let moved = u
                    .iter()
                    .zip(&start)
                    .flat_map(|(a, b)| (0..3).map(move |k| (a[k] - b[k]).abs()))
                    .fold(0.0f64, f64::max);
                // a correction at round-off of the displacements themselves
                // counts as none, also when the increment barely moves
                let size = u.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
                let travel = moved.max(1e-12 * size).max(1e-300);
                let corrected = last_correction <= c.correction * travel;
                if residual <= c.linear || residual <= c.residual && corrected {
                    stats.residuals.push(residual);
                    stats.plastic_points = iterate.plastic_points;
                    self.commit(&iterate);
                    return Ok(Some((iterate, it, own)));
                }
                if stats.residuals.last().is_some_and(|&r| residual > r) {
                    growth += 1;
                } else {
                    growth = 0;
                }
                if it >= 4 && growth >= 2 {
                    return Ok(None);
                }
            }
            stats.residuals.push(residual);
            if !residual.is_finite() {
                return Ok(None);
            }
            let solve = self.solve_system(values, &mut rhs);
            match solve {
                Ok(solved) => stats.solve = solved,
                Err(crate::linear::SolverError::NotPositiveDefinite) if it > 1 => return Ok(None),
                Err(crate::linear::SolverError::NotPositiveDefinite) => {
                    return Err(checks::singular(self.model, &self.state.active, target))
                }
                Err(e) => return Err(solver_err(e)),
            }
            let du = self.corrections(&rhs, &dofs);
            last_correction = du.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
            previous = Some(Previous {
                u: u.clone(),
                modes: modes.clone(),
                du: du.clone(),
                residual,
            });
            self.update_modes(target, dt, &u, &modes.clone(), &du, &mut modes)?;
            for (ui, di) in u.iter_mut().zip(&du) {
                for k in 0..3 {
                    ui[k] += di[k];
                }
            }
        }
        Ok(None)
    }

    /// The tangent and residual at the iterate `(u, modes)`, the prescribed
    /// values of `target` still to reach moved to the right-hand side,
    /// judged against the force `reference` (N; the iterate's own scale
    /// when `None`).
    fn evaluate(
        &self,
        target: &Step,
        dt: f64,
        u: &[[f64; 3]],
        modes: &[[f64; 9]],
        reference: Option<f64>,
    ) -> Result<Evaluated, AnalysisError> {
        let mut dofs = self.system().dofs.clone();
        for (&(v, d), &value) in &target.constraints {
            dofs.prescribed[3 * v + d] = value - u[v][d];
        }
        let (values, rhs, iterate, own) = self.assemble_iterate(target, dt, &dofs, u, modes)?;
        let q = own.max(reference.unwrap_or(own));
        let r_max = rhs.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        Ok(Evaluated {
            values,
            rhs,
            iterate,
            own,
            residual: r_max / q,
            dofs,
        })
    }

    /// Backtracking along the last correction when the residual grew (or
    /// is not finite) at its full length `full`: the iterates at
    /// `prev.u + s Δu` for s = 1/2, 1/4, 1/8 in turn, stopping at the first
    /// whose residual is below the previous iterate's; the step length and
    /// the iterate with the lowest residual of those tried.
    fn line_search(
        &self,
        target: &Step,
        dt: f64,
        prev: &Previous,
        reference: Option<f64>,
        full: (Evaluated, Vec<[f64; 3]>, Vec<[f64; 9]>),
    ) -> Result<(f64, Evaluated, Vec<[f64; 3]>, Vec<[f64; 9]>), AnalysisError> {
        let (at, u, modes) = full;
        let mut best = (1.0, at, u, modes);
        let mut s = 1.0;
        for _ in 0..3 {
            s *= 0.5;
            let du: Vec<[f64; 3]> = prev.du.iter().map(|d| d.map(|x| s * x)).collect();
            let mut modes = prev.modes.clone();
            self.update_modes(target, dt, &prev.u, &prev.modes, &du, &mut modes)?;
            let u: Vec<[f64; 3]> = prev
                .u
                .iter()
                .zip(&du)
                .map(|(a, d)| std::array::from_fn(|k| a[k] + d[k]))
                .collect();
            let at = self.evaluate(target, dt, &u, &modes, reference)?;
            if at.residual < best.1.residual || !best.1.residual.is_finite() {
                best = (s, at, u, modes);
            }
            if best.1.residual <= prev.residual {
                break;
            }
        }
        Ok(best)
    }

    /// The nodal corrections: the solution at free DOFs, the prescribed
    /// jumps at constrained ones.
    fn corrections(&self, solution: &[f64], dofs: &crate::assembly::DofMap) -> Vec<[f64; 3]> {
        (0..self.model.mesh.num_nodes())
            .map(|v| {
                std::array::from_fn(|d| match dofs.equation[3 * v + d] {
                    NO_EQUATION => dofs.prescribed[3 * v + d],
                    eq => solution[eq as usize],
                })
            })
            .collect()
    }

    /// Commits a converged increment: displacements, plastic states and
    /// mode amplitudes.
    fn commit(&mut self, it: &Iterate) {
        self.displacement.clone_from(&it.u);
        self.state.plastic.clone_from(&it.plastic);
        self.state.viscous.data.clone_from(&it.viscous);
        self.state.modes.clone_from(&it.modes);
    }

    /// Tangent (upper CSC values), residual `f_ext − f_int` (with the
    /// prescribed jumps of `dofs` moved over), the iterate's stresses and
    /// trial states, and the force scale q̃ of the convergence test.
    fn assemble_iterate(
        &self,
        step: &Step,
        dt: f64,
        dofs: &crate::assembly::DofMap,
        u: &[[f64; 3]],
        modes: &[[f64; 9]],
    ) -> Result<(Vec<f64>, Vec<f64>, Iterate, f64), AnalysisError> {
        let model = self.model;
        let sys = self.system();
        let state = &self.state;
        let npoints = state.plastic.len();
        let mut values = vec![0.0; sys.pattern.nnz()];
        let mut rhs = vec![0.0; dofs.num_equations];
        let mut plastic = state.plastic.clone();
        let mut viscous = state.viscous.data.clone();
        let mut stress = vec![[0.0; 6]; npoints];
        let (vals, f) = (SharedMut::new(&mut values), SharedMut::new(&mut rhs));
        let (trial, sig) = (Disjoint::new(&mut plastic), Disjoint::new(&mut stress));
        let trial_viscous = Disjoint::new(&mut viscous);
        let offsets = &state.eigenstrain.offsets;
        let (locate, pattern) = (&self.graph.locate, &sys.pattern);
        let counts: Vec<(usize, f64, usize)> = self
            .graph
            .coloring
            .colors
            .iter()
            .map(|color| {
                color
                    .par_iter()
                    .try_fold(
                        || (Workspaces::default(), 0usize, 0.0f64, 0usize),
                        |(mut ws, mut yielded, mut force, mut n), &cell| {
                            if !state.active[cell] {
                                return Ok((ws, yielded, force, n));
                            }
                            let (w, block, c) =
                                ws.gather(model, cell, locate[cell], &step.temperature);
                            let nodes = block.cell(c);
                            w.gather_displacement(nodes, u);
                            w.eps0.copy_from_slice(state.eigenstrain.cell(cell));
                            let (a, b) = (offsets[cell], offsets[cell + 1]);
                            // SAFETY: every cell writes its own points only.
                            let new = unsafe { trial.slice(a, b - a) };
                            let old = &state.plastic[a..b];
                            let vr = state.viscous.range(cell);
                            // SAFETY: as above.
                            let viscous_new = unsafe { trial_viscous.slice(vr.start, vr.len()) };
                            w.internal_force_and_tangent(
                                &model.materials[model.cell_material[cell]],
                                &modes[cell],
                                PointStates {
                                    old,
                                    new,
                                    viscous_old: &state.viscous.data[vr],
                                    viscous_new,
                                    dt,
                                },
                            )
                            .map_err(|source| AnalysisError::jacobian(block, c, source))?;
                            yielded += (0..b - a).filter(|&q| new[q] != old[q]).count();
                            // SAFETY: as above.
                            unsafe { sig.slice(a, b - a) }.copy_from_slice(&w.sig);
                            force += w.fe.iter().map(|v| v.abs()).sum::<f64>();
                            n += w.fe.len();
                            // SAFETY: cells of one colour share no node (see `Coloring`).
                            unsafe { scatter(nodes, &w.ke, &w.fe, dofs, pattern, vals, f) };
                            Ok((ws, yielded, force, n))
                        },
                    )
                    .map(|r: Result<_, AnalysisError>| r.map(|(_, y, f, n)| (y, f, n)))
                    .try_reduce(|| (0, 0.0, 0), |a, b| Ok((a.0 + b.0, a.1 + b.1, a.2 + b.2)))
            })
            .collect::<Result<_, _>>()?;
        for (&(v, d), &load) in &step.loads {
            let eq = dofs.equation[3 * v + d];
            if eq != NO_EQUATION {
                rhs[eq as usize] += load;
            }
        }
        let (yielded, force, n) = counts
            .iter()
            .fold((0, 0.0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
        let ext: f64 = step.loads.values().map(|f| f.abs()).sum::<f64>();
        let scale = ((force + ext) / n.max(1) as f64).max(1e-300);
        let iterate = Iterate {
            u: u.to_vec(),
            modes: modes.to_vec(),
            plastic,
            viscous,
            stress,
            plastic_points: yielded,
        };
        Ok((values, rhs, iterate, scale))
    }

    /// The C3D8I mode amplitudes after the nodal correction `du` from the
    /// iterate `(u, old)`: `α += K_aa⁻¹(−f_int,a − K_au Δu)` at that iterate.
    fn update_modes(
        &self,
        step: &Step,
        dt: f64,
        u: &[[f64; 3]],
        old: &[[f64; 9]],
        du: &[[f64; 3]],
        modes: &mut [[f64; 9]],
    ) -> Result<(), AnalysisError> {
        let model = self.model;
        let state: &CellState = &self.state;
        let offsets = &state.eigenstrain.offsets;
        let locate = &self.graph.locate;
        let cells: Vec<usize> = (0..model.mesh.num_cells())
            .filter(|&c| {
                state.active[c] && model.mesh.blocks[locate[c].0].kind == mesher::CellKind::Hex8I
            })
            .collect();
        let updates: Vec<(usize, [f64; 9])> = cells
            .par_iter()
            .map_init(Workspaces::default, |ws, &cell| {
                let (w, block, c) = ws.gather(model, cell, locate[cell], &step.temperature);
                let nodes = block.cell(c);
                w.gather_displacement(nodes, u);
                w.eps0.copy_from_slice(state.eigenstrain.cell(cell));
                let (a, b) = (offsets[cell], offsets[cell + 1]);
                let mut scratch = state.plastic[a..b].to_vec();
                let viscous_old = state.viscous.cell(cell);
                let mut viscous_scratch = viscous_old.to_vec();
                w.internal_force_and_tangent(
                    &model.materials[model.cell_material[cell]],
                    &old[cell],
                    PointStates {
                        old: &state.plastic[a..b],
                        new: &mut scratch,
                        viscous_old,
                        viscous_new: &mut viscous_scratch,
                        dt,
                    },
                )
                .map_err(|source| AnalysisError::jacobian(block, c, source))?;
                let dcell: Vec<f64> = nodes.iter().flat_map(|&v| du[v]).collect();
                let mut da = [0.0; 9];
                w.mode_increment(&dcell, &mut da);
                let mut next = old[cell];
                for k in 0..9 {
                    next[k] += da[k];
                }
                Ok((cell, next))
            })
            .collect::<Result<_, AnalysisError>>()?;
        for (cell, m) in updates {
            modes[cell] = m;
        }
        Ok(())
    }
}
