//! Errors of an analysis: a cell whose Jacobian fails, or a linear solve.

use crate::linear::SolverError;
use crate::values::JacobianError;

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
