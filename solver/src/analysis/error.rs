//! Errors of an analysis: a cell whose Jacobian fails, or a linear solve.

use crate::linear::SolverError;
use crate::values::JacobianError;

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error("element {element} ({kind}): {cause}")]
    Jacobian {
        element: u64,
        kind: &'static str,
        cause: JacobianError,
    },
    #[error("step {step}: {cause}")]
    Solver { step: String, cause: SolverError },
    /// A stiffness that is not positive definite.
    #[error("step {step}: the stiffness matrix is not positive definite: {}", singular_reason(floating, *reduced))]
    Singular {
        step: String,
        /// Parts that no constraint holds.
        floating: Vec<String>,
        /// Whether the mesh has reduced-integration C3D20R cells.
        reduced: bool,
    },
    /// An increment of a path-dependent step that did not converge.
    #[error("step {step}: the Newton iterations did not converge at {:.4} of the step ({iterations} iterations{}); the loads or temperature change may be too large for the material, or the model unstable", fraction, if *fixed { ", fixed increments (DIRECT): allow automatic incrementation" } else { ", after cutting the increment back" })]
    NotConverged {
        step: String,
        /// Fraction of the step reached.
        fraction: f64,
        iterations: usize,
        fixed: bool,
    },
    /// Plastic strain beyond what a small-strain analysis describes.
    #[error("step {step}: the equivalent plastic strain reaches {:.0} % in part {part} (element {element}), beyond the {:.0} % a small-strain analysis can describe: the part is flowing without bound: the loads (a head force, a pressure) or the temperature change exceed what it can carry, or its hardening curve is too low", 100.0 * value, 100.0 * limit)]
    ExcessivePlasticStrain {
        step: String,
        part: String,
        element: u64,
        /// The largest equivalent plastic strain, dimensionless.
        value: f64,
        /// The largest one allowed, dimensionless.
        limit: f64,
    },
    /// Results that overflowed.
    #[error("step {step}: the {what} are not finite (they overflow): the step's largest |temperature| is {temperature:e} C, |nodal force| {load:e} N, |prescribed displacement| {displacement:e} mm; check the loads, temperatures and material constants")]
    NotFinite {
        step: String,
        what: &'static str,
        temperature: f64,
        load: f64,
        displacement: f64,
    },
}

/// Why a stiffness is singular, in words.
fn singular_reason(floating: &[String], reduced: bool) -> String {
    let mut s = if floating.is_empty() {
        "no part floats free, so a material constant is invalid (E ≤ 0, ν ≥ 0.5) or cells are degenerate".to_string()
    } else {
        format!(
            "{} {} free to make a rigid-body motion (fewer than 6 prescribed displacement components, or none in some direction, hold {}): add supports (*BOUNDARY, supports.type) or join {} to a held part",
            floating.join(", "),
            if floating.len() == 1 { "is" } else { "are" },
            if floating.len() == 1 { "it" } else { "them" },
            if floating.len() == 1 { "it" } else { "them" },
        )
    };
    if reduced {
        s.push_str("; with C3D20R cells a zero-energy mode is also possible (a column one cell wide standing alone): use full integration (C3D20) or more cells across");
    }
    s
}

impl AnalysisError {
    /// A Jacobian error of cell `c` of `block`, named by its user number.
    pub fn jacobian(block: &mesher::CellBlock, c: usize, source: JacobianError) -> Self {
        AnalysisError::Jacobian {
            element: block.cell_ids[c],
            kind: block.kind.abaqus_name(),
            cause: source,
        }
    }
}
