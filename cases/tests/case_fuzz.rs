//! Generated `--set` overrides of a shipped case never make the case reader
//! or the model builder panic: every outcome is a model or an error that
//! names the case file. The values mix the valid, the absurd and the
//! mistyped; the model is built under a small memory budget, so that a
//! mesh too large for it is refused, not built.

use cases::Case;
use proptest::prelude::*;
use std::path::PathBuf;

const KEYS: &[&str] = &[
    "mesh.size",
    "mesh.layers",
    "mesh.across_bumps",
    "mesh.grading",
    "mesh.symmetry",
    "mesh.element",
    "supports.type",
    "supports.face",
    "temperatures.room",
    "temperatures.stress_free",
    "case.name",
    "part.glass.material",
    "part.chip.layers",
    "process.peak_temperature",
    "process.head_force",
    "process.step.hold.increments",
    "process.step.heat.duration",
    "process.cure.underfill.time",
    "results.warpage",
];

const VALUES: &[&str] = &[
    "\"0.5 mm\"",
    "\"1e-30 mm\"",
    "\"1e400 mm\"",
    "\"nan mm\"",
    "\"-1 mm\"",
    "0",
    "-1",
    "1",
    "3",
    "1000000000",
    "1.5",
    "true",
    "\"\"",
    "\"quarter\"",
    "\"c3d8i\"",
    "\"stage\"",
    "\"glass.top\"",
    "\"../x\"",
    "\"200 C\"",
    "\"-300 C\"",
    "\"1e300 C\"",
    "\"20 N\"",
    "\"1e300 N\"",
    "\"1e-300 s\"",
    "\"2 s\"",
    "[]",
    "{}",
    "\"abc\"",
    "\"1 parsec\"",
];

fn case_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../cases/cog_flipchip.toml")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn overrides_give_a_model_or_an_error_naming_the_file(
        picks in prop::collection::vec((0..KEYS.len(), 0..VALUES.len()), 1..4)
    ) {
        solver::memory::set_budget(2 << 30);
        let sets: Vec<String> = picks
            .iter()
            .map(|&(k, v)| format!("{}={}", KEYS[k], VALUES[v]))
            .collect();
        let path = case_path();
        let file = path.display().to_string();
        match Case::from_file_with(&path, &sets) {
            Err(e) => prop_assert!(e.to_string().contains(&file), "{sets:?}: {e}"),
            Ok(case) => {
                if let Err(e) = case.quick().model() {
                    prop_assert!(e.to_string().contains(&file), "{sets:?}: {e}");
                }
            }
        }
    }
}
