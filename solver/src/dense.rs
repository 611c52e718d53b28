//! Small dense linear algebra for per-element set-up work (not hot loops).

/// Inverse of the row-major `n x n` matrix `a` by Gauss-Jordan elimination
/// with partial pivoting.
///
/// # Panics
/// If `a` is singular: callers pass fixed, well-conditioned reference matrices.
#[track_caller]
pub fn invert(n: usize, a: &[f64]) -> Vec<f64> {
    assert_eq!(a.len(), n * n, "invert: matrix is not {n}x{n}");
    let w = 2 * n;
    let mut m = vec![0.0; n * w];
    for i in 0..n {
        m[i * w..i * w + n].copy_from_slice(&a[i * n..(i + 1) * n]);
        m[i * w + n + i] = 1.0;
    }
    for col in 0..n {
        let piv = (col..n)
            .max_by(|&x, &y| m[x * w + col].abs().total_cmp(&m[y * w + col].abs()))
            .unwrap();
        for k in 0..w {
            m.swap(col * w + k, piv * w + k);
        }
        let d = m[col * w + col];
        assert!(d.abs() > 1e-300, "invert: singular matrix");
        for k in 0..w {
            m[col * w + k] /= d;
        }
        for r in 0..n {
            if r != col {
                let f = m[r * w + col];
                if f != 0.0 {
                    for k in 0..w {
                        m[r * w + k] -= f * m[col * w + k];
                    }
                }
            }
        }
    }
    (0..n)
        .flat_map(|i| m[i * w + n..(i + 1) * w].to_vec())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn inverse_times_matrix_is_identity() {
        let a = [4.0, 1.0, 2.0, 1.0, 3.0, 0.5, 2.0, 0.5, 5.0];
        let inv = super::invert(3, &a);
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| a[i * 3 + k] * inv[k * 3 + j]).sum();
                assert!((v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-14);
            }
        }
    }
}
