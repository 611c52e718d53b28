//! Smoothers: block Jacobi on groups of strongly tied nodes inside a
//! Chebyshev polynomial, and the Lanczos estimates of the spectral interval.

use crate::linear::cg::dot;
use crate::linear::csr::Csr;
use crate::linear::solver::SolverError;
use rayon::prelude::*;

/// Raw pointer for disjoint parallel writes.
#[derive(Copy, Clone)]
struct Disjoint(*mut f64);

unsafe impl Send for Disjoint {}

unsafe impl Sync for Disjoint {}

/// Block Jacobi: exact solves on groups of strongly tied nodes. Where a thin
/// layer (an adhesive 15 µm thick under 200 µm wide cells) ties the nodes
/// on either side, point Jacobi sees the huge tie on the diagonal and
/// cannot smooth the in-plane oscillation of the tied pair; solving the
/// group at once can.
pub(super) struct BlockJacobi {
    /// Group `g` holds the equations `dofs[ptr[g]..ptr[g + 1]]` (sorted).
    pub(super) ptr: Vec<usize>,
    pub(super) dofs: Vec<u32>,
    /// Lower Cholesky factor of each group's diagonal block, row-major,
    /// from `fptr[g]`.
    fptr: Vec<usize>,
    factors: Vec<f64>,
}

impl BlockJacobi {
    pub(super) fn new(a: &Csr, groups: &[Vec<u32>]) -> Result<Self, SolverError> {
        let mut ptr = vec![0usize];
        let mut fptr = vec![0usize];
        for g in groups {
            ptr.push(ptr.last().unwrap() + g.len());
            fptr.push(fptr.last().unwrap() + g.len() * g.len());
        }
        let dofs: Vec<u32> = groups.iter().flatten().copied().collect();
        let factors: Vec<Vec<f64>> = groups
            .par_iter()
            .map(|g| {
                let k = g.len();
                let mut m = vec![0.0; k * k];
                for (li, &i) in g.iter().enumerate() {
                    let (c, v) = a.row(i as usize);
                    for (&j, &x) in c.iter().zip(v) {
                        if let Ok(lj) = g.binary_search(&j) {
                            m[li * k + lj] = x;
                        }
                    }
                }
                // Cholesky, lower, in place
                for j in 0..k {
                    let mut d = m[j * k + j];
                    for p in 0..j {
                        d -= m[j * k + p] * m[j * k + p];
                    }
                    if !(d > 0.0) {
                        return Err(SolverError::NotPositiveDefinite);
                    }
                    let d = d.sqrt();
                    m[j * k + j] = d;
                    for i in j + 1..k {
                        let mut s = m[i * k + j];
                        for p in 0..j {
                            s -= m[i * k + p] * m[j * k + p];
                        }
                        m[i * k + j] = s / d;
                    }
                }
                Ok(m)
            })
            .collect::<Result<_, _>>()?;
        Ok(BlockJacobi {
            ptr,
            dofs,
            fptr,
            factors: factors.concat(),
        })
    }

    /// `z = L⁻¹ r` (`forward`), `z = L⁻ᵀ r` (`backward`), or both
    /// (`z = M⁻¹ r`), group by group.
    fn solve(&self, r: &[f64], z: &mut [f64], forward: bool, backward: bool) {
        let out = Disjoint(z.as_mut_ptr());
        (0..self.ptr.len() - 1)
            .into_par_iter()
            .with_min_len(64)
            .for_each(|g| {
                let out = out;
                let dofs = &self.dofs[self.ptr[g]..self.ptr[g + 1]];
                let k = dofs.len();
                let l = &self.factors[self.fptr[g]..self.fptr[g + 1]];
                let mut y = [0.0f64; MAX_GROUP];
                for (i, &d) in dofs.iter().enumerate() {
                    y[i] = r[d as usize];
                }
                if forward {
                    for i in 0..k {
                        let mut s = y[i];
                        for p in 0..i {
                            s -= l[i * k + p] * y[p];
                        }
                        y[i] = s / l[i * k + i];
                    }
                }
                if backward {
                    for i in (0..k).rev() {
                        let mut s = y[i];
                        for p in i + 1..k {
                            s -= l[p * k + i] * y[p];
                        }
                        y[i] = s / l[i * k + i];
                    }
                }
                for (i, &d) in dofs.iter().enumerate() {
                    // SAFETY: groups are disjoint, so no other task writes `d`.
                    unsafe { *out.0.add(d as usize) = y[i] };
                }
            });
    }
}

/// Most equations in one smoother group.
const MAX_GROUP: usize = 24;

/// Groups of node blocks tied by a scaled coupling of at least `tie`: from
/// each free block in order, the group grows by its strongest tie to a free
/// block until no tie is left or the next would pass [`MAX_GROUP`]
/// equations — so a group follows the strongest direction (the column of
/// nodes through a thin layer) first. Returned as sorted equation lists.
pub(super) fn tie_groups(
    block_ptr: &[usize],
    strong: &(Vec<usize>, Vec<u32>, Vec<f32>),
    tie: f64,
) -> Vec<Vec<u32>> {
    let (ptr, adj, s) = strong;
    let nb = block_ptr.len() - 1;
    let size = |b: usize| block_ptr[b + 1] - block_ptr[b];
    let mut assigned = vec![false; nb];
    let mut groups = Vec::new();
    for start in 0..nb {
        if assigned[start] {
            continue;
        }
        assigned[start] = true;
        let mut members = vec![start];
        let mut total = size(start);
        loop {
            // strongest tie from the group to a free block that still fits
            let mut best: Option<(f32, usize)> = None;
            for &b in &members {
                for k in ptr[b]..ptr[b + 1] {
                    let j = adj[k] as usize;
                    if !assigned[j]
                        && s[k] as f64 >= tie
                        && total + size(j) <= MAX_GROUP
                        && best.is_none_or(|(bs, bj)| s[k] > bs || (s[k] == bs && j < bj))
                    {
                        best = Some((s[k], j));
                    }
                }
            }
            let Some((_, j)) = best else { break };
            assigned[j] = true;
            members.push(j);
            total += size(j);
        }
        let mut dofs: Vec<u32> = members
            .iter()
            .flat_map(|&b| (block_ptr[b]..block_ptr[b + 1]).map(|i| i as u32))
            .collect();
        dofs.sort_unstable();
        groups.push(dofs);
    }
    groups
}

pub(super) struct Chebyshev {
    pub(super) jacobi: BlockJacobi,
    /// Interval `[lo, hi]` of the spectrum of `M⁻¹A` damped.
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) degree: usize,
}

impl Chebyshev {
    /// `x ← x + p(M⁻¹A) M⁻¹ (b − A x)` with the Chebyshev polynomial of
    /// the interval; `zero` says `x` is zero on entry (saves a product).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn apply(
        &self,
        a: &Csr,
        b: &[f64],
        x: &mut [f64],
        r: &mut [f64],
        d: &mut [f64],
        z: &mut [f64],
        zero: bool,
    ) {
        let theta = 0.5 * (self.hi + self.lo);
        let delta = 0.5 * (self.hi - self.lo);
        let sigma = theta / delta;
        let mut rho = 1.0 / sigma;
        if zero {
            r.copy_from_slice(b);
        } else {
            a.mul_into(x, r);
            r.par_iter_mut().zip(b).for_each(|(ri, bi)| *ri = bi - *ri);
        }
        self.jacobi.solve(r, d, true, true);
        d.par_iter_mut().for_each(|di| *di /= theta);
        for k in 0..self.degree {
            x.par_iter_mut()
                .zip(d.par_iter())
                .for_each(|(xi, di)| *xi += di);
            if k + 1 == self.degree {
                break;
            }
            // r = b − A x, recomputed to keep round-off from piling up
            a.mul_into(x, r);
            r.par_iter_mut().zip(b).for_each(|(ri, bi)| *ri = bi - *ri);
            let rho_new = 1.0 / (2.0 * sigma - rho);
            let (c1, c2) = (rho_new * rho, 2.0 * rho_new / delta);
            self.jacobi.solve(r, z, true, true);
            d.par_iter_mut()
                .zip(z.par_iter())
                .for_each(|(di, zi)| *di = c1 * *di + c2 * zi);
            rho = rho_new;
        }
    }
}

/// The largest eigenvalue of the symmetric operator `op` on `n`-vectors,
/// estimated by 20 Lanczos steps from a fixed start vector and raised by
/// 10 % (Ritz values approach it from below, and a smoother whose interval
/// misses the top of the spectrum amplifies those modes).
fn lanczos_max(n: usize, mut op: impl FnMut(&[f64], &mut [f64])) -> f64 {
    let mut v: Vec<f64> = (0..n)
        .map(|i| 1.0 + ((i as u64 * 2654435761) % 1000) as f64 / 1000.0)
        .collect();
    let norm = dot(&v, &v).sqrt();
    v.iter_mut().for_each(|x| *x /= norm);
    let mut v_prev = vec![0.0; n];
    let mut w = vec![0.0; n];
    let (mut alpha, mut beta) = (Vec::new(), Vec::new());
    let mut b_prev = 0.0;
    for _ in 0..20.min(n) {
        op(&v, &mut w);
        let al = dot(&w, &v);
        w.par_iter_mut()
            .zip(&v)
            .zip(&v_prev)
            .for_each(|((y, x), p)| *y -= al * x + b_prev * p);
        alpha.push(al);
        let b = dot(&w, &w).sqrt();
        if !(b > 1e-12 * al.abs()) {
            break;
        }
        beta.push(b);
        b_prev = b;
        std::mem::swap(&mut v_prev, &mut v);
        v.par_iter_mut().zip(&w).for_each(|(x, y)| *x = y / b);
    }
    1.1 * tridiagonal_max_eigenvalue(&alpha, &beta[..alpha.len() - 1])
}

/// Largest eigenvalue of `D⁻¹A` (through `D^{-1/2} A D^{-1/2}`).
pub(super) fn spectral_radius(a: &Csr, inv_diag: &[f64]) -> f64 {
    let scale: Vec<f64> = inv_diag.iter().map(|d| d.sqrt()).collect();
    let mut sv = vec![0.0; a.nrows];
    lanczos_max(a.nrows, |v, w| {
        sv.par_iter_mut()
            .zip(v)
            .zip(&scale)
            .for_each(|((y, x), s)| *y = x * s);
        a.mul_into(&sv, w);
        w.par_iter_mut().zip(&scale).for_each(|(y, s)| *y *= s);
    })
}

/// Largest eigenvalue of `M⁻¹A` for the block Jacobi `M = L Lᵀ` (through
/// `L⁻¹ A L⁻ᵀ`).
pub(super) fn block_spectral_radius(a: &Csr, m: &BlockJacobi) -> f64 {
    let mut sv = vec![0.0; a.nrows];
    let mut av = vec![0.0; a.nrows];
    lanczos_max(a.nrows, |v, w| {
        m.solve(v, &mut sv, false, true);
        a.mul_into(&sv, &mut av);
        m.solve(&av, w, true, false);
    })
}

/// Largest eigenvalue of the symmetric tridiagonal matrix with diagonal
/// `a` and off-diagonal `b`, by bisection on the Sturm sequence count.
pub(super) fn tridiagonal_max_eigenvalue(a: &[f64], b: &[f64]) -> f64 {
    let k = a.len();
    let radius = |i: usize| {
        (if i > 0 { b[i - 1].abs() } else { 0.0 }) + (if i + 1 < k { b[i].abs() } else { 0.0 })
    };
    let mut lo = (0..k)
        .map(|i| a[i] - radius(i))
        .fold(f64::INFINITY, f64::min);
    let mut hi = (0..k)
        .map(|i| a[i] + radius(i))
        .fold(f64::NEG_INFINITY, f64::max);
    // number of eigenvalues greater than x (signs of the LDLᵀ pivots of T − x)
    let above = |x: f64| {
        let mut count = 0;
        let mut d = 1.0;
        for i in 0..k {
            let off = if i > 0 { b[i - 1] * b[i - 1] / d } else { 0.0 };
            d = a[i] - x - off;
            if d == 0.0 {
                d = -1e-300;
            }
            if d > 0.0 {
                count += 1;
            }
        }
        count
    };
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if above(mid) >= 1 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-12 * hi.abs() {
            break;
        }
    }
    hi
}
