//! The multigrid hierarchy: levels built by coarsening and prolongator
//! smoothing down to a dense coarse factor, and the V-cycle.

use super::coarsening::{aggregate, filter, strength, tentative, NearNullSpace};
use super::smoothers::{
    block_spectral_radius, spectral_radius, tie_groups, BlockJacobi, Chebyshev,
};
use crate::linear::csr::Csr;
use crate::linear::solver::{SolverError, GIB};
use rayon::prelude::*;

/// Tuning of the hierarchy.
#[derive(Clone, Debug)]
pub struct AmgOptions {
    /// Strength threshold θ on the scaled block norms.
    pub theta: f64,
    /// Degree of the Chebyshev smoother (pre and post).
    pub smoother_degree: usize,
    /// The Chebyshev interval is `[λ_max / ratio, 1.1 λ_max]` of `D⁻¹A`.
    pub smoother_ratio: f64,
    /// Systems at most this large are solved by a dense Cholesky factor.
    pub coarse_size: usize,
    pub max_levels: usize,
    /// Scaled coupling at which node blocks are solved together by the
    /// smoother (above 1: point-block Jacobi).
    pub tie: f64,
}

impl Default for AmgOptions {
    fn default() -> Self {
        AmgOptions {
            theta: 0.02,
            smoother_degree: 3,
            smoother_ratio: 20.0,
            coarse_size: 2000,
            max_levels: 12,
            tie: 0.5,
        }
    }
}

struct Level {
    a: Csr,
    /// Prolongation from the next coarser level and its transpose.
    p: Csr,
    r: Csr,
    smoother: Chebyshev,
}

impl Level {
    /// Smooths `wk.x` towards `A x = wk.b`; `zero`: `wk.x` is zero on entry
    /// (the pre-smoothing).
    fn smooth(&self, wk: &mut LevelWork, zero: bool) {
        self.smoother.apply(
            &self.a,
            &wk.b,
            &mut wk.x,
            &mut wk.res,
            &mut wk.tmp,
            &mut wk.z,
            zero,
        );
    }
}

/// Work vectors of one level of the cycle.
struct LevelWork {
    x: Vec<f64>,
    b: Vec<f64>,
    res: Vec<f64>,
    tmp: Vec<f64>,
    z: Vec<f64>,
}

/// Work vectors of the V-cycle, kept between applications.
pub struct CycleWork {
    levels: Vec<LevelWork>,
    coarse_b: Vec<f64>,
}

/// What the hierarchy looks like, for the run summary.
#[derive(Clone, Debug, Default)]
pub struct HierarchyInfo {
    /// Unknowns and stored entries per level, finest first (the last is the
    /// dense coarse system).
    pub levels: Vec<(usize, usize)>,
    /// Σ nnz(A_l) / nnz(A_0).
    pub operator_complexity: f64,
    /// Wall time of the set-up, s.
    pub setup_seconds: f64,
}

/// A smoothed-aggregation hierarchy.
pub struct Hierarchy {
    levels: Vec<Level>,
    /// Lower Cholesky factor of the coarsest matrix.
    coarse: faer::Mat<f64>,
    /// The coarsest matrix (the system itself when it is small).
    coarse_matrix: Csr,
    pub info: HierarchyInfo,
}

/// Largest coarsest system solved by a dense factor (unknowns): 0.8 GiB,
/// a few seconds of factorisation. Coarsening that stalls above it is an
/// error, not an allocation failure.
pub(super) const MAX_DENSE_COARSE: usize = 10_000;

fn work(n: usize) -> Vec<f64> {
    vec![0.0; n]
}

impl Hierarchy {
    /// Builds the hierarchy of the SPD matrix `a` with near-null space `nns`.
    pub fn new(a: Csr, nns: NearNullSpace, opts: &AmgOptions) -> Result<Self, SolverError> {
        let clock = std::time::Instant::now();
        let fine_nnz = a.nnz().max(1);
        let mut levels = Vec::new();
        let mut info = HierarchyInfo::default();
        let mut a = a;
        let mut nns = nns;
        while a.nrows > opts.coarse_size && levels.len() + 1 < opts.max_levels {
            let diag = a.diagonal();
            if diag.iter().any(|&d| !(d > 0.0)) {
                return Err(SolverError::NotPositiveDefinite);
            }
            let inv_diag: Vec<f64> = diag.iter().map(|d| 1.0 / d).collect();
            let lambda = spectral_radius(&a, &inv_diag);
            let couplings = strength(&a, &nns.block_ptr);
            let (sptr, sadj) = filter(&couplings, opts.theta);
            let (agg, num_agg) = aggregate(&sptr, &sadj);
            let jacobi = BlockJacobi::new(&a, &tie_groups(&nns.block_ptr, &couplings, opts.tie))?;
            let block_lambda = block_spectral_radius(&a, &jacobi);
            drop(couplings);
            let (pt, coarse_nns) = tentative(&nns, &agg, num_agg, a.nrows);
            if pt.ncols as f64 > 0.8 * a.nrows as f64 {
                break; // coarsening stalled
            }
            // P = (I − ω D⁻¹ A) P_tent
            let omega = 4.0 / (3.0 * lambda);
            let mut p = a.matmul(&pt);
            {
                // rows scaled by −ω/d_i, plus P_tent (its entries lie in the
                // pattern of A P_tent: A has a nonzero diagonal)
                let rp = &p.row_ptr;
                let ci = &p.col_idx;
                split_rows(&mut p.values, rp)
                    .into_par_iter()
                    .enumerate()
                    .for_each(|(i, row)| {
                        let w = -omega * inv_diag[i];
                        let cols = &ci[rp[i]..rp[i + 1]];
                        row.iter_mut().for_each(|v| *v *= w);
                        let (tc, tv) = pt.row(i);
                        for (&j, &t) in tc.iter().zip(tv) {
                            let k = cols.binary_search(&j).expect("A P_tent contains P_tent");
                            row[k] += t;
                        }
                    });
            }
            drop(pt);
            let r = p.transpose();
            let ap = a.matmul(&p);
            let ac = r.matmul(&ap);
            drop(ap);
            let n = a.nrows;
            info.levels.push((n, a.nnz()));
            let smoother = Chebyshev {
                jacobi,
                lo: block_lambda / opts.smoother_ratio,
                hi: block_lambda,
                degree: opts.smoother_degree,
            };
            levels.push(Level { a, p, r, smoother });
            a = ac;
            nns = coarse_nns;
        }
        let nc = a.nrows;
        if nc > MAX_DENSE_COARSE {
            return Err(SolverError::CoarseningStalled {
                unknowns: nc,
                gib: (nc * nc * 8) as f64 / GIB,
            });
        }
        info.levels.push((nc, a.nnz()));
        let mut dense = faer::Mat::<f64>::zeros(nc, nc);
        for i in 0..nc {
            let (c, v) = a.row(i);
            for (&j, &x) in c.iter().zip(v) {
                // symmetrise the round-off of the Galerkin product
                dense[(i, j as usize)] += 0.5 * x;
                dense[(j as usize, i)] += 0.5 * x;
            }
        }
        // sequential, so that the factor does not depend on the thread count
        let mut mem = faer::dyn_stack::MemBuffer::new(
            faer::linalg::cholesky::llt::factor::cholesky_in_place_scratch::<f64>(
                nc,
                faer::Par::Seq,
                Default::default(),
            ),
        );
        faer::linalg::cholesky::llt::factor::cholesky_in_place(
            dense.as_mut(),
            Default::default(),
            faer::Par::Seq,
            faer::dyn_stack::MemStack::new(&mut mem),
            Default::default(),
        )
        .map_err(|_| SolverError::NotPositiveDefinite)?;
        let coarse = dense;
        info.operator_complexity =
            info.levels.iter().map(|l| l.1 as f64).sum::<f64>() / fine_nnz as f64;
        info.setup_seconds = clock.elapsed().as_secs_f64();
        Ok(Hierarchy {
            levels,
            coarse,
            coarse_matrix: a,
            info,
        })
    }

    /// Replaces the finest matrix by `a` (same pattern, new values) and
    /// rebuilds only the finest smoother (its group factors and spectral
    /// interval); the prolongators and coarse operators built from the
    /// earlier values stay. The cycle remains a symmetric positive definite
    /// preconditioner for `a`; how good a one depends on how far the values
    /// moved, which the caller judges from the iteration count. Returns
    /// false (nothing replaced) when there is no multigrid level to keep.
    pub fn update_fine(&mut self, a: Csr) -> Result<bool, SolverError> {
        let Some(level) = self.levels.first_mut() else {
            return Ok(false);
        };
        if a.nrows != level.a.nrows || a.nnz() != level.a.nnz() {
            return Ok(false);
        }
        let old = &level.smoother;
        let groups: Vec<Vec<u32>> = (0..old.jacobi.ptr.len() - 1)
            .map(|g| old.jacobi.dofs[old.jacobi.ptr[g]..old.jacobi.ptr[g + 1]].to_vec())
            .collect();
        let jacobi = BlockJacobi::new(&a, &groups)?;
        let block_lambda = block_spectral_radius(&a, &jacobi);
        let ratio = old.hi / old.lo;
        level.smoother = Chebyshev {
            jacobi,
            lo: block_lambda / ratio,
            hi: block_lambda,
            degree: old.degree,
        };
        level.a = a;
        Ok(true)
    }

    /// Work vectors for [`Hierarchy::apply`].
    pub fn work(&self) -> CycleWork {
        CycleWork {
            levels: self
                .levels
                .iter()
                .map(|l| {
                    let n = l.a.nrows;
                    LevelWork {
                        x: work(n),
                        b: work(n),
                        res: work(n),
                        tmp: work(n),
                        z: work(n),
                    }
                })
                .collect(),
            coarse_b: work(self.coarse_matrix.nrows),
        }
    }

    /// `x = M⁻¹ b`: one V-cycle from zero.
    pub fn apply(&self, w: &mut CycleWork, b: &[f64], x: &mut [f64]) {
        if self.levels.is_empty() {
            x.copy_from_slice(b);
            self.coarse_solve(x);
            return;
        }
        w.levels[0].b.copy_from_slice(b);
        self.cycle(0, w);
        x.copy_from_slice(&w.levels[0].x);
    }

    fn coarse_solve(&self, x: &mut [f64]) {
        let n = x.len();
        faer::linalg::cholesky::llt::solve::solve_in_place_with_conj(
            self.coarse.as_ref(),
            faer::Conj::No,
            faer::MatMut::from_column_major_slice_mut(x, n, 1),
            faer::Par::Seq,
            faer::dyn_stack::MemStack::new(&mut []),
        );
    }

    fn cycle(&self, l: usize, w: &mut CycleWork) {
        let lv = &self.levels[l];
        {
            let wk = &mut w.levels[l];
            wk.x.fill(0.0);
            lv.smooth(wk, true);
            lv.a.mul_into(&wk.x, &mut wk.res);
            wk.res
                .par_iter_mut()
                .zip(&wk.b)
                .for_each(|(r, b)| *r = b - *r);
        }
        if l + 1 < self.levels.len() {
            let (head, tail) = w.levels.split_at_mut(l + 1);
            lv.r.mul_into(&head[l].res, &mut tail[0].b);
            self.cycle(l + 1, w);
            let (head, tail) = w.levels.split_at_mut(l + 1);
            lv.p.mul_add_into(&tail[0].x, &mut head[l].x);
        } else {
            lv.r.mul_into(&w.levels[l].res, &mut w.coarse_b);
            self.coarse_solve(&mut w.coarse_b);
            lv.p.mul_add_into(&w.coarse_b, &mut w.levels[l].x);
        }
        lv.smooth(&mut w.levels[l], false);
    }

    /// The finest matrix.
    pub fn matrix(&self) -> &Csr {
        self.levels
            .first()
            .map(|l| &l.a)
            .unwrap_or(&self.coarse_matrix)
    }
}

/// Splits `values` into the rows of `row_ptr`.
fn split_rows<'a>(values: &'a mut [f64], row_ptr: &[usize]) -> Vec<&'a mut [f64]> {
    let mut out = Vec::with_capacity(row_ptr.len() - 1);
    let mut rest = values;
    for i in 0..row_ptr.len() - 1 {
        let (row, tail) = rest.split_at_mut(row_ptr[i + 1] - row_ptr[i]);
        out.push(row);
        rest = tail;
    }
    out
}
