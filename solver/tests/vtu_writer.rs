//! The background `.vtu` writer writes exactly what the direct writer
//! writes, in the order submitted, and a failure names its file.

use solver::analysis::StaticAnalysis;
use solver::io::deck::parse_deck;
use solver::io::vtk::{write_vtu_with, VtuWriter};
use solver::linear::SolverChoice;
use solver::post::PartPoints;
use std::path::Path;

const DECK: &str = "*NODE, NSET=ALL
1, 0, 0, 0
2, 1, 0, 0
3, 1, 1, 0
4, 0, 1, 0
5, 0, 0, 1
6, 1, 0, 1
7, 1, 1, 1
8, 0, 1, 1
*ELEMENT, TYPE=C3D8, ELSET=BLOCK
1, 1, 2, 3, 4, 5, 6, 7, 8
*NSET, NSET=BASE
1, 2, 3, 4
*MATERIAL, NAME=STEEL
*ELASTIC
210000, 0.3
*EXPANSION, ZERO=20
1.2e-5
*SOLID SECTION, ELSET=BLOCK, MATERIAL=STEEL
*BOUNDARY
BASE, 3, 3
1, 1, 2
2, 2, 2
*INITIAL CONDITIONS, TYPE=TEMPERATURE
ALL, 20
*STEP
*STATIC
*TEMPERATURE
ALL, 120
*END STEP
";

/// The block and its solved step.
fn solved() -> (solver::model::Model, solver::analysis::StepResult) {
    let model = parse_deck(DECK, Path::new("block.inp")).unwrap().model;
    let result = StaticAnalysis::new(&model, SolverChoice::Direct)
        .solve_step(&model.steps[0])
        .unwrap();
    (model, result)
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pkgstress-vtu-writer-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn background_files_equal_the_direct_ones_in_order() {
    let (model, result) = solved();
    let dir = scratch("equal");
    let points = PartPoints::new(&model.mesh);
    let writer = VtuWriter::spawn(model.clone());
    for k in 0..5 {
        // each state distinguishable by an extra cell field
        let extra = vec![("k".to_string(), vec![k as f64])];
        write_vtu_with(
            &dir.join(format!("direct_{k}.vtu")),
            &model,
            &points,
            &result,
            &extra,
        )
        .unwrap();
        writer
            .submit(dir.join(format!("queued_{k}.vtu")), result.clone(), extra)
            .unwrap();
    }
    writer.finish().unwrap();
    for k in 0..5 {
        let direct = std::fs::read(dir.join(format!("direct_{k}.vtu"))).unwrap();
        let queued = std::fs::read(dir.join(format!("queued_{k}.vtu"))).unwrap();
        assert!(direct == queued, "state {k}: the files differ");
    }
    // no temporary file is left behind
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_failure_names_the_file_and_stops_the_writer() {
    let (model, result) = solved();
    let dir = scratch("failure");
    let missing = dir.join("no such folder").join("state_1.vtu");
    let writer = VtuWriter::spawn(model.clone());
    writer
        .submit(missing.clone(), result.clone(), Vec::new())
        .unwrap();
    // later submissions are refused once the writer has stopped, or queued
    // and dropped: never written
    for k in 2..6 {
        let _ = writer.submit(
            dir.join(format!("state_{k}.vtu")),
            result.clone(),
            Vec::new(),
        );
    }
    let err = writer.finish().unwrap_err().to_string();
    assert!(err.contains("state_1.vtu"), "{err}");
    let written: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert!(written.is_empty(), "written after the failure: {written:?}");
}
