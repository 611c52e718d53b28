//! Supernodal sparse Cholesky (faer) on the METIS-ordered equations, its
//! factor and workspace on transparent huge pages, and the pool that hands
//! a dropped solver's buffers on to the next one.

use super::solver::{LinearSolver, SolveStats, SolverError, GIB};
use crate::assembly::Pattern;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::LltRegularization;
use faer::sparse::linalg::cholesky::{
    factorize_symbolic_cholesky, CholeskySymbolicParams, LltRef, SymbolicCholesky,
    SymmetricOrdering,
};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMatRef};
use faer::{Conj, MatMut, Par, Side};

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
pub(super) fn kept_factor_bytes() -> u64 {
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
        .map_err(|e| match e {
            faer::sparse::FaerError::IndexOverflow => SolverError::IndexOverflow,
            e => SolverError::Analysis(format!("{e:?}")),
        })?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linear::cg::dot;
    use crate::linear::csr::Csr;

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
        Csr::from_upper(pattern, values).mul_into(x, &mut r);
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
