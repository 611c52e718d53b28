//! The recipe as it happens: [`RecipeRun`] advances the heat conduction
//! increment by increment, the adhesives' cure with it, and solves the
//! mechanical state at the output times and whenever cells gel (and, when a
//! material is path-dependent, at every thermal increment, each one a load
//! increment of the Newton driver, so that the history follows the path);
//! births, removals and bonds follow each state. One method per phase, in
//! the order of the recipe.

use super::conditions::{StepConditions, ToolTemperatures};
use super::cure::{CureState, CuringCells};
use super::format::{Recipe, RecipeStep};
use crate::case::{Case, CaseError};
use crate::summary::Summary;
use serde::Serialize;
use solver::analysis::{CellState, StaticAnalysis, StepResult};
use solver::graph::MeshGraph;
use solver::linear::SolverChoice;
use solver::model::{Model, Step};
use solver::thermal::{ThermalProblem, TransientThermal};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

/// The state at one mechanical output time.
pub struct RecipeOutput {
    pub step: String,
    /// Why the state was solved: "output", or "gel" when cells gelled.
    pub event: String,
    /// Time, s.
    pub time: f64,
    /// Head, stage and ambient temperatures, °C.
    pub head: Option<f64>,
    pub stage: Option<f64>,
    pub ambient: f64,
    /// Mean temperature (°C, over cells' mean nodal temperatures) of the
    /// reported adhesives and the curing parts.
    pub part_temperature: BTreeMap<String, f64>,
    pub cure: BTreeMap<String, CureState>,
    /// Which cells carry stiffness at this time.
    pub active: Vec<bool>,
    /// Active cells made strain-free where they stand right after this
    /// state (a step's `bond`, taking effect at its end).
    pub bonded: Vec<usize>,
    /// Degree of cure per cell (−1 for cells that do not cure).
    pub cell_cure: Vec<f64>,
    /// Prescribed displacements (mm) and nodal forces (N) of the state.
    pub constraints: BTreeMap<(usize, usize), f64>,
    pub loads: BTreeMap<(usize, usize), f64>,
    pub result: StepResult,
    pub summary: Summary,
    /// Newton's work since the previous state, when a material is
    /// path-dependent (the mechanical state then follows every thermal
    /// increment).
    pub newton: Option<NewtonTally>,
}

/// Increments and Newton iterations of the mechanical solves between two
/// states of a path-dependent recipe.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct NewtonTally {
    /// Converged increments.
    pub increments: usize,
    /// Newton iterations over them.
    pub iterations: usize,
    /// Most iterations of one increment.
    pub max_iterations: usize,
    /// Increments redone at a smaller size.
    pub cutbacks: usize,
}

impl NewtonTally {
    fn add(&mut self, stats: &solver::analysis::NewtonStats) {
        self.increments += stats.iterations.len();
        self.iterations += stats.iterations.iter().sum::<usize>();
        self.max_iterations = self
            .max_iterations
            .max(stats.iterations.iter().copied().max().unwrap_or(0));
        self.cutbacks += stats.cutbacks;
    }
}

impl RecipeOutput {
    /// The per-cell fields a state's `.vtu` carries besides the results:
    /// `active` (1 or 0) and `degree_of_cure` (−1 outside curing parts).
    pub fn cell_fields(&self) -> Vec<(String, Vec<f64>)> {
        let active = self
            .active
            .iter()
            .map(|&a| f64::from(u8::from(a)))
            .collect();
        vec![
            ("active".to_string(), active),
            ("degree_of_cure".to_string(), self.cell_cure.clone()),
        ]
    }

    /// Lowest and highest nodal temperature, °C.
    pub fn temperature_range(&self) -> (f64, f64) {
        self.result
            .temperature
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &t| {
                (a.min(t), b.max(t))
            })
    }
}

/// Progress of a recipe run, for a progress bar and live output.
pub enum Progress<'a> {
    /// A thermal increment done: `done` of `total`, at `time` s.
    Increment {
        done: usize,
        total: usize,
        time: f64,
    },
    /// A mechanical state solved.
    Output(&'a RecipeOutput),
    /// The thermo-elastic equations of the first state set up, before any
    /// solve: what their solve is expected to take.
    Prepared(&'a solver::memory::MemoryEstimate),
}

/// Wall time of a recipe run by phase, s.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Timings {
    pub thermal: f64,
    pub cure: f64,
    /// The thermo-elastic solves of the states.
    pub mechanical: f64,
    /// Births, removals and bonds between states: the strain-free state of
    /// the newborn cells (with the elastic extension solve at nodes only
    /// they hold).
    pub births: f64,
    pub summary: f64,
}

/// Runs the recipe of `case` on `model` (from [`Case::model`]; its initial
/// temperature becomes the recipe's start), calling `progress` after each
/// thermal increment and each mechanical state. Returns the states and the
/// wall time by phase.
pub fn run_recipe(
    case: &Case,
    recipe: &Recipe,
    model: &mut Model,
    choice: SolverChoice,
    progress: impl FnMut(Progress<'_>),
) -> Result<(Vec<RecipeOutput>, Timings), CaseError> {
    model.initial_temperature = vec![recipe.start; model.mesh.num_nodes()];
    RecipeRun::new(case, recipe, model, choice)?.run(progress)
}

/// A recipe under way on one model (built by [`run_recipe`], which sets the
/// model's initial temperature to the recipe's start first).
pub(crate) struct RecipeRun<'m> {
    case: &'m Case,
    recipe: &'m Recipe,
    /// The model, stress-free at the recipe's start temperature.
    model: &'m Model,
    graph: Arc<MeshGraph>,
    thermal: TransientThermal<'m>,
    analysis: StaticAnalysis<'m>,
    cure: CuringCells,
    /// Parts whose mean temperature the states report, with their cells.
    reported: Vec<(String, Vec<usize>)>,
    /// Nodal temperatures now, °C.
    temperature: Vec<f64>,
    /// Tool temperatures at the start of the current step.
    tools: ToolTemperatures,
    /// Time now, s.
    time: f64,
    increments_done: usize,
    timings: Timings,
    outputs: Vec<RecipeOutput>,
    /// Whether a material is path-dependent: the mechanical state then
    /// follows every thermal increment.
    path_dependent: bool,
    /// Newton's work since the last state.
    tally: NewtonTally,
}

impl<'m> RecipeRun<'m> {
    /// Sets up the heat conduction and the thermo-elastic analysis of
    /// `model` on one mesh graph, with the parts added later and the curing
    /// parts absent; every material must have thermal properties.
    pub fn new(
        case: &'m Case,
        recipe: &'m Recipe,
        model: &'m Model,
        choice: SolverChoice,
    ) -> Result<Self, CaseError> {
        let problem = ThermalProblem::of(model);
        if let Some(i) = problem.properties.iter().position(Option::is_none) {
            return Err(recipe_error(
                case,
                format!(
                    "material {} has no thermal properties; the recipe needs them",
                    model.materials[i].name
                ),
            ));
        }
        let graph = Arc::new(MeshGraph::new(&model.mesh));
        let mut run = RecipeRun {
            case,
            recipe,
            model,
            thermal: TransientThermal::with_graph(&problem, Arc::clone(&graph)),
            analysis: StaticAnalysis::with_graph(model, Arc::clone(&graph), choice),
            graph,
            cure: CuringCells::new(&recipe.cure, |p| cells_of(model, &[p.to_string()])),
            reported: Vec::new(),
            temperature: vec![recipe.start; model.mesh.num_nodes()],
            tools: ToolTemperatures::uniform(recipe.start),
            time: 0.0,
            increments_done: 0,
            timings: Timings::default(),
            outputs: Vec::new(),
            path_dependent: model.is_path_dependent(),
            tally: NewtonTally::default(),
        };
        run.analysis.set_state(run.initial_state());
        run.reported = run.reported_parts();
        Ok(run)
    }

    /// Every cell active but those of parts a step adds and the curing ones.
    fn initial_state(&self) -> CellState {
        let mut state = CellState::all_active(self.model);
        for s in &self.recipe.steps {
            for c in cells_of(self.model, &s.add) {
                state.active[c] = false; // born later
            }
        }
        for &c in &self.cure.ids {
            state.active[c] = false; // born at its gel point
        }
        state
    }

    /// The adhesives and the curing parts, with their cells.
    fn reported_parts(&self) -> Vec<(String, Vec<usize>)> {
        let mut reported: Vec<String> = self.case.roles.adhesives.clone();
        for (p, _) in &self.recipe.cure {
            if !reported.contains(p) {
                reported.push(p.clone());
            }
        }
        reported
            .into_iter()
            .map(|p| {
                let cells = cells_of(self.model, std::slice::from_ref(&p));
                (p, cells)
            })
            .collect()
    }

    /// Runs every step; returns the states and the wall time by phase.
    pub fn run(
        mut self,
        mut progress: impl FnMut(Progress<'_>),
    ) -> Result<(Vec<RecipeOutput>, Timings), CaseError> {
        let recipe = self.recipe;
        let estimate = self.prepare(&recipe.steps[0])?;
        progress(Progress::Prepared(&estimate));
        for s in &recipe.steps {
            self.run_step(s, &mut progress)?;
        }
        Ok((self.outputs, self.timings))
    }

    /// Sets up the thermo-elastic equations of the first state (step `s`'s
    /// supports, the cells present at the start) and returns their memory
    /// estimate; refuses a solve that would not fit before the recipe runs.
    fn prepare(&mut self, s: &RecipeStep) -> Result<solver::memory::MemoryEstimate, CaseError> {
        let conditions = StepConditions::new(self.case, self.model, s, self.tools)?;
        let step = Step {
            name: s.name.clone(),
            time: 0.0,
            constraints: conditions.constraints,
            loads: conditions.loads,
            temperature: self.temperature.clone(),
            increments: Default::default(),
            visco: false,
        };
        self.analysis
            .prepare(&step)
            .map_err(|e| recipe_error(self.case, e.to_string()))
    }

    /// One step: its increments, each a heat-conduction increment and the
    /// cure over it, with a mechanical state (and the births after it) at
    /// the output increments and wherever cells gel.
    fn run_step(
        &mut self,
        s: &'m RecipeStep,
        progress: &mut impl FnMut(Progress<'_>),
    ) -> Result<(), CaseError> {
        let conditions = StepConditions::new(self.case, self.model, s, self.tools)?;
        let total: usize = self.recipe.steps.iter().map(|s| s.increments).sum();
        let output_at = output_increments(s);
        let dt = s.duration / s.increments as f64;
        let step_start = self.time;
        for k in 1..=s.increments {
            let tau = if s.steady { s.duration } else { k as f64 * dt };
            let t_new = self.heat(s, &conditions, tau)?;
            let newly = self.advance_cure(s, &t_new);
            self.temperature = t_new;
            self.time = step_start + tau;
            self.increments_done += 1;
            progress(Progress::Increment {
                done: self.increments_done,
                total,
                time: self.time,
            });
            let is_output = output_at.contains(&k);
            if !is_output && newly.is_empty() {
                if self.path_dependent {
                    // the history follows the path, increment by increment
                    self.mechanical_state(s, &conditions)?;
                }
                continue;
            }
            let result = self.mechanical_state(s, &conditions)?;
            let out = self.record(s, &conditions, tau, result, &newly, is_output);
            progress(Progress::Output(&out));
            let out = self.births(s, k == s.increments, &newly, out)?;
            self.outputs.push(out);
        }
        self.tools = self.tools.after(s);
        Ok(())
    }

    /// The heat-conduction increment to `tau` s into step `s` (a steady
    /// state for a steady step): the new nodal temperatures, °C.
    fn heat(
        &mut self,
        s: &RecipeStep,
        conditions: &StepConditions<'_>,
        tau: f64,
    ) -> Result<Vec<f64>, CaseError> {
        let clock = Instant::now();
        let fixed = conditions.fixed_at(tau);
        let convection = conditions.convection_at(tau);
        let t_new = if s.steady {
            self.thermal.steady(&self.temperature, &fixed, &convection)
        } else {
            let dt = s.duration / s.increments as f64;
            self.thermal
                .step(&self.temperature, dt, &fixed, &convection)
        }
        .map_err(|e| recipe_error(self.case, e.to_string()))?;
        self.timings.thermal += clock.elapsed().as_secs_f64();
        Ok(t_new)
    }

    /// The cure over the increment to `t_new`, each cell's temperature
    /// linear in time (constant for a steady hold); the cells that gelled.
    fn advance_cure(&mut self, s: &RecipeStep, t_new: &[f64]) -> Vec<usize> {
        let clock = Instant::now();
        let ids = &self.cure.ids;
        let before = if s.steady {
            self.cell_means(t_new, ids)
        } else {
            self.cell_means(&self.temperature, ids)
        };
        let after = self.cell_means(t_new, ids);
        let dt = if s.steady {
            s.duration
        } else {
            s.duration / s.increments as f64
        };
        let newly = self.cure.advance(&self.recipe.cure, &before, &after, dt);
        self.timings.cure += clock.elapsed().as_secs_f64();
        newly
    }

    /// The thermo-elastic state now, with the chemical shrinkage of the
    /// gelled cells up to now.
    fn mechanical_state(
        &mut self,
        s: &RecipeStep,
        conditions: &StepConditions<'_>,
    ) -> Result<StepResult, CaseError> {
        for (cell, strain) in self.cure.shrinkage_increments(&self.recipe.cure) {
            self.analysis.add_isotropic_eigenstrain(cell, strain);
        }
        let clock = Instant::now();
        let step = Step {
            name: s.name.clone(),
            time: self.time,
            constraints: conditions.constraints.clone(),
            loads: conditions.loads.clone(),
            temperature: self.temperature.clone(),
            increments: Default::default(),
            // the recipe runs in real time: adhesives relax between states
            visco: true,
        };
        let result = self
            .analysis
            .solve_step(&step)
            .map_err(|e| recipe_error(self.case, e.to_string()))?;
        if let Some(n) = &result.newton {
            self.tally.add(n);
        }
        self.timings.mechanical += clock.elapsed().as_secs_f64();
        Ok(result)
    }

    /// The state's record: summary, part temperatures, degree of cure and
    /// why it was solved.
    fn record(
        &mut self,
        s: &RecipeStep,
        conditions: &StepConditions<'_>,
        tau: f64,
        result: StepResult,
        newly: &[usize],
        is_output: bool,
    ) -> RecipeOutput {
        let clock = Instant::now();
        let n = self.temperature.len();
        let mut summary = Summary::new(self.case, self.model, &result);
        summary.stress_free_temperature_c = self.recipe.start;
        summary.room_temperature_c = self.temperature.iter().sum::<f64>() / n as f64;
        summary.process = Some(format!(
            "recipe step '{}' of {}, at {} s (placed at {} C)",
            s.name,
            self.recipe.steps.len(),
            self.time,
            self.recipe.start
        ));
        let part_temperature = self
            .reported
            .iter()
            .filter(|(_, cells)| !cells.is_empty())
            .map(|(p, cells)| {
                let m = self.cell_means(&self.temperature, cells);
                (p.clone(), m.iter().sum::<f64>() / m.len() as f64)
            })
            .collect();
        let event = if is_output {
            "output".to_string()
        } else {
            format!("gel ({} cells)", newly.len())
        };
        let (head, stage, ambient) = self.tools.during(s, tau);
        let out = RecipeOutput {
            step: s.name.clone(),
            event,
            time: self.time,
            head,
            stage,
            ambient,
            part_temperature,
            cure: self.cure.states(&self.recipe.cure, newly),
            active: self.analysis.state().active.clone(),
            bonded: Vec::new(),
            cell_cure: self.cure.per_cell(self.model.mesh.num_cells()),
            constraints: conditions.constraints.clone(),
            loads: conditions.loads.clone(),
            result,
            summary,
            newton: self.path_dependent.then(|| std::mem::take(&mut self.tally)),
        };
        self.timings.summary += clock.elapsed().as_secs_f64();
        out
    }

    /// After a state: the cells that gelled are born strain-free, and at a
    /// step's end (`last`) its parts are added, removed and bonded.
    fn births(
        &mut self,
        s: &RecipeStep,
        last: bool,
        newly: &[usize],
        mut out: RecipeOutput,
    ) -> Result<RecipeOutput, CaseError> {
        let clock = Instant::now();
        if !newly.is_empty() {
            let cells: Vec<usize> = newly.iter().map(|&i| self.cure.cells[i].0).collect();
            self.add(&cells, &out)?;
            self.cure.gel(&self.recipe.cure, newly.iter().copied());
        }
        if last {
            let born = cells_of(self.model, &s.add);
            if !born.is_empty() {
                self.add(&born, &out)?;
            }
            self.analysis.remove(&cells_of(self.model, &s.remove));
            out.bonded = self.bond(&s.bond, &out)?;
        }
        self.timings.births += clock.elapsed().as_secs_f64();
        Ok(out)
    }

    /// Bonds the cells of `parts`: active ones made strain-free where they
    /// stand, the others born (a curing one counts as gelled). Returns the
    /// active ones.
    fn bond(&mut self, parts: &[String], out: &RecipeOutput) -> Result<Vec<usize>, CaseError> {
        let (present, absent): (Vec<usize>, Vec<usize>) = cells_of(self.model, parts)
            .into_iter()
            .partition(|&c| self.analysis.state().active[c]);
        self.analysis
            .reset_strain_free(&present, &out.result.displacement, &out.result.temperature)
            .map_err(|e| recipe_error(self.case, e.to_string()))?;
        if !absent.is_empty() {
            self.add(&absent, out)?;
            let mut born = vec![false; self.model.mesh.num_cells()];
            absent.iter().for_each(|&c| born[c] = true);
            let cure = &self.cure;
            let curing: Vec<usize> = (0..cure.cells.len())
                .filter(|&i| born[cure.cells[i].0] && !cure.gelled[i])
                .collect();
            self.cure.gel(&self.recipe.cure, curing);
        }
        Ok(present)
    }

    /// Adds `cells` strain-free in the state `out`.
    fn add(&mut self, cells: &[usize], out: &RecipeOutput) -> Result<(), CaseError> {
        self.analysis
            .add(
                cells,
                &out.result.displacement,
                &out.result.temperature,
                &out.constraints,
            )
            .map_err(|e| recipe_error(self.case, e.to_string()))
    }

    /// Mean of the nodal temperatures `t` (°C) of each of `cells`.
    fn cell_means(&self, t: &[f64], cells: &[usize]) -> Vec<f64> {
        cells
            .iter()
            .map(|&c| {
                let (b, i) = self.graph.locate[c];
                let nodes = self.model.mesh.blocks[b].cell(i);
                nodes.iter().map(|&v| t[v]).sum::<f64>() / nodes.len() as f64
            })
            .collect()
    }
}

/// Warnings about how the recipe ended: a curing part some of whose cells
/// never reached the gel point carries no stiffness there (its kinetics or
/// its time above temperature never triggered).
pub fn end_warnings(outputs: &[RecipeOutput]) -> Vec<String> {
    let Some(last) = outputs.last() else {
        return Vec::new();
    };
    last.cure
        .iter()
        .filter(|(_, c)| c.gelled < 1.0)
        .map(|(p, c)| {
            format!(
                "part {p}: {:.1} % of its cells never reached the gel point (degree of cure {:.3} to {:.3} at the end): they carry no stiffness; check process.cure.{p} and the temperatures",
                100.0 * (1.0 - c.gelled),
                c.min,
                c.max
            )
        })
        .collect()
}

/// The increments of step `s` at which a mechanical state is output: its
/// `outputs` evenly spaced over the increments, the last at the end.
fn output_increments(s: &RecipeStep) -> BTreeSet<usize> {
    (1..=s.outputs)
        .map(|j| ((j * s.increments) as f64 / s.outputs as f64).round() as usize)
        .collect()
}

/// The cells of the parts named `names`.
pub(super) fn cells_of(model: &Model, names: &[String]) -> Vec<usize> {
    let parts: Vec<usize> = names
        .iter()
        .filter_map(|p| model.mesh.part_names.iter().position(|q| q == p))
        .collect();
    (0..model.mesh.num_cells())
        .filter(|&c| parts.contains(&model.mesh.cell_part[c]))
        .collect()
}

fn recipe_error(case: &Case, message: String) -> CaseError {
    CaseError::Recipe {
        file: case.file.clone(),
        message,
    }
}
