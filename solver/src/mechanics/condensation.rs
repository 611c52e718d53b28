//! Static condensation of an element's internal (incompatible-mode) DOFs,
//! and the recovery of their amplitudes.

/// Most internal (incompatible-mode) DOFs of an element: C3D8I's 9.
pub(super) const MAX_INTERNAL: usize = 9;
/// Most nodal DOFs of an element with internal ones: C3D8I's 24.
const MAX_CONDENSED_NODAL: usize = 24;

/// The Cholesky factor `L` (row-major, lower) of the trailing internal block
/// `K_aa` (`na = m − nu` rows) of the row-major `m x m` matrix `k`.
#[track_caller]
fn internal_factor(k: &[f64], m: usize, nu: usize) -> [f64; MAX_INTERNAL * MAX_INTERNAL] {
    let na = m - nu;
    assert!(na <= MAX_INTERNAL && nu <= MAX_CONDENSED_NODAL);
    let mut l = [0.0; MAX_INTERNAL * MAX_INTERNAL];
    for i in 0..na {
        for j in 0..=i {
            let mut s = k[(nu + i) * m + nu + j];
            for p in 0..j {
                s -= l[i * na + p] * l[j * na + p];
            }
            l[i * na + j] = if i == j { s.sqrt() } else { s / l[j * na + j] };
        }
    }
    l
}

/// `L y = r` in place, for the `na x na` factor of [`internal_factor`].
fn forward_internal(l: &[f64], na: usize, r: &mut [f64]) {
    for i in 0..na {
        let mut s = r[i];
        for p in 0..i {
            s -= l[i * na + p] * r[p];
        }
        r[i] = s / l[i * na + i];
    }
}

/// `Lᵀ x = y` in place, for the `na x na` factor of [`internal_factor`].
fn backward_internal(l: &[f64], na: usize, r: &mut [f64]) {
    for i in (0..na).rev() {
        let mut s = r[i];
        for p in i + 1..na {
            s -= l[p * na + i] * r[p];
        }
        r[i] = s / l[i * na + i];
    }
}

/// Static condensation of the trailing `m − nu` internal dofs:
/// `K* = K_uu − K_ua K_aa⁻¹ K_au = K_uu − Yᵀ Y` and
/// `f* = f_u − K_ua K_aa⁻¹ f_a = f_u − Yᵀ z`, with `K_aa = L Lᵀ`,
/// `Y = L⁻¹ K_au` and `z = L⁻¹ f_a` (`K*` symmetric by construction).
pub(super) fn condense_into(
    k: &[f64],
    f: &[f64],
    m: usize,
    nu: usize,
    ke: &mut [f64],
    fe: &mut [f64],
) {
    let na = m - nu;
    if na == 0 {
        for i in 0..nu {
            ke[i * nu..(i + 1) * nu].copy_from_slice(&k[i * m..i * m + nu]);
        }
        fe[..nu].copy_from_slice(&f[..nu]);
        return;
    }
    let l = internal_factor(k, m, nu);
    // Y = L⁻¹ K_au (row-major na x nu), forward substitution on all columns
    let mut y = [0.0; MAX_INTERNAL * MAX_CONDENSED_NODAL];
    for p in 0..na {
        let (done, row) = y.split_at_mut(p * nu);
        let row = &mut row[..nu];
        row.copy_from_slice(&k[(nu + p) * m..(nu + p) * m + nu]);
        for q in 0..p {
            let lpq = l[p * na + q];
            for (v, yq) in row.iter_mut().zip(&done[q * nu..(q + 1) * nu]) {
                *v -= lpq * yq;
            }
        }
        let inv = 1.0 / l[p * na + p];
        row.iter_mut().for_each(|v| *v *= inv);
    }
    let mut z = [0.0; MAX_INTERNAL];
    z[..na].copy_from_slice(&f[nu..m]);
    forward_internal(&l, na, &mut z);
    for i in 0..nu {
        for j in i..nu {
            let s: f64 = (0..na).map(|p| y[p * nu + i] * y[p * nu + j]).sum();
            let v = k[i * m + j] - s;
            ke[i * nu + j] = v;
            ke[j * nu + i] = v;
        }
        fe[i] = f[i] - (0..na).map(|p| y[p * nu + i] * z[p]).sum::<f64>();
    }
}

/// The internal DOFs' amplitudes for nodal displacements `u`:
/// `α = K_aa⁻¹ (f_a − K_au u)` (row-major `m x m` matrix `k`, load `f`),
/// into `alpha[..m − nu]`.
pub fn internal_amplitudes(
    k: &[f64],
    f: &[f64],
    m: usize,
    nu: usize,
    u: &[f64],
    alpha: &mut [f64],
) {
    let na = m - nu;
    let l = internal_factor(k, m, nu);
    for p in 0..na {
        let row = &k[(nu + p) * m..(nu + p) * m + nu];
        alpha[p] = f[nu + p] - row.iter().zip(&u[..nu]).map(|(a, b)| a * b).sum::<f64>();
    }
    forward_internal(&l, na, alpha);
    backward_internal(&l, na, alpha);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A C3D8I-sized (24 nodal + 9 internal DOFs) symmetric positive
    /// definite matrix `Mᵀ M + m I` from a fixed pseudo-random `M`, and a load.
    fn spd_system(m: usize) -> (Vec<f64>, Vec<f64>) {
        let mut seed = 12345u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let r: Vec<f64> = (0..m * m).map(|_| next()).collect();
        let mut k = vec![0.0; m * m];
        for i in 0..m {
            for j in 0..m {
                k[i * m + j] = (0..m).map(|p| r[p * m + i] * r[p * m + j]).sum::<f64>()
                    + if i == j { m as f64 * 0.05 } else { 0.0 };
            }
        }
        let f = (0..m).map(|_| next()).collect();
        (k, f)
    }

    /// Condensing the internal DOFs and recovering them reproduces the full
    /// system's solution: the condensed equations hold for its nodal part
    /// and the recovered amplitudes equal its internal part (1e-10 relative).
    #[test]
    fn condensation_and_recovery_reproduce_the_full_solution() {
        let (m, nu) = (33, 24);
        let (k, f) = spd_system(m);
        // the reference: the full system solved through its dense inverse
        let inverse = crate::dense::invert(m, &k);
        let x: Vec<f64> = (0..m)
            .map(|i| (0..m).map(|j| inverse[i * m + j] * f[j]).sum())
            .collect();
        let (mut ke, mut fe) = (vec![0.0; nu * nu], vec![0.0; nu]);
        condense_into(&k, &f, m, nu, &mut ke, &mut fe);
        let scale = fe.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        for i in 0..nu {
            let ku: f64 = (0..nu).map(|j| ke[i * nu + j] * x[j]).sum();
            assert!(
                (ku - fe[i]).abs() < 1e-10 * scale,
                "row {i}: {ku} against {}",
                fe[i]
            );
            for j in 0..nu {
                assert_eq!(
                    ke[i * nu + j],
                    ke[j * nu + i],
                    "K* not symmetric at ({i},{j})"
                );
            }
        }
        let mut alpha = [0.0; MAX_INTERNAL];
        internal_amplitudes(&k, &f, m, nu, &x, &mut alpha);
        let amax = x[nu..].iter().fold(0.0f64, |a, v| a.max(v.abs()));
        for p in 0..m - nu {
            assert!(
                (alpha[p] - x[nu + p]).abs() < 1e-10 * amax,
                "amplitude {p}: {} against {}",
                alpha[p],
                x[nu + p]
            );
        }
    }
}
