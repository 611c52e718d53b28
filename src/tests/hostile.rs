//! Hostile input, one row per class of defect the fuzzing campaign found
//! (validation/hostile/campaign.py keeps the campaign itself): every row is
//! a deck or a case with overrides that pkgstress must refuse with exit 1,
//! a message naming the input file and the place (line, key or step) and
//! saying what is wrong — never a panic, an abort or a hang — and leaving
//! nothing behind: no file in --out, nothing beside it. A second table holds
//! inputs that must run and write only finite numbers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A scratch folder holding only `in/` (the input) and `out/` (--out).
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pkgstress-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("in")).unwrap();
    d
}

fn tiny() -> String {
    std::fs::read_to_string(repo().join("validation/hostile/tiny.inp")).unwrap()
}

fn case_text(name: &str) -> String {
    std::fs::read_to_string(repo().join(format!("cases/{name}.toml"))).unwrap()
}

enum Input {
    Deck(Vec<u8>),
    Case {
        text: String,
        sets: Vec<String>,
        quick: bool,
    },
}

/// Runs pkgstress on `input` in a scratch folder of its own; returns the
/// output, the folder and the input file's name.
fn run(name: &str, input: &Input, extra: &[&str]) -> (Output, PathBuf, &'static str, Duration) {
    let dir = scratch(name);
    let out = dir.join("out");
    let (file, mut args): (&str, Vec<String>) = match input {
        Input::Deck(bytes) => {
            std::fs::write(dir.join("in/deck.inp"), bytes).unwrap();
            ("deck.inp", vec!["solve".into(), "in/deck.inp".into()])
        }
        Input::Case { text, sets, quick } => {
            std::fs::write(dir.join("in/case.toml"), text).unwrap();
            let mut a = vec!["run".to_string(), "in/case.toml".into()];
            for s in sets {
                a.push("--set".into());
                a.push(s.clone());
            }
            if *quick {
                a.push("--quick".into());
            }
            ("case.toml", a)
        }
    };
    args.push("--out".into());
    args.push(out.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    let t = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_pkgstress"))
        .current_dir(&dir)
        .args(&args)
        .output()
        .expect("runs");
    (o, dir, file, t.elapsed())
}

/// Files under `dir`, relative.
fn files(dir: &Path) -> Vec<String> {
    let mut v = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().unwrap().is_dir() {
                v.extend(
                    files(&e.path())
                        .into_iter()
                        .map(|f| format!("{}/{f}", e.file_name().to_string_lossy())),
                );
            } else {
                v.push(e.file_name().to_string_lossy().to_string());
            }
        }
    }
    v
}

/// `text` with every `\u{1}` replaced by the Latin-1 byte of `é` (0xE9),
/// which is not UTF-8.
fn latin1(text: &str) -> Vec<u8> {
    text.bytes()
        .map(|b| if b == 1 { 0xE9 } else { b })
        .collect()
}

fn deck(edit: impl Fn(String) -> String) -> Input {
    Input::Deck(edit(tiny()).into_bytes())
}

fn case(name: &str, sets: &[&str], quick: bool) -> Input {
    Input::Case {
        text: case_text(name),
        sets: sets.iter().map(|s| s.to_string()).collect(),
        quick,
    }
}

/// `(class, input, fragments the message must hold)`.
fn refusals() -> Vec<(&'static str, Input, Vec<&'static str>)> {
    let replace = |a: &'static str, b: &'static str| move |t: String| t.replacen(a, b, 1);
    let base = "*NSET, NSET=BASE\n1, 2, 3, 4";
    vec![
        // absurd sizes: refused before anything is allocated
        (
            "size-overflow",
            case("cog_flipchip", &["mesh.size=\"1e-30 mm\""], false),
            vec!["mesh.size", "lines along this axis"],
        ),
        (
            "size-huge-grid",
            case("cog_flipchip", &["mesh.size=\"1e-10 mm\""], false),
            vec!["lines along this axis"],
        ),
        (
            "size-cells",
            case("pcb_acf", &["mesh.size=\"3 um\""], false),
            vec!["cells; refuse above"],
        ),
        (
            "size-layers",
            case("pcb_acf", &["mesh.layers=1000000000"], false),
            vec!["z: the grid would have"],
        ),
        // memory estimated before it is spent
        (
            "memory-budget",
            case("pcb_acf", &[], true),
            vec!["would need", "--max-memory"],
        ),
        // hangs: absurd counts refused up front
        (
            "increments",
            case(
                "cog_flipchip",
                &["process.step.hold.increments=1000000000"],
                true,
            ),
            vec!["process.step[1].increments", "at most"],
        ),
        (
            "increment-length",
            case(
                "cog_flipchip",
                &["process.step.heat.duration=\"1e-300 s\""],
                true,
            ),
            vec!["process.step[0].increments", "at least"],
        ),
        // out of range numbers
        (
            "out-of-range",
            case("cog_flipchip", &["temperatures.room=\"1e400 C\""], true),
            vec!["temperatures.room", "out of range"],
        ),
        (
            "force-out-of-range",
            case("cog_flipchip", &["process.head_force=\"1e300 N\""], true),
            vec!["pressure.force", "out of range"],
        ),
        // names become file names only after checking
        (
            "name-parent",
            case("cog_flipchip", &["case.name=\"../escaped\""], true),
            vec!["case.name", "file names"],
        ),
        (
            "name-absolute",
            case(
                "cog_flipchip",
                &["case.name=\"/tmp/pkgstress-hostile-abs\""],
                true,
            ),
            vec!["case.name"],
        ),
        (
            "name-empty",
            case("cog_flipchip", &["case.name=\"\""], true),
            vec!["case.name"],
        ),
        (
            "name-hidden",
            case("cog_flipchip", &["case.name=\".hidden\""], true),
            vec!["case.name"],
        ),
        (
            "variant-name",
            case(
                "stress_preventing_layer",
                &["variant.with-layer.name=\"../v\""],
                true,
            ),
            vec!["variant[0].name"],
        ),
        // wrong types are not the default
        (
            "symmetry-bool",
            case("cog_flipchip", &["mesh.symmetry=true"], true),
            vec!["mesh.symmetry", "expected a string"],
        ),
        (
            "element-int",
            case("cog_flipchip", &["mesh.element=5"], true),
            vec!["mesh.element", "expected a string"],
        ),
        (
            "supports-int",
            case("cog_flipchip", &["supports.type=5"], true),
            vec!["supports.type", "expected a string"],
        ),
        // memory bombs from tiny inputs
        (
            "generate-bomb",
            deck(replace(base, "*NSET, NSET=BASE, GENERATE\n1, 100000000")),
            vec!["deck.inp:", "GENERATE", "only 12 are defined"],
        ),
        // inf and NaN: the run stops naming the cause
        (
            "temperature-overflow",
            deck(replace("NALL, 20", "NALL, 1e200")),
            vec!["deck.inp", "step step-1", "not finite", "1e200"],
        ),
        (
            "load-overflow",
            deck(replace("11, 3, 10", "11, 3, 1e200")),
            vec!["deck.inp", "not finite"],
        ),
        // a later step fails: the earlier one's files are not left behind
        (
            "second-step-fails",
            deck(replace(
                "*TEMPERATURE\nNALL, 60\n*END STEP",
                "*TEMPERATURE\nNALL, 60\n*BOUNDARY, OP=NEW\n*END STEP",
            )),
            vec![
                "deck.inp",
                "step step-2",
                "LOWER, UPPER are free to make a rigid-body motion",
            ],
        ),
        (
            "floating-part",
            deck(replace(
                "*BOUNDARY\n1, 1, 3, 0\n2, 2, 3, 0\n4, 3, 3, 0\n",
                "",
            )),
            vec!["rigid-body motion", "LOWER"],
        ),
        // silently wrong before
        (
            "data-under-material",
            deck(replace(
                "*MATERIAL, NAME=STEEL\n",
                "*MATERIAL, NAME=STEEL\n1, 2, 3\n",
            )),
            vec!["deck.inp:23:", "*MATERIAL takes no data lines"],
        ),
        (
            "static-abc",
            deck(replace(
                "*STATIC\n1, 1\n*BOUNDARY",
                "*STATIC\nabc, 1\n*BOUNDARY",
            )),
            vec!["deck.inp:38:", "initial increment"],
        ),
        (
            "static-nan",
            deck(replace(
                "*STATIC\n1, 1\n*BOUNDARY",
                "*STATIC\nnan, 1\n*BOUNDARY",
            )),
            vec!["deck.inp:38:", "finite"],
        ),
        (
            "swapped-corners",
            deck(replace(
                "1, 1, 2, 3, 4, 5, 6, 7, 8",
                "1, 1, 3, 2, 4, 5, 6, 7, 8",
            )),
            vec!["deck.inp:17:", "element 1", "corner node", "node order"],
        ),
        // messages
        ("empty-deck", Input::Deck(Vec::new()), vec!["deck.inp"]),
        (
            "latin1-data",
            Input::Deck(latin1(&tiny().replacen(
                "\n2, 1, 0, 0",
                "\n2, 1, 0, 0 \u{1}",
                1,
            ))),
            vec!["deck.inp:", "not UTF-8"],
        ),
    ]
}

/// Inputs that must run, with every number they write finite.
fn runs() -> Vec<(&'static str, Input)> {
    vec![
        (
            "latin1-comment",
            Input::Deck(latin1(&format!(
                "** a comment in Latin-1: \u{1}\n{}",
                tiny()
            ))),
        ),
        (
            "empty-set-section",
            deck(|t| {
                t.replacen("*SOLID SECTION, ELSET=UPPER, MATERIAL=ALU", "*SOLID SECTION, ELSET=UPPER, MATERIAL=ALU\n*ELSET, ELSET=NOTHING\n*SOLID SECTION, ELSET=NOTHING, MATERIAL=ALU", 1)
            }),
        ),
        (
            "long-line",
            deck(|t| {
                t.replacen(
                    "*NSET, NSET=BASE\n1, 2, 3, 4",
                    &format!("*NSET, NSET=BASE\n{}", vec!["1"; 200_000].join(", ")),
                    1,
                )
            }),
        ),
        (
            "fast-cure",
            case("pcb_acf", &["process.cure.acf.a1=\"1e300 1/s\""], true),
        ),
        (
            "variants-single-step",
            case("stress_preventing_layer", &[], true),
        ),
    ]
}

#[test]
fn hostile_input_is_refused_cleanly() {
    let abs = Path::new("/tmp/pkgstress-hostile-abs");
    for (class, input, expect) in refusals() {
        let extra: &[&str] = if class == "memory-budget" {
            &["--max-memory", "20 MB"]
        } else {
            &[]
        };
        let (o, dir, file, took) = run(class, &input, extra);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{class}: exit {:?}: {err}",
            o.status.code()
        );
        assert!(!err.contains("panicked"), "{class}: {err}");
        assert!(took < Duration::from_secs(30), "{class}: took {took:?}");
        assert!(
            err.contains(file),
            "{class}: the error names no file: {err}"
        );
        for e in &expect {
            assert!(err.contains(e), "{class}: the error lacks '{e}': {err}");
        }
        let left = files(&dir.join("out"));
        assert!(left.is_empty(), "{class}: left after the refusal: {left:?}");
        let mut beside = files(&dir);
        beside.retain(|f| !f.starts_with("in/"));
        assert!(
            beside.is_empty(),
            "{class}: written beside --out: {beside:?}"
        );
        assert!(
            !abs.exists() && !abs.with_extension("pvd").exists(),
            "{class}: wrote {}",
            abs.display()
        );
        // the message is said once
        let first = err.lines().last().unwrap_or("");
        assert!(
            first.matches(expect[0]).count() <= 1 || expect[0].len() < 12,
            "{class}: said twice: {first}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn odd_but_valid_input_runs_and_writes_finite_numbers() {
    for (class, input) in runs() {
        let extra: &[&str] = if class == "variants-single-step" {
            &["--single-step"]
        } else {
            &[]
        };
        let (o, dir, _, _) = run(class, &input, extra);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{class}: {err}");
        let stdout = String::from_utf8_lossy(&o.stdout);
        for word in ["inf", "NaN"] {
            assert!(
                !stdout
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w == word),
                "{class}: printed {word}: {stdout}"
            );
        }
        let out = dir.join("out");
        for f in files(&out) {
            if f.ends_with(".csv") || f.ends_with(".json") {
                let text = std::fs::read_to_string(out.join(&f)).unwrap();
                for word in ["inf", "NaN", "null"] {
                    assert!(
                        !text
                            .split(|c: char| !c.is_alphanumeric())
                            .any(|w| w == word),
                        "{class}: {f} holds {word}"
                    );
                }
            }
            assert!(
                !f.contains(".pkgstress-partial"),
                "{class}: staging left: {f}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// An output folder that cannot be written (here a file's name) is refused
/// before any work, naming it.
#[test]
fn an_unwritable_output_folder_is_refused_first() {
    let dir = scratch("unwritable");
    std::fs::write(dir.join("in/case.toml"), case_text("pcb_acf")).unwrap();
    std::fs::write(dir.join("taken"), "a file").unwrap();
    let t = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_pkgstress"))
        .current_dir(&dir)
        .args(["run", "in/case.toml", "--out", "taken/out"])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot write to the output folder taken/out"),
        "{err}"
    );
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "refused only after {:?}",
        t.elapsed()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Ctrl-C during a recipe removes the unfinished output: nothing is left
/// in --out, no staging folder, no `.tmp` file.
#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_nothing() {
    let dir = scratch("interrupt");
    std::fs::write(dir.join("in/case.toml"), case_text("pcb_acf")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pkgstress"))
        .current_dir(&dir)
        .args(["run", "in/case.toml", "--out", "out"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    // wait until the first fields are being written, then interrupt
    let staging = dir
        .join("out")
        .join(format!(".pkgstress-partial-{}", child.id()));
    let t = Instant::now();
    while files(&staging).is_empty() && t.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().expect("waits");
    assert_eq!(status.code(), Some(130), "interrupted: {status:?}");
    let left = files(&dir.join("out"));
    assert!(left.is_empty(), "left after the interrupt: {left:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
