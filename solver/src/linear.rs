//! Linear solvers for the SPD systems of the solver: a supernodal sparse
//! Cholesky (faer) on the METIS-ordered equations, and a preconditioned
//! conjugate gradient for systems whose factor would not fit in memory.

use crate::assembly::Pattern;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::LltRegularization;
use faer::sparse::linalg::cholesky::{
    factorize_symbolic_cholesky, CholeskySymbolicParams, LltRef, SymbolicCholesky,
    SymmetricOrdering,
};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMatRef};
use faer::{Conj, MatMut, Par, Side};
use rayon::prelude::*;

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
    /// conditioning indicator, rejected below [`SINGULAR_PIVOT_RATIO`].
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

fn symbolic_ref(p: &Pattern) -> SymbolicSparseColMatRef<'_, u32> {
    SymbolicSparseColMatRef::new_checked(p.n, p.n, &p.col_ptr, None, &p.row_idx)
}

/// Asks the kernel to back the whole 2 MiB pages of `len` bytes at `ptr`
/// with transparent huge pages (Linux `madvise(MADV_HUGEPAGE)`; elsewhere
/// nothing). The factor and its workspace are gigabytes: with 4 KiB pages
/// their first touch costs a page fault per 4 KiB (measured: 1.1 M faults
/// and 11.7 s of system time in a 28 s run of the fine pcb_acf), and the
/// dense supernodal updates miss the TLB.
fn advise_huge_pages(ptr: *mut u8, len: usize) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = ptr as usize;
        let aligned = (start + HUGE - 1) & !(HUGE - 1);
        if len > 2 * HUGE && aligned < start + len {
            let advised = (start + len - aligned) & !(HUGE - 1);
            // SAFETY: the range lies inside an allocation the caller owns
            // and has not touched yet; madvise only changes how pages are
            // backed, not their contents.
            unsafe { libc::madvise(aligned as *mut libc::c_void, advised, libc::MADV_HUGEPAGE) };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (ptr, len);
}

/// `len` zeros backed by huge pages where the platform allows (see
/// [`advise_huge_pages`]). The zeros come from the allocator's zeroed
/// allocation (fresh pages of a large block are zero without a pass over
/// them), so the pages are first touched, and advised in time, by whoever
/// fills the buffer.
fn huge_page_zeros(len: usize) -> Vec<f64> {
    let mut v = vec![0.0f64; len];
    advise_huge_pages(v.as_mut_ptr() as *mut u8, len * std::mem::size_of::<f64>());
    v
}

/// An uninitialised workspace of `bytes` bytes backed by huge pages where
/// the platform allows, for faer's `MemStack`.
fn huge_page_workspace(bytes: usize) -> Vec<std::mem::MaybeUninit<u8>> {
    let mut v: Vec<std::mem::MaybeUninit<u8>> = Vec::with_capacity(bytes);
    advise_huge_pages(v.as_mut_ptr() as *mut u8, bytes);
    // SAFETY: MaybeUninit needs no initialisation and the capacity is `bytes`.
    unsafe { v.set_len(bytes) };
    v
}

/// The factor buffers of dropped direct solvers, kept for the next one.
///
/// A birth or removal changes the equations, so the analysis builds a new
/// [`DirectCholesky`]; the old one's factor (gigabytes on a fine model) was
/// returned to the kernel and the new one's first touch of fresh pages
/// paid the kernel's page zeroing (perf on the fine pcb_acf recipe: 10 % of
/// all CPU time in `clear_page_erms` under faer's numeric factorisation).
/// Buffers are handed out with room to grow (a birth adds a few equations),
/// the smallest that fits first and none more than half as large again as
/// asked; when none fits, the kept ones are freed before the new one is
/// allocated, so that kept memory does not add to the peak.
struct FactorBuffers {
    values: Vec<Vec<f64>>,
    workspaces: Vec<Vec<std::mem::MaybeUninit<u8>>>,
}

static FACTOR_BUFFERS: std::sync::Mutex<FactorBuffers> = std::sync::Mutex::new(FactorBuffers {
    values: Vec::new(),
    workspaces: Vec::new(),
});

/// Buffers smaller than this (bytes) are not worth keeping.
const KEPT_BUFFER_MIN_BYTES: usize = 16 << 20;

/// Headroom of a new buffer over what it is allocated for, so that the
/// slightly larger factors after later births still fit (pages never
/// touched cost no memory).
fn with_headroom(n: usize) -> usize {
    n + n / 8
}

/// Largest kept buffer handed out for `len` elements: a birth's next factor
/// is at most a few percent larger than the last, while a much smaller
/// solver (a birth's extension, the next model in the same process) would
/// keep a large buffer resident beside the one its successor allocates.
fn largest_reused(len: usize) -> usize {
    len + len / 2
}

/// The smallest kept buffer of `len` to [`largest_reused`]`(len)` elements,
/// or (after freeing the kept ones) a new one from `allocate`.
fn take_kept<T>(
    kept: &mut Vec<Vec<T>>,
    len: usize,
    allocate: impl FnOnce(usize) -> Vec<T>,
) -> Vec<T> {
    let best = (0..kept.len())
        .filter(|&i| (len..=largest_reused(len)).contains(&kept[i].len()))
        .min_by_key(|&i| kept[i].len());
    match best {
        Some(i) => kept.swap_remove(i),
        None => {
            kept.clear();
            allocate(with_headroom(len))
        }
    }
}

/// Replaces `buffer`, shorter than `len`, by a kept buffer or a new one
/// ([`take_kept`]), keeping the old one for others.
fn grow_from_kept<T>(
    kept: &mut Vec<Vec<T>>,
    buffer: &mut Vec<T>,
    len: usize,
    allocate: impl FnOnce(usize) -> Vec<T>,
) {
    keep(kept, std::mem::take(buffer));
    *buffer = take_kept(kept, len, allocate);
}

/// Keeps `buffer` for a later solver (at most two of a kind, the larger ones).
fn keep<T>(kept: &mut Vec<Vec<T>>, buffer: Vec<T>) {
    if std::mem::size_of_val(buffer.as_slice()) < KEPT_BUFFER_MIN_BYTES {
        return;
    }
    kept.push(buffer);
    kept.sort_by_key(|b| std::cmp::Reverse(b.len()));
    kept.truncate(2);
}

/// Bytes held by kept factor buffers: memory the next direct factorisation
/// may use, though the system no longer counts it as available.
fn kept_factor_bytes() -> u64 {
    let kept = factor_buffers();
    let values: usize = kept
        .values
        .iter()
        .map(|b| std::mem::size_of_val(b.as_slice()))
        .sum();
    let workspaces: usize = kept.workspaces.iter().map(Vec::len).sum();
    (values + workspaces) as u64
}

fn factor_buffers() -> std::sync::MutexGuard<'static, FactorBuffers> {
    // the buffers hold no invariant a panic elsewhere could break
    FACTOR_BUFFERS.lock().unwrap_or_else(|e| e.into_inner())
}

fn parallelism() -> Par {
    Par::rayon(rayon::current_num_threads())
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

/// Bytes per GiB.
pub(crate) const GIB: f64 = (1u64 << 30) as f64;

/// Smallest accepted ratio of the smallest to the largest pivot. Real
/// package models (130 GPa silicon on 2.5 GPa adhesive, 10 µm layers) stay
/// above 1e-10; an unsuppressed rigid-body motion gives ~1e-16.
pub const SINGULAR_PIVOT_RATIO: f64 = 1e-13;

/// Supernodal sparse Cholesky `A = L Lᵀ`. The symbolic analysis is done
/// once per pattern; `factorize` only recomputes the numbers.
pub struct DirectCholesky {
    symbolic: SymbolicCholesky<u32>,
    /// The factor's values and the factorisation's workspace, allocated on
    /// huge pages once and kept for the next factorisation; either may be
    /// longer than needed (a buffer handed on from a dropped solver, see
    /// [`FactorBuffers`]): the factor is `l_values[..symbolic.len_val()]`.
    l_values: Vec<f64>,
    workspace: Vec<std::mem::MaybeUninit<u8>>,
    factored: bool,
    /// Why this solver was chosen (with `Auto`).
    pub note: String,
}

impl DirectCholesky {
    /// Symbolic analysis of `pattern`, whose equations are already in
    /// fill-reducing (METIS) order.
    pub fn analyse(pattern: &Pattern) -> Result<Self, SolverError> {
        let symbolic = factorize_symbolic_cholesky(
            symbolic_ref(pattern),
            Side::Upper,
            SymmetricOrdering::Identity,
            CholeskySymbolicParams::default(),
        )
        .map_err(|e| SolverError::Analysis(format!("{e:?}")))?;
        Ok(DirectCholesky {
            symbolic,
            l_values: Vec::new(),
            workspace: Vec::new(),
            factored: false,
            note: String::new(),
        })
    }

    /// Floating-point operations of one numeric factorisation, counted from
    /// the supernodal structure (`Σ n³/3 + n² m + n m²` over supernodes of
    /// `n` columns and `m` off-diagonal rows); `None` for a simplicial factor.
    pub fn factor_flops(&self) -> Option<f64> {
        use faer::sparse::linalg::cholesky::SymbolicCholeskyRaw;
        let SymbolicCholeskyRaw::Supernodal(sn) = self.symbolic.raw() else {
            return None;
        };
        let (begin, end) = (sn.supernode_begin(), sn.supernode_end());
        let flops = (0..sn.n_supernodes())
            .map(|s| {
                let n = (end[s] - begin[s]) as f64;
                let m = sn.supernode(s).pattern().len() as f64;
                n * n * n / 3.0 + n * n * m + n * m * m
            })
            .sum();
        Some(flops)
    }

    /// `(min, max)` of the squared diagonal of `L` (the pivots), after `factorize`.
    pub fn pivot_range(&self) -> (f64, f64) {
        use faer::sparse::linalg::cholesky::{supernodal::SupernodalLltRef, SymbolicCholeskyRaw};
        let mut range = (f64::INFINITY, 0.0f64);
        let mut add = |d: f64| {
            range = (range.0.min(d * d), range.1.max(d * d));
        };
        match self.symbolic.raw() {
            SymbolicCholeskyRaw::Supernodal(sn) => {
                let l = SupernodalLltRef::new(sn, &self.l_values[..self.symbolic.len_val()]);
                for s in 0..sn.n_supernodes() {
                    let v = l.supernode(s).val();
                    for k in 0..v.ncols() {
                        add(v[(k, k)]);
                    }
                }
            }
            SymbolicCholeskyRaw::Simplicial(sym) => {
                let f = sym.factor();
                let (cp, ri) = (f.col_ptr(), f.row_idx());
                for j in 0..sym.ncols() {
                    for k in cp[j] as usize..cp[j + 1] as usize {
                        if ri[k] as usize == j {
                            add(self.l_values[k]);
                        }
                    }
                }
            }
        }
        range
    }

    /// Stored entries of the factor.
    pub fn factor_nnz(&self) -> usize {
        self.symbolic.len_val()
    }

    /// Estimated peak bytes of the numeric factorisation (factor values plus
    /// a workspace allowance).
    pub fn factor_bytes(&self) -> u64 {
        let scratch = self
            .symbolic
            .factorize_numeric_llt_scratch::<f64>(parallelism(), Default::default());
        (self.symbolic.len_val() * 8 + scratch.size_bytes()) as u64
    }
}

impl LinearSolver for DirectCholesky {
    fn name(&self) -> &'static str {
        "direct (faer supernodal Cholesky, METIS order)"
    }

    fn factorize(&mut self, pattern: &Pattern, values: &[f64]) -> Result<(), SolverError> {
        let par = parallelism();
        let len = self.symbolic.len_val();
        if self.l_values.len() < len {
            let kept = &mut factor_buffers().values;
            grow_from_kept(kept, &mut self.l_values, len, huge_page_zeros);
        }
        if !matches!(
            self.symbolic.raw(),
            faer::sparse::linalg::cholesky::SymbolicCholeskyRaw::Supernodal(_)
        ) {
            // the supernodal factorisation zero-fills its values itself
            self.l_values[..len].fill(0.0);
        }
        let a = SparseColMatRef::new(symbolic_ref(pattern), values);
        let need = self
            .symbolic
            .factorize_numeric_llt_scratch::<f64>(par, Default::default())
            .unaligned_bytes_required();
        if self.workspace.len() < need {
            let kept = &mut factor_buffers().workspaces;
            grow_from_kept(kept, &mut self.workspace, need, huge_page_workspace);
        }
        self.symbolic
            .factorize_numeric_llt(
                &mut self.l_values[..len],
                a,
                Side::Upper,
                LltRegularization::default(),
                par,
                MemStack::new(&mut self.workspace),
                Default::default(),
            )
            .map_err(|_| SolverError::NotPositiveDefinite)?;
        // A free rigid-body mode can survive the factorisation in floating
        // point as a pivot at round-off level; reject it instead of
        // returning meaningless displacements.
        let (lo, hi) = self.pivot_range();
        if !(lo > SINGULAR_PIVOT_RATIO * hi) {
            return Err(SolverError::NotPositiveDefinite);
        }
        self.factored = true;
        Ok(())
    }

    fn solve(&mut self, rhs: &mut [f64]) -> Result<SolveStats, SolverError> {
        assert!(self.factored, "solve before factorize");
        let par = parallelism();
        let n = rhs.len();
        let llt = LltRef::new(&self.symbolic, &self.l_values[..self.symbolic.len_val()]);
        let mut mem = MemBuffer::new(self.symbolic.solve_in_place_scratch::<f64>(1, par));
        llt.solve_in_place_with_conj(
            Conj::No,
            MatMut::from_column_major_slice_mut(rhs, n, 1),
            par,
            MemStack::new(&mut mem),
        );
        if rhs.iter().any(|v| !v.is_finite()) {
            return Err(SolverError::NotFinite);
        }
        let (lo, hi) = self.pivot_range();
        Ok(SolveStats {
            method: "direct",
            iterations: 1,
            residual: 0.0,
            factor_nnz: self.factor_nnz(),
            pivot_ratio: lo / hi,
            detail: format!(
                "factor {:.1} M entries, {:.2} GiB, {:.0} GFlop{}",
                self.factor_nnz() as f64 / 1e6,
                self.factor_nnz() as f64 * 8.0 / GIB,
                self.factor_flops().unwrap_or(0.0) / 1e9,
                self.note
            ),
            factorised: false,
        })
    }
}

impl Drop for DirectCholesky {
    /// Hands the factor buffers on to the next direct solver.
    fn drop(&mut self) {
        let mut kept = factor_buffers();
        keep(&mut kept.values, std::mem::take(&mut self.l_values));
        keep(&mut kept.workspaces, std::mem::take(&mut self.workspace));
    }
}

/// Full symmetric matrix in CSR form (both triangles), for products.
#[derive(Clone, Debug, Default)]
pub struct CsrMatrix {
    pub row_ptr: Vec<usize>,
    pub col_idx: Vec<u32>,
    pub values: Vec<f64>,
}

impl CsrMatrix {
    /// Expands an upper-triangular CSC matrix to the full symmetric CSR one.
    pub fn from_upper(pattern: &Pattern, values: &[f64]) -> Self {
        let n = pattern.n;
        let mut count = vec![0usize; n + 1];
        for j in 0..n {
            for k in pattern.col_ptr[j] as usize..pattern.col_ptr[j + 1] as usize {
                let i = pattern.row_idx[k] as usize;
                // upper entry (i, j) lives in CSR row i; its mirror in row j
                count[i + 1] += 1;
                if i != j {
                    count[j + 1] += 1;
                }
            }
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let mut fill = count.clone();
        let nnz = count[n];
        let mut col_idx = vec![0u32; nnz];
        let mut vals = vec![0.0; nnz];
        // Column-major traversal writes each CSR row in increasing column order.
        for j in 0..n {
            for k in pattern.col_ptr[j] as usize..pattern.col_ptr[j + 1] as usize {
                let i = pattern.row_idx[k] as usize;
                col_idx[fill[i]] = j as u32;
                vals[fill[i]] = values[k];
                fill[i] += 1;
                if i != j {
                    col_idx[fill[j]] = i as u32;
                    vals[fill[j]] = values[k];
                    fill[j] += 1;
                }
            }
        }
        CsrMatrix {
            row_ptr: count,
            col_idx,
            values: vals,
        }
    }

    /// `y = A x`, parallel over rows; each row is summed in a fixed order.
    pub fn mul_into(&self, x: &[f64], y: &mut [f64]) {
        y.par_iter_mut().enumerate().for_each(|(i, yi)| {
            let (s, e) = (self.row_ptr[i], self.row_ptr[i + 1]);
            *yi = self.col_idx[s..e]
                .iter()
                .zip(&self.values[s..e])
                .map(|(&j, &a)| a * x[j as usize])
                .sum();
        });
    }
}

/// Deterministic parallel dot product: fixed-size chunks summed in order.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    const CHUNK: usize = 4096;
    let partial: Vec<f64> = a
        .par_chunks(CHUNK)
        .zip(b.par_chunks(CHUNK))
        .map(|(x, y)| x.iter().zip(y).map(|(p, q)| p * q).sum())
        .collect();
    partial.iter().sum()
}

/// Conjugate gradient with a Jacobi (diagonal) preconditioner.
pub struct ConjugateGradient {
    matrix: CsrMatrix,
    inv_diag: Vec<f64>,
    /// Relative residual at which to stop.
    pub tolerance: f64,
    pub max_iterations: usize,
}

impl ConjugateGradient {
    pub fn new(tolerance: f64, max_iterations: usize) -> Self {
        ConjugateGradient {
            matrix: CsrMatrix::default(),
            inv_diag: Vec::new(),
            tolerance,
            max_iterations,
        }
    }
}

impl LinearSolver for ConjugateGradient {
    fn name(&self) -> &'static str {
        "iterative (Jacobi-preconditioned CG)"
    }

    fn factorize(&mut self, pattern: &Pattern, values: &[f64]) -> Result<(), SolverError> {
        self.matrix = CsrMatrix::from_upper(pattern, values);
        self.inv_diag = (0..pattern.n)
            .map(|j| {
                let last = pattern.col_ptr[j + 1] as usize - 1; // diagonal is the last upper entry
                let d = values[last];
                if d > 0.0 {
                    Ok(1.0 / d)
                } else {
                    Err(SolverError::NotPositiveDefinite)
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(())
    }

    fn solve(&mut self, rhs: &mut [f64]) -> Result<SolveStats, SolverError> {
        let inv_diag = &self.inv_diag;
        let matrix = &self.matrix;
        let (iterations, residual) = pcg(
            rhs,
            self.tolerance,
            self.max_iterations,
            false,
            |x, y| matrix.mul_into(x, y),
            |r, z| {
                z.par_iter_mut()
                    .zip(r)
                    .zip(inv_diag)
                    .for_each(|((zi, ri), d)| *zi = ri * d);
                Ok(())
            },
        )?;
        Ok(SolveStats {
            method: "cg",
            iterations,
            residual,
            ..Default::default()
        })
    }
}

/// Preconditioned conjugate gradients from zero for the SPD operator
/// `apply_a` (`y = A x`); `precondition(r, z)` writes `z = M⁻¹ r`. The
/// solution replaces `rhs`. Returns the iterations and the final relative
/// residual `|b − A x| / |b|`. With `give_up_early`, stops (not converged)
/// from the fourth iteration on once the mean rate so far would need more
/// than `max_iterations`.
pub fn pcg(
    rhs: &mut [f64],
    tolerance: f64,
    max_iterations: usize,
    give_up_early: bool,
    mut apply_a: impl FnMut(&[f64], &mut [f64]),
    mut precondition: impl FnMut(&[f64], &mut [f64]) -> Result<(), SolverError>,
) -> Result<(usize, f64), SolverError> {
    let n = rhs.len();
    let b_norm = dot(rhs, rhs).sqrt();
    if b_norm == 0.0 {
        return Ok((0, 0.0));
    }
    let mut x = vec![0.0; n];
    let mut r = rhs.to_vec();
    let mut z = vec![0.0; n];
    precondition(&r, &mut z)?;
    let mut p = z.clone();
    let mut ap = vec![0.0; n];
    let mut rz = dot(&r, &z);
    let mut residual = 1.0;
    for it in 1..=max_iterations {
        apply_a(&p, &mut ap);
        let pap = dot(&p, &ap);
        if !(pap > 0.0) {
            return Err(SolverError::NotPositiveDefinite);
        }
        let alpha = rz / pap;
        x.par_iter_mut()
            .zip(&p)
            .for_each(|(xi, pi)| *xi += alpha * pi);
        r.par_iter_mut()
            .zip(&ap)
            .for_each(|(ri, api)| *ri -= alpha * api);
        residual = dot(&r, &r).sqrt() / b_norm;
        if !residual.is_finite() {
            return Err(SolverError::NotFinite);
        }
        if residual <= tolerance {
            rhs.copy_from_slice(&x);
            return Ok((it, residual));
        }
        if give_up_early && it >= 4 {
            let rate = residual.powf(1.0 / it as f64);
            if rate >= 1.0 || tolerance.ln() / rate.ln() > max_iterations as f64 {
                return Err(SolverError::NotConverged {
                    iterations: it,
                    residual,
                });
            }
        }
        precondition(&r, &mut z)?;
        let rz_new = dot(&r, &z);
        let beta = rz_new / rz;
        rz = rz_new;
        p.par_iter_mut()
            .zip(&z)
            .for_each(|(pi, zi)| *pi = zi + beta * *pi);
    }
    Err(SolverError::NotConverged {
        iterations: max_iterations,
        residual,
    })
}

/// Conjugate gradients on `matrix` preconditioned by a factorisation of a
/// nearby matrix (`previous`, e.g. the stiffness at the previous state of a
/// recipe, before temperature-dependent moduli moved): when the matrices
/// differ little the iteration converges in a handful of steps, each a pair
/// of triangular solves — far cheaper than a new factorisation. Returns
/// `Ok(None)` when it has not reached `tolerance` (relative residual) in
/// `max_iterations`; the caller then refactorises.
pub fn pcg_with_factor(
    matrix: &CsrMatrix,
    previous: &mut dyn LinearSolver,
    rhs: &mut [f64],
    tolerance: f64,
    max_iterations: usize,
) -> Result<Option<SolveStats>, SolverError> {
    // each iteration costs a pair of triangular solves: give up as soon as
    // the mean rate says the budget will not do
    match pcg(
        rhs,
        tolerance,
        max_iterations,
        true,
        |x, y| matrix.mul_into(x, y),
        |r, z| {
            z.copy_from_slice(r);
            previous.solve(z).map(|_| ())
        },
    ) {
        Ok((iterations, residual)) => Ok(Some(SolveStats {
            method: "pcg (previous factor)",
            iterations,
            residual,
            ..Default::default()
        })),
        Err(
            SolverError::NotConverged { .. }
            | SolverError::NotPositiveDefinite
            | SolverError::NotFinite,
        ) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Relative residual `|b − A x| / |b|` at which AMG-CG stops: the
/// displacements then agree with the direct solution to ~1e-8 relative on
/// the package models (measured in `benches/`).
pub const ITERATIVE_TOLERANCE: f64 = 1e-10;

/// Builds the solver for `pattern` according to `choice`; `nns` is the
/// near-null space of the equations for the multigrid preconditioner.
/// With `Auto`, see [`auto_choice`]; the reason is reported in the
/// solves' [`SolveStats::detail`].
pub fn make_solver(
    pattern: &Pattern,
    choice: SolverChoice,
    nns: crate::amg::NearNullSpace,
) -> Result<Box<dyn LinearSolver>, SolverError> {
    let amg = |nns, note| {
        let mut s = crate::amg::AmgCg::new(nns, ITERATIVE_TOLERANCE);
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
        let matrix = CsrMatrix::from_upper(pattern, values);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The 7-point Laplacian of an `m`³ grid plus `shift` on the diagonal,
    /// in natural order (a banded factor of about m⁵ entries), as the upper
    /// triangle's pattern and values.
    fn shifted_laplacian(m: usize, shift: f64) -> (Pattern, Vec<f64>) {
        let n = m * m * m;
        let (mut col_ptr, mut row_idx, mut values) = (vec![0u32], Vec::new(), Vec::new());
        for j in 0..n {
            let (x, y, z) = (j % m, (j / m) % m, j / (m * m));
            for (has, i) in [
                (z > 0, j.wrapping_sub(m * m)),
                (y > 0, j.wrapping_sub(m)),
                (x > 0, j.wrapping_sub(1)),
            ] {
                if has {
                    row_idx.push(i as u32);
                    values.push(-1.0);
                }
            }
            row_idx.push(j as u32);
            values.push(6.0 + shift);
            col_ptr.push(row_idx.len() as u32);
        }
        (
            Pattern {
                n,
                col_ptr,
                row_idx,
            },
            values,
        )
    }

    /// `|b − A x| / |b|` for the symmetric matrix given by its upper triangle.
    fn relative_residual(pattern: &Pattern, values: &[f64], x: &[f64], b: &[f64]) -> f64 {
        let mut r = b.to_vec();
        CsrMatrix::from_upper(pattern, values).mul_into(x, &mut r);
        let diff: f64 = r.iter().zip(b).map(|(ax, b)| (b - ax) * (b - ax)).sum();
        diff.sqrt() / dot(b, b).sqrt()
    }

    /// Factor buffers handed on from dropped solvers give factorisations as
    /// good as fresh ones: each solve of a new pattern leaves a residual at
    /// round-off. The sequence takes a fresh buffer (30³), outgrows it (31³),
    /// reuses the dirty 31³ buffer for a smaller factor (30³) and for its
    /// own size (31³), and finds it too large for 24³ (fresh again). The
    /// factors (8-29 M entries) are above the size from which buffers are kept.
    #[test]
    fn kept_factor_buffers_factorise_new_patterns_exactly() {
        for (m, shift) in [(30, 0.5), (31, 0.01), (30, 2.0), (31, 0.1), (24, 1.0)] {
            let (pattern, values) = shifted_laplacian(m, shift);
            let mut solver = DirectCholesky::analyse(&pattern).unwrap();
            assert!(solver.factor_nnz() * 8 > KEPT_BUFFER_MIN_BYTES);
            solver.factorize(&pattern, &values).unwrap();
            let b: Vec<f64> = (0..pattern.n)
                .map(|i| ((i * 7919) % 101) as f64 - 50.0)
                .collect();
            let mut x = b.clone();
            solver.solve(&mut x).unwrap();
            let residual = relative_residual(&pattern, &values, &x, &b);
            assert!(residual < 1e-12, "m = {m}: relative residual {residual:e}");
        }
    }
}
