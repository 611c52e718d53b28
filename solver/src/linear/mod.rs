//! Linear solvers for the SPD systems of the solver: a supernodal sparse
//! Cholesky (faer) on the METIS-ordered equations, conjugate gradients
//! preconditioned by smoothed-aggregation multigrid for systems whose factor
//! would not fit in memory, the automatic choice between them, and the reuse
//! of a factorisation across solves whose matrix values move.

pub mod amg;
pub(crate) mod cg;
mod choice;
mod cholesky;
pub(crate) mod csr;
mod reuse;
pub(crate) mod solver;

pub use cg::{pcg, pcg_with_factor, ConjugateGradient, ITERATIVE_TOLERANCE};
pub use choice::{auto_choice, make_solver, DIRECT_FLOP_LIMIT};
pub use cholesky::{DirectCholesky, SINGULAR_PIVOT_RATIO};
pub use csr::Csr;
pub use reuse::{FactorReuse, REUSE_ITERATIONS, REUSE_TOLERANCE};
pub use solver::{LinearSolver, SolveStats, SolverChoice, SolverError};
