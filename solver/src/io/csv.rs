//! CSV output of nodal results.

use crate::analysis::StepResult;
use crate::io::write_atomically;
use crate::model::Model;
use std::io::{self, Write};
use std::path::Path;

/// Writes `node_id, x, y, z, ux, uy, uz, T` per node (mm, °C), atomically.
pub fn write_nodes_csv(path: &Path, model: &Model, result: &StepResult) -> io::Result<()> {
    write_atomically(path, |w| {
        writeln!(w, "node_id,x,y,z,ux,uy,uz,T")?;
        for (v, x) in model.mesh.coordinates.iter().enumerate() {
            let u = result.displacement[v];
            writeln!(
                w,
                "{},{:e},{:e},{:e},{:e},{:e},{:e},{:e}",
                model.mesh.node_ids[v], x[0], x[1], x[2], u[0], u[1], u[2], result.temperature[v]
            )?;
        }
        Ok(())
    })
}
