//! `--set KEY=VALUE` overrides (one a line) of the shipped cog_flipchip
//! case, built into a model (quick mode, small memory budget).
#![no_main]
use cases::Case;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let sets: Vec<String> = text.lines().take(8).map(str::to_string).collect();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../cases/cog_flipchip.toml");
    solver::memory::set_budget(1 << 30);
    if let Ok(case) = Case::from_file_with(&path, &sets) {
        let _ = case.quick().model();
    }
});
