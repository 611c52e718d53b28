//! VTK XML output: one zlib-compressed `.vtu` UnstructuredGrid per step and
//! a `.pvd` collection with the step times, for ParaView.
//!
//! Nodes shared by several parts are written once per part (see
//! [`PartPoints`]), so the part-averaged nodal stress stays discontinuous at
//! material interfaces; `node_id` carries the deck's node number.

use crate::analysis::StepResult;
use crate::io::write_atomically;
use crate::model::Model;
use crate::points::QpField;
use crate::post::{principal, von_mises, PartPoints};
use std::io;
use std::path::Path;
use vtkio::model::{
    Attribute, Attributes, ByteOrder, CellType, Cells, DataSet, UnstructuredGridPiece, Version,
    VertexNumbers, Vtk,
};
use vtkio::xml::Compressor;

fn cell_type(kind: mesher::CellKind) -> CellType {
    match kind.shape() {
        mesher::Shape::Hex8 => CellType::Hexahedron,
        mesher::Shape::Hex20 => CellType::QuadraticHexahedron,
        mesher::Shape::Tet10 => CellType::QuadraticTetra,
    }
}

fn flat6(v: &[[f64; 6]]) -> Vec<f64> {
    v.iter().flat_map(|s| s.iter().copied()).collect()
}

/// VTK cells of a mesh whose cell `c` of block `b` has points
/// `connectivity[b][c * n..(c + 1) * n]`.
fn cells_of(mesh: &mesher::Mesh, connectivity: &[Vec<usize>]) -> Cells {
    let mut conn = Vec::new();
    let mut offsets = Vec::new();
    let mut types = Vec::new();
    for (b, block) in mesh.blocks.iter().enumerate() {
        let n = block.kind.nodes_per_cell();
        for c in 0..block.len() {
            conn.extend(
                connectivity[b][c * n..(c + 1) * n]
                    .iter()
                    .map(|&p| p as u64),
            );
            offsets.push(conn.len() as u64);
            types.push(cell_type(block.kind));
        }
    }
    Cells {
        cell_verts: VertexNumbers::XML {
            connectivity: conn,
            offsets,
        },
        types,
    }
}

/// Writes a mesh alone (point `node_id`; cell `part`, `element_id`), atomically.
pub fn write_mesh_vtu(path: &Path, mesh: &mesher::Mesh) -> io::Result<()> {
    let coords: Vec<f64> = mesh.coordinates.iter().flatten().copied().collect();
    let connectivity: Vec<Vec<usize>> =
        mesh.blocks.iter().map(|b| b.connectivity.clone()).collect();
    let cell_ids: Vec<i64> = mesh
        .blocks
        .iter()
        .flat_map(|b| b.cell_ids.iter().map(|&i| i as i64))
        .collect();
    let vtk = Vtk {
        version: Version::new_xml(1, 0),
        title: "mesh".into(),
        byte_order: ByteOrder::LittleEndian,
        file_path: None,
        data: DataSet::inline(UnstructuredGridPiece {
            points: coords.into(),
            cells: cells_of(mesh, &connectivity),
            data: Attributes {
                point: vec![Attribute::scalars("node_id", 1).with_data(
                    mesh.node_ids
                        .iter()
                        .map(|&i| i as i64)
                        .collect::<Vec<i64>>(),
                )],
                cell: vec![
                    Attribute::scalars("part", 1).with_data(
                        mesh.cell_part
                            .iter()
                            .map(|&p| p as i32)
                            .collect::<Vec<i32>>(),
                    ),
                    Attribute::scalars("element_id", 1).with_data(cell_ids),
                ],
            },
        }),
    };
    let file = vtk
        .try_into_xml_format(Compressor::ZLib, 2)
        .map_err(|e| io::Error::other(e.to_string()))?;
    write_atomically(path, |w| {
        file.write(w).map_err(|e| io::Error::other(e.to_string()))
    })
}

/// Builds the VTK model of one step's results.
pub fn step_to_vtk(model: &Model, points: &PartPoints, result: &StepResult) -> Vtk {
    step_to_vtk_with(model, points, result, &[])
}

/// [`step_to_vtk`] with extra per-cell scalar fields `(name, value per cell)`.
pub fn step_to_vtk_with(
    model: &Model,
    points: &PartPoints,
    result: &StepResult,
    extra_cells: &[(String, Vec<f64>)],
) -> Vtk {
    let mesh = &model.mesh;
    let coords: Vec<f64> = points
        .node
        .iter()
        .flat_map(|&v| mesh.coordinates[v])
        .collect();
    let cells = cells_of(mesh, &points.connectivity);
    let mut cell_data = cell_attributes(model, result);
    for (name, values) in extra_cells {
        cell_data.push(Attribute::scalars(name.as_str(), 1).with_data(values.clone()));
    }
    Vtk {
        version: Version::new_xml(1, 0),
        title: result.name.clone(),
        byte_order: ByteOrder::LittleEndian,
        file_path: None,
        data: DataSet::inline(UnstructuredGridPiece {
            points: coords.into(),
            cells,
            data: Attributes {
                point: point_attributes(model, points, result),
                cell: cell_data,
            },
        }),
    }
}

/// Point data: displacement, temperature, node number, the part-averaged
/// nodal stress with its von Mises and principal values, and the part.
fn point_attributes(model: &Model, points: &PartPoints, result: &StepResult) -> Vec<Attribute> {
    let mesh = &model.mesh;
    let nodal_stress = points.average(mesh, &result.stress);
    vec![
        Attribute::vectors("displacement").with_data(
            points
                .node
                .iter()
                .flat_map(|&v| result.displacement[v])
                .collect::<Vec<f64>>(),
        ),
        Attribute::scalars("temperature", 1).with_data(
            points
                .node
                .iter()
                .map(|&v| result.temperature[v])
                .collect::<Vec<f64>>(),
        ),
        Attribute::scalars("node_id", 1).with_data(
            points
                .node
                .iter()
                .map(|&v| mesh.node_ids[v] as i64)
                .collect::<Vec<i64>>(),
        ),
        Attribute::generic("stress", 6).with_data(flat6(&nodal_stress)),
        Attribute::scalars("von_mises", 1)
            .with_data(nodal_stress.iter().map(von_mises).collect::<Vec<f64>>()),
        Attribute::generic("principal", 3).with_data(
            nodal_stress
                .iter()
                .flat_map(principal)
                .collect::<Vec<f64>>(),
        ),
        Attribute::scalars("part", 1)
            .with_data(points.part.iter().map(|&p| p as i32).collect::<Vec<i32>>()),
    ]
    .into_iter()
    .chain(plastic_point_attributes(mesh, points, result))
    .collect()
}

/// The plastic fields of a path-dependent result as point data, averaged
/// within each part like the stress: `equivalent_plastic_strain` and
/// `plastic_strain` (Voigt, engineering shear); none for an elastic one.
fn plastic_point_attributes(
    mesh: &mesher::Mesh,
    points: &PartPoints,
    result: &StepResult,
) -> Vec<Attribute> {
    let (Some(strain), Some(eq)) = (&result.plastic_strain, &result.equivalent_plastic_strain)
    else {
        return Vec::new();
    };
    let as_field = QpField {
        offsets: strain.offsets.clone(),
        data: eq.iter().map(|&e| [e, 0.0, 0.0, 0.0, 0.0, 0.0]).collect(),
    };
    let nodal_eq: Vec<f64> = points
        .average(mesh, &as_field)
        .iter()
        .map(|v| v[0])
        .collect();
    vec![
        Attribute::scalars("equivalent_plastic_strain", 1).with_data(nodal_eq),
        Attribute::generic("plastic_strain", 6).with_data(flat6(&points.average(mesh, strain))),
    ]
}

/// The plastic fields as cell data: the cell's largest equivalent plastic
/// strain and its points' mean plastic strain.
fn plastic_cell_attributes(result: &StepResult) -> Vec<Attribute> {
    let (Some(strain), Some(eq)) = (&result.plastic_strain, &result.equivalent_plastic_strain)
    else {
        return Vec::new();
    };
    let cells = strain.offsets.len() - 1;
    let eq_max: Vec<f64> = (0..cells)
        .map(|c| {
            eq[strain.offsets[c]..strain.offsets[c + 1]]
                .iter()
                .fold(0.0, |a: f64, &b| a.max(b))
        })
        .collect();
    let mean: Vec<[f64; 6]> = (0..cells).map(|c| cell_mean_of(strain.cell(c))).collect();
    vec![
        Attribute::scalars("equivalent_plastic_strain_max", 1).with_data(eq_max),
        Attribute::generic("plastic_strain", 6).with_data(flat6(&mean)),
    ]
}

/// The mean of a cell's point values.
fn cell_mean_of(values: &[[f64; 6]]) -> [f64; 6] {
    let mut m = [0.0; 6];
    for v in values {
        for k in 0..6 {
            m[k] += v[k] / values.len() as f64;
        }
    }
    m
}

/// Cell data: part, material, element number, the mean stress of the
/// cell's integration points and their largest von Mises stress.
fn cell_attributes(model: &Model, result: &StepResult) -> Vec<Attribute> {
    let mesh = &model.mesh;
    let ncells = mesh.num_cells();
    let cell_mean: Vec<[f64; 6]> = (0..ncells)
        .map(|c| cell_mean_of(result.stress.cell(c)))
        .collect();
    let cell_vm_max: Vec<f64> = (0..ncells)
        .map(|c| {
            result
                .stress
                .cell(c)
                .iter()
                .map(von_mises)
                .fold(0.0, f64::max)
        })
        .collect();
    let cell_ids: Vec<i64> = mesh
        .blocks
        .iter()
        .flat_map(|b| b.cell_ids.iter().map(|&i| i as i64))
        .collect();
    vec![
        Attribute::scalars("part", 1).with_data(
            mesh.cell_part
                .iter()
                .map(|&p| p as i32)
                .collect::<Vec<i32>>(),
        ),
        Attribute::scalars("material", 1).with_data(
            model
                .cell_material
                .iter()
                .map(|&m| m as i32)
                .collect::<Vec<i32>>(),
        ),
        Attribute::scalars("element_id", 1).with_data(cell_ids),
        Attribute::generic("stress", 6).with_data(flat6(&cell_mean)),
        Attribute::scalars("von_mises_max", 1).with_data(cell_vm_max),
    ]
    .into_iter()
    .chain(plastic_cell_attributes(result))
    .collect()
}

/// Writes one step's `.vtu` (zlib-compressed binary), atomically.
pub fn write_vtu(
    path: &Path,
    model: &Model,
    points: &PartPoints,
    result: &StepResult,
) -> io::Result<()> {
    write_vtu_with(path, model, points, result, &[])
}

/// [`write_vtu`] with extra per-cell scalar fields `(name, value per cell)`.
pub fn write_vtu_with(
    path: &Path,
    model: &Model,
    points: &PartPoints,
    result: &StepResult,
    extra_cells: &[(String, Vec<f64>)],
) -> io::Result<()> {
    let vtk = step_to_vtk_with(model, points, result, extra_cells);
    let file = vtk
        .try_into_xml_format(Compressor::ZLib, 2)
        .map_err(|e| io::Error::other(e.to_string()))?;
    write_atomically(path, |w| {
        file.write(w).map_err(|e| io::Error::other(e.to_string()))
    })
}

/// One `.vtu` for [`VtuWriter`]: the file, the step's results and extra
/// per-cell fields.
type VtuJob = (std::path::PathBuf, StepResult, Vec<(String, Vec<f64>)>);

/// Writes `.vtu` files of one model on a background thread, in the order
/// submitted, while the caller computes the next state: building and
/// compressing a state's fields is sequential work (about 1.4 s at 420 k
/// DOF) that a recipe's solves, which keep the cores only partly busy,
/// hide. At most two states wait; `submit` then blocks. Each file is
/// written atomically, as [`write_vtu_with`] does; after the first
/// failure nothing more is written and [`VtuWriter::finish`] returns it.
pub struct VtuWriter {
    jobs: Option<std::sync::mpsc::SyncSender<VtuJob>>,
    thread: Option<std::thread::JoinHandle<io::Result<()>>>,
}

impl VtuWriter {
    /// Starts the writer for `model` (its mesh, parts and initial
    /// temperatures, as [`write_vtu_with`] takes them).
    pub fn spawn(model: Model) -> Self {
        let (jobs, queue) = std::sync::mpsc::sync_channel::<VtuJob>(2);
        let thread = std::thread::spawn(move || {
            let points = PartPoints::new(&model.mesh);
            for (path, result, extra) in queue {
                write_vtu_with(&path, &model, &points, &result, &extra).map_err(|e| {
                    io::Error::new(e.kind(), format!("writing {}: {e}", path.display()))
                })?;
            }
            Ok(())
        });
        VtuWriter {
            jobs: Some(jobs),
            thread: Some(thread),
        }
    }

    /// Queues `result` (with extra per-cell fields) for `path`. An error
    /// means the writer has stopped after a failure: [`Self::finish`] says
    /// which.
    pub fn submit(
        &self,
        path: std::path::PathBuf,
        result: StepResult,
        extra: Vec<(String, Vec<f64>)>,
    ) -> io::Result<()> {
        self.jobs
            .as_ref()
            .expect("not finished")
            .send((path, result, extra))
            .map_err(|_| io::Error::other("the field writer stopped after an error"))
    }

    /// Waits until every queued file is written; the first failure, if any.
    pub fn finish(mut self) -> io::Result<()> {
        self.join()
    }

    fn join(&mut self) -> io::Result<()> {
        drop(self.jobs.take());
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the field writer panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for VtuWriter {
    fn drop(&mut self) {
        let _ = self.join();
    }
}

/// Writes a ParaView collection of `(time in s, file name)` entries, atomically.
pub fn write_pvd(path: &Path, entries: &[(f64, String)]) -> io::Result<()> {
    write_atomically(path, |w| {
        use std::io::Write;
        writeln!(w, "<?xml version=\"1.0\"?>")?;
        writeln!(
            w,
            "<VTKFile type=\"Collection\" version=\"0.1\" byte_order=\"LittleEndian\">"
        )?;
        writeln!(w, "  <Collection>")?;
        for (time, file) in entries {
            writeln!(
                w,
                "    <DataSet timestep=\"{time:e}\" group=\"\" part=\"0\" file=\"{}\"/>",
                xml_escape(file)
            )?;
        }
        writeln!(w, "  </Collection>")?;
        writeln!(w, "</VTKFile>")
    })
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
