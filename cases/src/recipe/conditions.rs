//! The boundary conditions of one recipe step: for the heat conduction the
//! tool faces, prescribed along their profiles or in contact through a
//! conductance, and every other exterior face convecting to the ambient;
//! for the mechanics the supports and the head load, carried by the stage.

use super::format::{Load, RecipeStep, Tool};
use crate::case::{Case, CaseError, Supports};
use crate::part::FaceRef;
use mesher::package::Symmetry;
use solver::model::Model;
use solver::thermal::Convection;
use std::collections::{BTreeMap, BTreeSet};

/// Head, stage and ambient temperature, °C.
#[derive(Clone, Copy, Debug)]
pub(super) struct ToolTemperatures {
    pub head: f64,
    pub stage: f64,
    pub ambient: f64,
}

impl ToolTemperatures {
    /// Every tool at `t` °C (the recipe's start).
    pub fn uniform(t: f64) -> Self {
        ToolTemperatures {
            head: t,
            stage: t,
            ambient: t,
        }
    }

    /// The temperatures `tau` s into step `s` starting from these: the
    /// head's and stage's where the step has them.
    pub fn during(&self, s: &RecipeStep, tau: f64) -> (Option<f64>, Option<f64>, f64) {
        (
            s.head
                .as_ref()
                .map(|h| h.profile.at(self.head, tau, s.duration)),
            s.stage
                .as_ref()
                .map(|h| h.profile.at(self.stage, tau, s.duration)),
            s.ambient.at(self.ambient, tau, s.duration),
        )
    }

    /// The temperatures at the end of step `s`, where the next one starts
    /// (a tool the step does not name keeps its temperature).
    pub fn after(&self, s: &RecipeStep) -> Self {
        let (head, stage, ambient) = self.during(s, s.duration);
        ToolTemperatures {
            head: head.unwrap_or(self.head),
            stage: stage.unwrap_or(self.stage),
            ambient,
        }
    }
}

/// The nodes of a face (its node set; none if the mesh has no such set).
pub(super) fn face_nodes(model: &Model, f: &FaceRef) -> Vec<usize> {
    model
        .mesh
        .node_sets
        .get(&f.node_set())
        .cloned()
        .unwrap_or_default()
}

/// The boundary conditions of one step.
pub(super) struct StepConditions<'s> {
    step: &'s RecipeStep,
    /// Tool temperatures at the step's start.
    start: ToolTemperatures,
    /// Prescribed tool faces: the tool, its start temperature, its nodes.
    held: Vec<(&'s Tool, f64, Vec<usize>)>,
    /// Tool faces in contact through a conductance, with their start
    /// temperatures.
    contacts: Vec<(Convection, &'s Tool, f64)>,
    /// The other exterior faces convecting to the ambient (none without a film).
    air: Option<Convection>,
    /// Prescribed displacements (mm) and nodal forces (N) of the step.
    pub constraints: BTreeMap<(usize, usize), f64>,
    pub loads: BTreeMap<(usize, usize), f64>,
}

impl<'s> StepConditions<'s> {
    pub fn new(
        case: &Case,
        model: &Model,
        s: &'s RecipeStep,
        start: ToolTemperatures,
    ) -> Result<Self, CaseError> {
        let tools = [(&s.head, start.head), (&s.stage, start.stage)];
        let mut held = Vec::new();
        let mut contacts = Vec::new();
        let mut taken = BTreeSet::new();
        for (tool, t0) in tools {
            let Some(tool) = tool.as_ref() else { continue };
            let nodes = face_nodes(model, &tool.face);
            taken.extend(nodes.iter().copied());
            match tool.conductance {
                None => held.push((tool, t0, nodes)),
                Some(h) => {
                    contacts.push((Convection::on_nodes(&model.mesh, &nodes, h, t0), tool, t0))
                }
            }
        }
        let free: Vec<usize> = (0..model.mesh.num_nodes())
            .filter(|v| !taken.contains(v))
            .collect();
        let air =
            (s.film > 0.0).then(|| Convection::on_nodes(&model.mesh, &free, s.film, start.ambient));
        let (constraints, loads) = step_supports(case, model, s)?;
        Ok(StepConditions {
            step: s,
            start,
            held,
            contacts,
            air,
            constraints,
            loads,
        })
    }

    /// Prescribed nodal temperatures (°C) `tau` s into the step.
    pub fn fixed_at(&self, tau: f64) -> BTreeMap<usize, f64> {
        let mut fixed = BTreeMap::new();
        for (tool, t0, nodes) in &self.held {
            let v = tool.profile.at(*t0, tau, self.step.duration);
            for &node in nodes {
                fixed.insert(node, v);
            }
        }
        fixed
    }

    /// Convection (air, then tool contacts) `tau` s into the step.
    pub fn convection_at(&self, tau: f64) -> Vec<Convection> {
        let s = self.step;
        let mut list = Vec::new();
        if let Some(a) = &self.air {
            let mut a = a.clone();
            a.ambient = s.ambient.at(self.start.ambient, tau, s.duration);
            list.push(a);
        }
        for (c, tool, t0) in &self.contacts {
            let mut c = c.clone();
            c.ambient = tool.profile.at(*t0, tau, s.duration);
            list.push(c);
        }
        list
    }
}

type Supported = (BTreeMap<(usize, usize), f64>, BTreeMap<(usize, usize), f64>);

/// Constraints and loads of a step: with a head load the stage face is held
/// and the head face pressed; otherwise the case's own supports.
fn step_supports(case: &Case, model: &Model, s: &RecipeStep) -> Result<Supported, CaseError> {
    let (Some((face, load)), Some(stage)) = (&s.pressure, &s.stage) else {
        return Ok((model.steps[0].constraints.clone(), BTreeMap::new()));
    };
    let constraints = case.constraints_with(&model.mesh, &Supports::Stage(stage.face.clone()))?;
    let faces = solver::element::face::faces_on(&model.mesh, &face_nodes(model, face));
    let area = solver::loads::faces_area(&model.mesh, &faces);
    let copies = match case.controls.symmetry {
        Symmetry::Full => 1.0,
        Symmetry::Half => 2.0,
        Symmetry::Quarter => 4.0,
    };
    let p = match *load {
        Load::Pressure(p) => p,
        Load::Force(f) => f / (area * copies),
    };
    let mut loads = BTreeMap::new();
    solver::loads::add_pressure(&model.mesh, &faces, p, &mut loads);
    Ok((constraints, loads))
}
