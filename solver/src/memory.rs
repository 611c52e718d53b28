//! The memory a run may use, what a model will take, and the refusal
//! before it is spent.
//!
//! The budget is `--max-memory` when given, else what the machine has
//! available when it is first asked ([`MemAvailable`](available_memory_bytes)).
//! A model is estimated twice before its first solve: from its mesh size
//! before the mesh is built ([`mesh_estimate`]: the mesh itself and the
//! cheapest solver path, AMG-CG, per DOF as measured), and once the symbolic
//! factorisation is known ([`direct_estimate`]: the factor's size exactly).
//! Bytes are bytes; figures are printed in GiB (2³⁰ bytes).

use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes per GiB.
pub const GIB: f64 = (1u64 << 30) as f64;

/// Peak bytes per DOF of a static solve by AMG-CG: the assembled matrix,
/// its full CSR copy, the hierarchy, the CG vectors and the model. Measured
/// as the peak resident memory over DOF of `pkgstress run CASE
/// --single-step --solver amg` on the shipped cases: C3D20 cog_flipchip
/// 6.05 kB, C3D20R wlp_paste_plugs 5.80 kB, C3D8I pcb_acf 3.62 kB and
/// csp_transparent 3.22 kB. Quadratic cells couple more nodes per row.
pub fn iterative_bytes_per_dof(quadratic: bool) -> f64 {
    if quadratic {
        6.1e3
    } else {
        3.6e3
    }
}

/// Peak bytes per DOF of a direct solve beyond its factor and workspace (the
/// assembled matrix, the pattern, the analysis's vectors, the model),
/// measured as above with `--solver direct`: peak minus the factor, per DOF,
/// 3.0 kB for C3D20 cog_flipchip and 3.1 kB for C3D20R wlp_paste_plugs,
/// 1.6 kB for C3D8I pcb_acf and csp_transparent.
pub fn direct_bytes_per_dof(quadratic: bool) -> f64 {
    if quadratic {
        3.1e3
    } else {
        1.6e3
    }
}

/// The budget set by `--max-memory`, bytes (0: not set).
static BUDGET: AtomicU64 = AtomicU64::new(0);

/// Sets the memory budget of the process, bytes.
pub fn set_budget(bytes: u64) {
    BUDGET.store(bytes, Ordering::Relaxed);
}

/// Whether the budget was set by the user (`--max-memory`).
pub fn budget_is_set() -> bool {
    BUDGET.load(Ordering::Relaxed) != 0
}

/// The memory budget, bytes: `--max-memory`, else the memory available now
/// (unbounded where the platform does not say).
pub fn budget() -> u64 {
    match BUDGET.load(Ordering::Relaxed) {
        0 => available_memory_bytes().unwrap_or(u64::MAX),
        b => b,
    }
}

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

/// What a model is expected to take, bytes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemoryEstimate {
    /// The mesh while it is built.
    pub mesh: u64,
    /// The solve beyond the mesh (the solver the estimate is for).
    pub solve: u64,
    /// Which solver path the estimate is for.
    pub solver: &'static str,
    pub dof: usize,
}

impl MemoryEstimate {
    /// Everything, bytes.
    pub fn total(&self) -> u64 {
        self.mesh.saturating_add(self.solve)
    }

    /// `about X GiB (mesh A, solve B with SOLVER, N DOF)`.
    pub fn describe(&self) -> String {
        format!(
            "about {:.2} GiB (mesh {:.2} GiB, solve {:.2} GiB with {}, {} DOF)",
            self.total() as f64 / GIB,
            self.mesh as f64 / GIB,
            self.solve as f64 / GIB,
            self.solver,
            self.dof
        )
    }
}

/// A model that would not fit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{what} would need {} but {:.2} GiB {}; {advice}", estimate.describe(), *budget as f64 / GIB, if budget_is_set() { "is the budget (--max-memory)" } else { "are available (set the budget with --max-memory)" })]
pub struct MemoryError {
    pub what: String,
    pub estimate: MemoryEstimate,
    pub budget: u64,
    /// What to change.
    pub advice: String,
}

/// The estimate of a mesh of `cells` cells and `nodes` nodes, `mesh_bytes`
/// while it is built, solved by AMG-CG (the path that needs least).
pub fn mesh_estimate(nodes: usize, mesh_bytes: u64, quadratic: bool) -> MemoryEstimate {
    let dof = nodes.saturating_mul(3);
    MemoryEstimate {
        mesh: mesh_bytes,
        solve: (dof as f64 * iterative_bytes_per_dof(quadratic)) as u64,
        solver: "AMG-CG, the least memory",
        dof,
    }
}

/// The estimate of a direct solve of `dof` equations whose factorisation
/// needs `factor_bytes` (factor and workspace, from the symbolic analysis).
pub fn direct_estimate(dof: usize, factor_bytes: u64, quadratic: bool) -> MemoryEstimate {
    MemoryEstimate {
        mesh: 0,
        solve: factor_bytes.saturating_add((dof as f64 * direct_bytes_per_dof(quadratic)) as u64),
        solver: "the direct Cholesky factor",
        dof,
    }
}

/// The estimate of an AMG-CG solve of `dof` equations.
pub fn iterative_estimate(dof: usize, quadratic: bool) -> MemoryEstimate {
    MemoryEstimate {
        mesh: 0,
        solve: (dof as f64 * iterative_bytes_per_dof(quadratic)) as u64,
        solver: "AMG-CG",
        dof,
    }
}

/// Refuses `estimate` when it exceeds the budget.
pub fn check(what: &str, estimate: &MemoryEstimate, advice: &str) -> Result<(), MemoryError> {
    let budget = budget();
    if estimate.total() > budget {
        return Err(MemoryError {
            what: what.to_string(),
            estimate: estimate.clone(),
            budget,
            advice: advice.to_string(),
        });
    }
    Ok(())
}
