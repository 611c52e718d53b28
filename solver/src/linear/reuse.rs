//! Factor reuse across solves whose matrix values move a little
//! (temperature-dependent moduli): the previous factor or multigrid levels
//! precondition CG before anything is rebuilt.

use super::cg::pcg_with_factor;
use super::csr::Csr;
use super::solver::{LinearSolver, SolveStats, SolverError};
use crate::assembly::Pattern;

/// Relative residual at which a solve preconditioned by a previous
/// factorisation is accepted (well below the round-off of the quantities
/// reported), and the most iterations it may take before pkgstress
/// refactorises.
pub const REUSE_TOLERANCE: f64 = 1e-12;

pub const REUSE_ITERATIONS: usize = 30;

/// A direct factorisation kept across solves whose matrix values move
/// (temperature-dependent properties): the values it was computed from and
/// the wall time (s) of that factorisation and of the substitution after it.
#[derive(Debug, Default)]
pub struct FactorReuse {
    values: Vec<f64>,
    factor_seconds: f64,
    triangular_seconds: f64,
    /// Iterations of the last solve after a fresh set-up (iterative solvers).
    fresh_iterations: usize,
    /// The kept preconditioner has grown stale: rebuild at the next change.
    stale: bool,
}

impl FactorReuse {
    /// Solves `A x = rhs` in place for the matrix `values` on `pattern`
    /// with `solver`. When a set-up exists, the values moved and
    /// `try_previous` holds, what the solver built for the earlier values is
    /// tried first: AMG's coarse levels (until they grow stale), or CG
    /// preconditioned by the previous direct factor; otherwise, or when
    /// that does not converge, `solver` sets up afresh (only if the values
    /// changed) and solves.
    pub fn solve(
        &mut self,
        solver: &mut dyn LinearSolver,
        pattern: &Pattern,
        values: Vec<f64>,
        rhs: &mut Vec<f64>,
        try_previous: bool,
    ) -> Result<SolveStats, SolverError> {
        let moved = values != self.values;
        if moved && try_previous && !self.values.is_empty() && !self.stale {
            // an iterative solver keeps its coarse levels while the values
            // move; a direct one preconditions CG with its previous factor
            if solver.update_values(pattern, &values)? {
                let saved = rhs.clone();
                match solver.solve(rhs) {
                    Ok(mut stats) => {
                        // rebuild before the next solve once the kept levels
                        // cost half again the iterations of a fresh set-up
                        self.stale = 2 * stats.iterations > 3 * self.fresh_iterations + 10;
                        self.values = values;
                        stats
                            .detail
                            .push_str("; coarse levels kept from an earlier matrix");
                        return Ok(stats);
                    }
                    // fresh set-up below
                    Err(SolverError::NotConverged { .. } | SolverError::NotPositiveDefinite) => {
                        rhs.copy_from_slice(&saved)
                    }
                    Err(e) => return Err(e),
                }
            } else if let Some(stats) = self.try_previous_factor(solver, pattern, &values, rhs)? {
                return Ok(stats);
            }
        }
        if moved {
            let clock = std::time::Instant::now();
            solver.factorize(pattern, &values)?;
            self.values = values;
            self.factor_seconds = clock.elapsed().as_secs_f64();
        }
        let clock = std::time::Instant::now();
        let mut stats = solver.solve(rhs)?;
        if moved {
            self.triangular_seconds = clock.elapsed().as_secs_f64();
            self.fresh_iterations = stats.iterations;
            self.stale = false;
            stats.factorised = true;
        }
        Ok(stats)
    }

    /// CG on the moved `values` preconditioned by the factor of the earlier
    /// ones, with the iterations a new factorisation is worth (its measured
    /// time over a substitution's, 4 to [`REUSE_ITERATIONS`]); the solution
    /// replaces `rhs` when it converges.
    fn try_previous_factor(
        &self,
        solver: &mut dyn LinearSolver,
        pattern: &Pattern,
        values: &[f64],
        rhs: &mut Vec<f64>,
    ) -> Result<Option<SolveStats>, SolverError> {
        let matrix = Csr::from_upper(pattern, values);
        let mut x = rhs.clone();
        let budget = if self.triangular_seconds > 0.0 {
            (self.factor_seconds / self.triangular_seconds) as usize
        } else {
            REUSE_ITERATIONS
        };
        let reused = pcg_with_factor(
            &matrix,
            solver,
            &mut x,
            REUSE_TOLERANCE,
            budget.clamp(4, REUSE_ITERATIONS),
        )?;
        if reused.is_some() {
            *rhs = x;
        }
        Ok(reused)
    }
}
