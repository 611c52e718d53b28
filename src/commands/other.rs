//! `pkgstress mesh`, `export-inp` and `materials`.

use super::Out;
use anyhow::{Context, Result};
use cases::output::write_text;
use cases::recipe::{recipe_deck_model, run_recipe};
use cases::Case;
use materials::library::Library;
use solver::io::vtk;
use solver::linear::SolverChoice;
use std::path::Path;

pub fn mesh_case(case: &Case, path: &Path, out: &Out) -> Result<()> {
    let t = std::time::Instant::now();
    let mesh = case.mesh()?;
    println!(
        "{}: meshed in {:.3} s",
        path.display(),
        t.elapsed().as_secs_f64()
    );
    let report = mesher::quality::quality_with(&mesh, &case.parts_with_own_layers());
    print!("{report}");
    let file = format!("{}_mesh.vtu", case.name);
    vtk::write_mesh_vtu(&out.file(&file), &mesh).with_context(|| format!("writing {file}"))?;
    write_text(&out.file("quality.txt"), &report.to_string())?;
    println!("wrote {} and {}", out.show(&file), out.show("quality.txt"));
    Ok(())
}

/// Writes the case as a CalculiX/Abaqus deck: the single cool-down, or for
/// a case with a recipe every mechanical state of the recipe as a step
/// (the recipe is run first for its temperatures and births).
pub fn export_inp(case: &Case, path: &Path, output: &Path) -> Result<()> {
    let mut model = case.model()?;
    let mut changes = Vec::new();
    if let Some(recipe) = &case.process {
        let (outputs, _) = run_recipe(case, recipe, &mut model, SolverChoice::Auto, |_| {})?;
        let deck = recipe_deck_model(case, recipe, &model, &outputs)?;
        model = deck.model;
        changes = deck.changes;
        println!(
            "ran the recipe: {} states become {} steps with *TEMPERATURE and *MODEL CHANGE",
            outputs.len(),
            model.steps.len()
        );
    }
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the folder of {}", output.display()))?;
    }
    solver::io::write_atomically(output, |w| {
        use std::io::Write;
        writeln!(w, "** {}: {}", case.name, case.description)?;
        writeln!(
            w,
            "** Exported by pkgstress from {} (units: mm, N, MPa, C)",
            path.display()
        )?;
        solver::io::deck_writer::write_deck_with_changes(&model, &changes, w)
            .map_err(std::io::Error::other)
    })
    .with_context(|| format!("writing {}", output.display()))?;
    println!(
        "wrote {} ({} nodes, {} elements)",
        output.display(),
        model.mesh.num_nodes(),
        model.mesh.num_cells()
    );
    Ok(())
}

pub fn list_materials(name: Option<&str>, user: Option<&Path>) -> Result<()> {
    let mut lib = Library::bundled();
    if let Some(path) = user {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        lib.extend(Library::from_toml(&text, &path.display().to_string())?);
    }
    let chosen: Vec<_> = match name {
        Some(n) => vec![lib.get(n).with_context(|| {
            let names: Vec<&str> = lib
                .materials
                .iter()
                .map(|m| m.material.name.as_str())
                .collect();
            format!(
                "no material '{n}' in the library (have: {})",
                names.join(", ")
            )
        })?],
        None => lib.materials.iter().collect(),
    };
    for m in chosen {
        let mat = &m.material;
        let d = mat.stiffness(25.0);
        let (a25, a200) = (mat.alpha(25.0), mat.alpha(200.0));
        let t_ref = mat
            .expansion
            .as_ref()
            .map(|e| e.reference_temperature)
            .unwrap_or(0.0);
        println!("{}: {}", mat.name, m.description);
        println!(
            "  at 25 C: C11 = {:.4} GPa, C12 = {:.4} GPa, C33 = {:.4} GPa, C44 = {:.4} GPa",
            d[0][0] / 1e3,
            d[0][1] / 1e3,
            d[2][2] / 1e3,
            d[3][3] / 1e3
        );
        println!(
            "  secant CTE about {t_ref} C (x, y, z): {:.2}/{:.2}/{:.2} ppm/K at 25 C, {:.2}/{:.2}/{:.2} ppm/K at 200 C",
            a25[0] * 1e6, a25[1] * 1e6, a25[2] * 1e6, a200[0] * 1e6, a200[1] * 1e6, a200[2] * 1e6
        );
        if let Some(t) = &m.thermal {
            println!(
                "  at 25 C: k = {:.4} W/(m K), rho = {:.0} kg/m^3, cp = {:.0} J/(kg K)",
                t.conductivity.at(25.0)[0],
                t.density.at(25.0)[0] * 1e12,
                t.specific_heat.at(25.0)[0] * 1e-6
            );
        }
        if let Some(v) = &mat.viscoelastic {
            print_viscoelastic(mat, v);
        }
        for (k, v) in &m.sources {
            println!("  source ({k}): {v}");
        }
        println!();
    }
    Ok(())
}

/// A viscoelastic material's series, shift and shear relaxation modulus
/// after 1 s and 10 min at a few temperatures.
fn print_viscoelastic(mat: &materials::Material, v: &materials::viscoelastic::Viscoelasticity) {
    use materials::viscoelastic::Shift;
    let (sg, sk) = v.sums();
    let shift = match v.shift {
        Shift::None => "no shift".to_string(),
        Shift::Wlf { reference, c1, c2 } => format!("WLF about {reference} C (C1 {c1}, C2 {c2} K)"),
        Shift::Arrhenius {
            reference,
            activation,
        } => format!("Arrhenius about {reference} C (Ea/R {activation:.0} K)"),
    };
    println!(
        "  viscoelastic: {} Prony terms (sum g {sg:.3}, sum k {sk:.3}), {shift}",
        v.terms.len()
    );
    let cells: Vec<String> = [25.0, 100.0, 130.0, 160.0, 200.0]
        .iter()
        .map(|&t| {
            let [e, nu] = mat.isotropic_constants(t).unwrap_or([0.0, 0.0]);
            let g0 = e / (2.0 * (1.0 + nu));
            format!(
                "{t} C {:.3}/{:.3}",
                v.shear_modulus_after(g0, 1.0, t) / 1e3,
                v.shear_modulus_after(g0, 600.0, t) / 1e3
            )
        })
        .collect();
    println!(
        "  shear relaxation modulus after 1 s / 10 min, GPa: {}",
        cells.join(", ")
    );
}
