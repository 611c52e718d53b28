//! Which solver a system gets: the automatic choice between the direct
//! factor and AMG-CG from the symbolic factor's size and work and the
//! memory the machine has, and the memory probes behind it.

use super::amg::{AmgCg, NearNullSpace};
use super::cg::ITERATIVE_TOLERANCE;
use super::cholesky::{kept_factor_bytes, DirectCholesky};
use super::solver::{LinearSolver, SolverChoice, SolverError, GIB};
use crate::assembly::Pattern;

/// Bytes of memory currently available (Linux `MemAvailable`), if known.
pub fn available_memory_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Peak resident memory of this process so far, bytes (Linux `VmHWM`), if
/// known.
pub fn peak_memory_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// `peak X GiB so far, Y kB per DOF` for `dof` unknowns, or an empty
/// string where the platform does not say.
pub fn peak_memory_report(dof: usize) -> String {
    match peak_memory_bytes() {
        Some(b) if dof > 0 => format!(
            "peak {:.3} GiB so far, {:.2} kB per DOF",
            b as f64 / GIB,
            b as f64 / 1e3 / dof as f64
        ),
        _ => String::new(),
    }
}

/// Builds the solver for `pattern` according to `choice`; `nns` is the
/// near-null space of the equations for the multigrid preconditioner.
/// With `Auto`, see [`auto_choice`]; the reason is reported in the
/// solves' [`SolveStats::detail`].
pub fn make_solver(
    pattern: &Pattern,
    choice: SolverChoice,
    nns: NearNullSpace,
) -> Result<Box<dyn LinearSolver>, SolverError> {
    let amg = |nns, note| {
        let mut s = AmgCg::new(nns, ITERATIVE_TOLERANCE);
        s.note = note;
        Box::new(s) as Box<dyn LinearSolver>
    };
    match choice {
        SolverChoice::Iterative => Ok(amg(nns, String::new())),
        SolverChoice::Direct => Ok(Box::new(DirectCholesky::analyse(pattern)?)),
        SolverChoice::Auto => {
            let mut direct = DirectCholesky::analyse(pattern)?;
            let (pick, reason) = auto_choice(&direct);
            let note = format!("; auto: {reason}");
            if pick == SolverChoice::Direct {
                direct.note = note;
                Ok(Box::new(direct))
            } else {
                Ok(amg(nns, note))
            }
        }
    }
}

/// What `Auto` picks for a system whose symbolic factor is `direct`, and
/// why: the direct solver when its factor fits in 70 % of the available
/// memory (with the kept buffers of dropped direct solvers, which the new
/// factor reuses or frees) and its numeric factorisation takes fewer than
/// [`DIRECT_FLOP_LIMIT`] floating-point operations, else AMG-CG.
pub fn auto_choice(direct: &DirectCholesky) -> (SolverChoice, String) {
    // the kept factor buffers are resident but serve the new factor
    let budget = available_memory_bytes()
        .map(|b| (b + kept_factor_bytes()) as f64 * 0.7)
        .unwrap_or(f64::INFINITY);
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
