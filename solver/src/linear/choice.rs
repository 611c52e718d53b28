//! Which solver a system gets: the automatic choice between the direct
//! factor and AMG-CG from the symbolic factor's size and work and the
//! memory budget, and the refusal of a solve that would not fit.

use super::amg::{AmgCg, NearNullSpace};
use super::cg::ITERATIVE_TOLERANCE;
use super::cholesky::{kept_factor_bytes, DirectCholesky};
use super::solver::{LinearSolver, SolverChoice, SolverError, GIB};
use crate::assembly::Pattern;
use crate::memory::{self, MemoryEstimate};

/// What to change when a solve would not fit in memory.
const ADVICE: &str = "coarsen the mesh (mesh.size, mesh.layers, mesh.across_bumps), use a symmetry plane, or raise --max-memory if the machine has more";

/// Builds the solver for `pattern` according to `choice`; `nns` is the
/// near-null space of the equations for the multigrid preconditioner;
/// `quadratic` says the cells are quadratic (for the memory estimate).
/// With `Auto`, see [`auto_choice`]; the reason is reported in the
/// solves' [`SolveStats::detail`](super::SolveStats::detail). Returns the
/// solver with the memory estimate of its solve, and refuses a solve whose
/// estimate exceeds the budget ([`crate::memory`]) before any numeric work.
pub fn make_solver(
    pattern: &Pattern,
    choice: SolverChoice,
    nns: NearNullSpace,
    quadratic: bool,
) -> Result<(Box<dyn LinearSolver>, MemoryEstimate), SolverError> {
    let dof = pattern.n;
    let amg = |nns, note: String| -> Result<(Box<dyn LinearSolver>, MemoryEstimate), SolverError> {
        let estimate = memory::iterative_estimate(dof, quadratic);
        memory::check("the AMG-CG solve", &estimate, ADVICE)?;
        let mut s = AmgCg::new(nns, ITERATIVE_TOLERANCE);
        s.note = note;
        Ok((Box::new(s), estimate))
    };
    match choice {
        SolverChoice::Iterative => amg(nns, String::new()),
        SolverChoice::Direct => {
            let direct = DirectCholesky::analyse(pattern)?;
            let estimate = memory::direct_estimate(dof, direct.factor_bytes(), quadratic);
            memory::check(
                "the direct solve",
                &estimate,
                &format!(
                    "use --solver amg (about {:.2} GiB), or {ADVICE}",
                    memory::iterative_estimate(dof, quadratic).total() as f64 / GIB
                ),
            )?;
            Ok((Box::new(direct), estimate))
        }
        SolverChoice::Auto => match DirectCholesky::analyse(pattern) {
            Err(SolverError::IndexOverflow) => amg(
                nns,
                "; auto: the direct factor would overflow its 32-bit indices".into(),
            ),
            Err(e) => Err(e),
            Ok(mut direct) => {
                let (pick, reason) = auto_choice(&direct);
                let note = format!("; auto: {reason}");
                if pick == SolverChoice::Direct {
                    direct.note = note;
                    let estimate = memory::direct_estimate(dof, direct.factor_bytes(), quadratic);
                    Ok((Box::new(direct), estimate))
                } else {
                    drop(direct);
                    amg(nns, note)
                }
            }
        },
    }
}

/// What `Auto` picks for a system whose symbolic factor is `direct`, and
/// why: the direct solver when its factor fits in 70 % of the memory
/// budget ([`crate::memory::budget`], the available memory by default) (with the kept buffers of dropped direct solvers, which the new
/// factor reuses or frees) and its numeric factorisation takes fewer than
/// [`DIRECT_FLOP_LIMIT`] floating-point operations, else AMG-CG.
pub fn auto_choice(direct: &DirectCholesky) -> (SolverChoice, String) {
    // the kept factor buffers are resident but serve the new factor
    let budget = match memory::budget() {
        u64::MAX => f64::INFINITY,
        b => (b + kept_factor_bytes()) as f64 * 0.7,
    };
    let flops = direct.factor_flops().unwrap_or(0.0);
    let bytes = direct.factor_bytes() as f64;
    let facts = format!(
        "factor {:.2} GiB of a {:.1} GiB budget, {:.0} GFlop (limit {:.0})",
        bytes / GIB,
        budget / GIB,
        flops / 1e9,
        DIRECT_FLOP_LIMIT / 1e9
    );
    if bytes < budget && flops < DIRECT_FLOP_LIMIT {
        (SolverChoice::Direct, facts)
    } else {
        (SolverChoice::Iterative, facts)
    }
}

/// Factorisation work above which `Auto` takes AMG-CG even when the factor
/// fits (floating-point operations; about 80 s at the ~37 GFlop/s measured
/// here). The direct solver's cost depends only on its factor, AMG-CG's
/// iteration count on the model (`benches/RESULTS.md`, shipped cases):
/// below this the direct solver won on the fine pcb_acf (0.82 TFlop, 30 s
/// against 35 s and 115 iterations; with its 0.5 µm films sliced into four
/// layers, 1.7 TFlop and 60 s against 154 s and 435 iterations: thin
/// layers under 0.4 mm cells are more anisotropic than the aggregation and
/// smoother handle) and the fine csp_transparent (48 s against 90 s);
/// above it AMG-CG won on the fine cog_flipchip (89 s against 188 s) and
/// wlp_paste_plugs (165 s against 172 s). In a recipe the direct factor is
/// also reused.
pub const DIRECT_FLOP_LIMIT: f64 = 3e12;
