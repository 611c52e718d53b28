//! A whole case file of arbitrary text, built into a model (quick mode,
//! under a small memory budget) when it parses.
#![no_main]
use cases::Case;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    solver::memory::set_budget(1 << 30);
    if let Ok(case) = Case::from_toml(text, "fuzz.toml", None) {
        let _ = case.quick().model();
    }
});
