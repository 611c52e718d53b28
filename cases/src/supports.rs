//! Supports and symmetry planes as prescribed displacements: 3-2-1 (rigid
//! body motion suppressed by three nodes of a face), a fixed face, or a
//! flat stage under a face; symmetry planes hold their normal component.

use crate::case::{Case, CaseError, Supports};
use mesher::package::Symmetry;
use mesher::Mesh;
use std::collections::BTreeMap;

impl Case {
    /// Support and symmetry constraints.
    pub(crate) fn constraints(
        &self,
        mesh: &Mesh,
    ) -> Result<BTreeMap<(usize, usize), f64>, CaseError> {
        self.constraints_with(mesh, &self.supports)
    }

    /// Symmetry constraints and those of `supports` (instead of the case's
    /// own, e.g. the bonding stage of a recipe step).
    pub(crate) fn constraints_with(
        &self,
        mesh: &Mesh,
        supports: &Supports,
    ) -> Result<BTreeMap<(usize, usize), f64>, CaseError> {
        let mut bc = BTreeMap::new();
        for (set, d) in [("SYMMETRY_X", 0), ("SYMMETRY_Y", 1)] {
            for &v in mesh.node_sets.get(set).map(Vec::as_slice).unwrap_or(&[]) {
                bc.insert((v, d), 0.0);
            }
        }
        let face_ref = match supports {
            Supports::ThreeTwoOne(f) | Supports::Fixed(f) | Supports::Stage(f) => f,
        };
        let nodes = mesh
            .node_sets
            .get(&face_ref.node_set())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| CaseError::Mesh {
                file: self.file.clone(),
                message: format!("the support face {} has no nodes", face_ref.label()),
            })?;
        let coord = |v: usize| mesh.coordinates[v];
        // extreme nodes of the face: lowest x then y, etc.
        let pick = |key: &dyn Fn([f64; 3]) -> (f64, f64)| -> usize {
            *nodes
                .iter()
                .min_by(|&&a, &&b| key(coord(a)).partial_cmp(&key(coord(b))).unwrap())
                .unwrap()
        };
        let a = pick(&|x| (x[0], x[1])); // min x, then min y
        let b = pick(&|x| (-x[0], x[1])); // max x, then min y
        let c = pick(&|x| (x[0], -x[1])); // min x, then max y
        let sym = self.controls.symmetry;
        match supports {
            Supports::ThreeTwoOne(_) => {
                match sym {
                    Symmetry::Full => {
                        for d in 0..3 {
                            bc.insert((a, d), 0.0);
                        }
                        bc.insert((b, 1), 0.0);
                        bc.insert((b, 2), 0.0);
                    }
                    // x = 0 plane holds x, and rotations about y and z
                    Symmetry::Half => {
                        bc.insert((a, 1), 0.0);
                        bc.insert((a, 2), 0.0);
                    }
                    Symmetry::Quarter => {
                        bc.insert((a, 2), 0.0);
                    }
                }
                if sym != Symmetry::Quarter {
                    bc.insert((c, 2), 0.0);
                }
            }
            Supports::Fixed(_) => {
                for &v in nodes {
                    for d in 0..3 {
                        bc.insert((v, d), 0.0);
                    }
                }
            }
            Supports::Stage(_) => {
                for &v in nodes {
                    bc.insert((v, 2), 0.0);
                }
                match sym {
                    Symmetry::Full => {
                        bc.insert((a, 0), 0.0);
                        bc.insert((a, 1), 0.0);
                        bc.insert((b, 1), 0.0);
                    }
                    Symmetry::Half => {
                        bc.insert((a, 1), 0.0);
                    }
                    Symmetry::Quarter => {}
                }
            }
        }
        Ok(bc)
    }
}
