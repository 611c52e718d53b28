//! Quadrature rules on the reference cells, as data.
//!
//! Hex rules live on `[-1, 1]^3`; tet rules on the unit tetrahedron
//! `ξ, η, ζ ≥ 0, ξ + η + ζ ≤ 1` (volume 1/6).

/// A quadrature rule: reference points and weights.
#[derive(Clone, Debug, PartialEq)]
pub struct QuadratureRule {
    pub points: Vec<[f64; 3]>,
    pub weights: Vec<f64>,
}

impl QuadratureRule {
    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

/// Gauss-Legendre points and weights on `[-1, 1]`, for 1 to 3 points.
pub fn gauss_legendre(n: usize) -> (Vec<f64>, Vec<f64>) {
    match n {
        1 => (vec![0.0], vec![2.0]),
        2 => {
            let a = 1.0 / 3f64.sqrt();
            (vec![-a, a], vec![1.0, 1.0])
        }
        3 => {
            let a = (3.0f64 / 5.0).sqrt();
            (vec![-a, 0.0, a], vec![5.0 / 9.0, 8.0 / 9.0, 5.0 / 9.0])
        }
        _ => panic!("gauss_legendre: {n} points not tabulated"),
    }
}

/// Tensor-product Gauss rule with `n` points per direction on the hex,
/// ordered with ξ fastest, then η, then ζ.
pub fn hex_gauss(n: usize) -> QuadratureRule {
    let (x, w) = gauss_legendre(n);
    let mut points = Vec::with_capacity(n * n * n);
    let mut weights = Vec::with_capacity(n * n * n);
    for k in 0..n {
        for j in 0..n {
            for i in 0..n {
                points.push([x[i], x[j], x[k]]);
                weights.push(w[i] * w[j] * w[k]);
            }
        }
    }
    QuadratureRule { points, weights }
}

/// The 4-point, degree-2 rule on the unit tetrahedron.
pub fn tet_4point() -> QuadratureRule {
    let a = 0.585_410_196_624_968_5;
    let b = 0.138_196_601_125_010_5;
    QuadratureRule {
        points: vec![[b, b, b], [a, b, b], [b, a, b], [b, b, a]],
        weights: vec![1.0 / 24.0; 4],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn integrate(rule: &QuadratureRule, f: impl Fn([f64; 3]) -> f64) -> f64 {
        rule.points
            .iter()
            .zip(&rule.weights)
            .map(|(p, w)| w * f(*p))
            .sum()
    }

    #[test]
    fn hex_rules_integrate_their_degree_exactly() {
        // ∫ x^4 y^2 over [-1,1]^3 = (2/5)(2/3)(2) ; 3-point rule is exact to degree 5.
        let r = hex_gauss(3);
        let v = integrate(&r, |p| p[0].powi(4) * p[1].powi(2));
        assert!((v - 2.0 / 5.0 * 2.0 / 3.0 * 2.0).abs() < 1e-14);
        // 2-point rule exact to degree 3 per direction: ∫ x^2 y^2 z^2 = (2/3)^3
        let r = hex_gauss(2);
        assert!(
            (integrate(&r, |p| (p[0] * p[1] * p[2]).powi(2)) - (2.0f64 / 3.0).powi(3)).abs()
                < 1e-14
        );
    }

    #[test]
    fn tet_rule_integrates_quadratics_exactly() {
        // ∫_T x^2 = 1/60 and ∫_T x y = 1/120 on the unit tetrahedron.
        let r = tet_4point();
        assert!((integrate(&r, |_| 1.0) - 1.0 / 6.0).abs() < 1e-15);
        assert!((integrate(&r, |p| p[0] * p[0]) - 1.0 / 60.0).abs() < 1e-15);
        assert!((integrate(&r, |p| p[0] * p[1]) - 1.0 / 120.0).abs() < 1e-15);
    }
}
