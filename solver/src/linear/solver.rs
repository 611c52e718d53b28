//! The linear-solver interface: what the analyses ask of a solver, which
//! one to use, and what a solve reports.

use crate::assembly::Pattern;

/// Which linear solver to use.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SolverChoice {
    /// Direct when the factor fits in 70 % of the available memory, else CG.
    Auto,
    Direct,
    Iterative,
}

#[derive(Debug, thiserror::Error)]
pub enum SolverError {
    #[error("the stiffness matrix is not positive definite (a rigid-body motion is not suppressed, a material constant is invalid, or reduced-integration C3D20R cells form a zero-energy mode — e.g. a column one cell wide standing alone: use full integration or more cells across)")]
    NotPositiveDefinite,
    #[error("multigrid coarsening stalled at {unknowns} unknowns (a dense coarse solve of that size would need {gib:.1} GiB); use the direct solver (--solver direct)")]
    CoarseningStalled { unknowns: usize, gib: f64 },
    #[error("sparse Cholesky analysis failed: {0}")]
    Analysis(String),
    #[error("conjugate gradient did not converge: relative residual {residual:.3e} after {iterations} iterations")]
    NotConverged { iterations: usize, residual: f64 },
    #[error("the solution contains NaN or infinity")]
    NotFinite,
    #[error("the direct factor would overflow its 32-bit indices (a model of this size needs --solver amg)")]
    IndexOverflow,
    #[error(transparent)]
    Memory(#[from] crate::memory::MemoryError),
}

/// What a solve did.
#[derive(Clone, Debug, Default)]
pub struct SolveStats {
    pub method: &'static str,
    pub iterations: usize,
    /// Relative residual `|b − A x| / |b|` (CG only; 0 for direct).
    pub residual: f64,
    /// Stored entries of the Cholesky factor (direct only).
    pub factor_nnz: usize,
    /// Smallest over largest pivot of the factor (direct only): a
    /// conditioning indicator, rejected below [`SINGULAR_PIVOT_RATIO`](super::SINGULAR_PIVOT_RATIO).
    pub pivot_ratio: f64,
    /// What the solver built (factor size, multigrid levels) and, with
    /// `Auto`, why it was chosen; for the run summary.
    pub detail: String,
    /// Whether this solve set the solver up afresh for new matrix values
    /// (a numeric factorisation, or AMG's levels), as opposed to reusing
    /// what it built for earlier ones.
    pub factorised: bool,
}

/// A solver for `A x = b` with `A` SPD in upper-triangular CSC form.
/// `factorize` is called whenever the values change; `solve` may then be
/// called for many right-hand sides.
pub trait LinearSolver: Send {
    fn name(&self) -> &'static str;
    fn factorize(&mut self, pattern: &Pattern, values: &[f64]) -> Result<(), SolverError>;
    fn solve(&mut self, rhs: &mut [f64]) -> Result<SolveStats, SolverError>;
    /// Takes new values of the matrix on the same pattern while keeping
    /// what was built from the earlier ones, where that still serves as a
    /// preconditioner (AMG: prolongators and coarse operators). Returns
    /// false when the solver has nothing worth keeping (a direct factor is
    /// exact for its own values only); the caller then factorizes.
    fn update_values(&mut self, _pattern: &Pattern, _values: &[f64]) -> Result<bool, SolverError> {
        Ok(false)
    }
}

pub(crate) use crate::memory::GIB;
