//! Faces of the solid elements (Abaqus/CalculiX numbering S1…S6) and the
//! surface shape functions on them (Quad4, Quad8, Tri6), for surface
//! integrals such as convection.

use mesher::Shape;

/// Local node lists of the faces of a shape, corners first then mid-edge
/// nodes, ordered around the face.
pub fn faces(shape: Shape) -> &'static [&'static [usize]] {
    match shape {
        Shape::Hex8 => &[
            &[0, 1, 2, 3],
            &[4, 7, 6, 5],
            &[0, 4, 5, 1],
            &[1, 5, 6, 2],
            &[2, 6, 7, 3],
            &[3, 7, 4, 0],
        ],
        Shape::Hex20 => &[
            &[0, 1, 2, 3, 8, 9, 10, 11],
            &[4, 7, 6, 5, 15, 14, 13, 12],
            &[0, 4, 5, 1, 16, 12, 17, 8],
            &[1, 5, 6, 2, 17, 13, 18, 9],
            &[2, 6, 7, 3, 18, 14, 19, 10],
            &[3, 7, 4, 0, 19, 15, 16, 11],
        ],
        Shape::Tet10 => &[
            &[0, 1, 2, 4, 5, 6],
            &[0, 3, 1, 7, 8, 4],
            &[1, 3, 2, 8, 9, 5],
            &[2, 3, 0, 9, 7, 6],
        ],
    }
}

/// The surface element of a face.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FaceShape {
    /// Bilinear quadrilateral (faces of Hex8).
    Quad4,
    /// Serendipity quadrilateral (faces of Hex20).
    Quad8,
    /// Quadratic triangle (faces of Tet10).
    Tri6,
}

impl FaceShape {
    /// The surface element of face `face` of a cell of `shape`.
    pub fn of(shape: Shape, face: usize) -> FaceShape {
        let _ = face; // every face of the shapes so far has the same element
        match shape {
            Shape::Hex8 => FaceShape::Quad4,
            Shape::Hex20 => FaceShape::Quad8,
            Shape::Tet10 => FaceShape::Tri6,
        }
    }

    /// Nodes of the face.
    pub fn nodes(self) -> usize {
        match self {
            FaceShape::Quad4 => 4,
            FaceShape::Quad8 => 8,
            FaceShape::Tri6 => 6,
        }
    }

    /// Corner nodes of the face (listed first).
    pub fn corners(self) -> usize {
        match self {
            FaceShape::Quad4 | FaceShape::Quad8 => 4,
            FaceShape::Tri6 => 3,
        }
    }
}

/// Gauss points and weights on a face's reference domain: `[-1, 1]²` for
/// quadrilaterals (3 x 3), the unit triangle for triangles (3 points, exact
/// for quadratics).
pub fn face_rule(face: FaceShape) -> Vec<([f64; 2], f64)> {
    if face == FaceShape::Tri6 {
        vec![
            ([1.0 / 6.0, 1.0 / 6.0], 1.0 / 6.0),
            ([2.0 / 3.0, 1.0 / 6.0], 1.0 / 6.0),
            ([1.0 / 6.0, 2.0 / 3.0], 1.0 / 6.0),
        ]
    } else {
        let (x, w) = crate::quadrature::gauss_legendre(3);
        let mut out = Vec::with_capacity(9);
        for j in 0..3 {
            for i in 0..3 {
                out.push(([x[i], x[j]], w[i] * w[j]));
            }
        }
        out
    }
}

/// Surface shape values and reference derivatives of a face element at
/// `s` into `n` and `dn` (one entry per node of the face).
pub fn face_shape(face: FaceShape, s: [f64; 2], n: &mut [f64], dn: &mut [[f64; 2]]) {
    let [x, y] = s;
    match face {
        FaceShape::Quad4 | FaceShape::Quad8 => {
            const C: [[f64; 2]; 4] = [[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]];
            for (a, c) in C.iter().enumerate() {
                let (fx, fy) = (1.0 + c[0] * x, 1.0 + c[1] * y);
                if face == FaceShape::Quad4 {
                    n[a] = 0.25 * fx * fy;
                    dn[a] = [0.25 * c[0] * fy, 0.25 * fx * c[1]];
                } else {
                    let t = c[0] * x + c[1] * y - 1.0;
                    n[a] = 0.25 * fx * fy * t;
                    dn[a] = [0.25 * c[0] * fy * (t + fx), 0.25 * c[1] * fx * (t + fy)];
                }
            }
            if face == FaceShape::Quad8 {
                // mid-edge nodes at (0,-1), (1,0), (0,1), (-1,0)
                n[4] = 0.5 * (1.0 - x * x) * (1.0 - y);
                dn[4] = [-x * (1.0 - y), -0.5 * (1.0 - x * x)];
                n[5] = 0.5 * (1.0 + x) * (1.0 - y * y);
                dn[5] = [0.5 * (1.0 - y * y), -(1.0 + x) * y];
                n[6] = 0.5 * (1.0 - x * x) * (1.0 + y);
                dn[6] = [-x * (1.0 + y), 0.5 * (1.0 - x * x)];
                n[7] = 0.5 * (1.0 - x) * (1.0 - y * y);
                dn[7] = [-0.5 * (1.0 - y * y), -(1.0 - x) * y];
            }
        }
        FaceShape::Tri6 => {
            let l = [1.0 - x - y, x, y];
            let dl = [[-1.0, -1.0], [1.0, 0.0], [0.0, 1.0]];
            for c in 0..3 {
                n[c] = l[c] * (2.0 * l[c] - 1.0);
                dn[c] = [(4.0 * l[c] - 1.0) * dl[c][0], (4.0 * l[c] - 1.0) * dl[c][1]];
            }
            for (e, (i, j)) in [(0, 1), (1, 2), (2, 0)].into_iter().enumerate() {
                n[3 + e] = 4.0 * l[i] * l[j];
                dn[3 + e] = [
                    4.0 * (dl[i][0] * l[j] + l[i] * dl[j][0]),
                    4.0 * (dl[i][1] * l[j] + l[i] * dl[j][1]),
                ];
            }
        }
    }
}

/// Faces of the mesh that belong to one cell only (its outer surface), as
/// `(global cell, face index)`, in cell order.
pub fn exterior_faces(mesh: &mesher::Mesh) -> Vec<(usize, usize)> {
    use std::collections::HashMap;
    let key = |nodes: &[usize], f: &[usize], corners: usize| {
        let mut k: Vec<usize> = f[..corners].iter().map(|&a| nodes[a]).collect();
        k.sort_unstable();
        k
    };
    let corners = |shape: Shape, face: usize| FaceShape::of(shape, face).corners();
    let mut count: HashMap<Vec<usize>, u32> = HashMap::new();
    for (_, b, c) in mesh.cells() {
        let block = &mesh.blocks[b];
        let shape = block.kind.shape();
        for (k, f) in faces(shape).iter().enumerate() {
            *count
                .entry(key(block.cell(c), f, corners(shape, k)))
                .or_default() += 1;
        }
    }
    let mut out = Vec::new();
    for (cell, b, c) in mesh.cells() {
        let block = &mesh.blocks[b];
        let shape = block.kind.shape();
        for (k, f) in faces(shape).iter().enumerate() {
            if count[&key(block.cell(c), f, corners(shape, k))] == 1 {
                out.push((cell, k));
            }
        }
    }
    out
}

/// The shape and nodes of global cell `cell`.
pub fn cell_of(mesh: &mesher::Mesh, cell: usize) -> (Shape, &[usize]) {
    let mut offset = 0;
    for b in &mesh.blocks {
        if cell < offset + b.len() {
            return (b.kind.shape(), b.cell(cell - offset));
        }
        offset += b.len();
    }
    panic!("cell {cell} out of range")
}

/// Exterior faces `(cell, face index)` whose nodes all lie in `nodes`.
pub fn faces_on(mesh: &mesher::Mesh, nodes: &[usize]) -> Vec<(usize, usize)> {
    let set: std::collections::BTreeSet<usize> = nodes.iter().copied().collect();
    exterior_faces(mesh)
        .into_iter()
        .filter(|&(cell, k)| {
            let (shape, cn) = cell_of(mesh, cell);
            faces(shape)[k].iter().all(|&a| set.contains(&cn[a]))
        })
        .collect()
}

/// Area vector `∂x/∂s × ∂x/∂t` at a face point from node coordinates
/// (normal to the face, its length the area element).
pub fn area_vector(x: &[[f64; 3]], dn: &[[f64; 2]]) -> [f64; 3] {
    let mut a = [0.0; 3];
    let mut b = [0.0; 3];
    for (p, g) in x.iter().zip(dn) {
        for d in 0..3 {
            a[d] += p[d] * g[0];
            b[d] += p[d] * g[1];
        }
    }
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Area element `|∂x/∂s × ∂x/∂t|` at a face point from node coordinates.
pub fn area_factor(x: &[[f64; 3]], dn: &[[f64; 2]]) -> f64 {
    let c = area_vector(x, dn);
    (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::reference_nodes;

    /// The surface shape functions sum to one and give every reference
    /// face's exact area: 4 for hex faces, 1/2 (and √3/2 for the slanted
    /// one) for tet faces.
    #[test]
    fn faces_are_planar_with_exact_areas() {
        for shape in [Shape::Hex8, Shape::Hex20, Shape::Tet10] {
            let refs = reference_nodes(shape);
            for (k, f) in faces(shape).iter().enumerate() {
                let x: Vec<[f64; 3]> = f.iter().map(|&a| refs[a]).collect();
                let mut n = vec![0.0; f.len()];
                let mut dn = vec![[0.0; 2]; f.len()];
                let face = FaceShape::of(shape, k);
                assert_eq!(face.nodes(), f.len());
                let area: f64 = face_rule(face)
                    .iter()
                    .map(|(s, w)| {
                        face_shape(face, *s, &mut n, &mut dn);
                        assert!((n.iter().sum::<f64>() - 1.0).abs() < 1e-14);
                        w * area_factor(&x, &dn)
                    })
                    .sum();
                let exact = match shape {
                    Shape::Tet10 if k == 2 => 3f64.sqrt() / 2.0,
                    Shape::Tet10 => 0.5,
                    _ => 4.0,
                };
                assert!(
                    (area - exact).abs() < 1e-12,
                    "{shape:?} face {k}: area {area} vs {exact}"
                );
            }
        }
    }
}
