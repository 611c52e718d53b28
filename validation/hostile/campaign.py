#!/usr/bin/env python3
"""Hostile-input campaign: feeds the pkgstress binary mutated case files and
decks, one process at a time under a time and memory cap, and judges every
run by what a user must be able to rely on:

- no crash: the exit status is 0 (solved) or 1 (refused), never a signal or
  a panic (exit 101, "panicked" on stderr), never the time cap (a hang);
- no inf/NaN in any output of a run that succeeded (CSV, JSON and, read back
  through VTK's own reader, every array of every .vtu);
- nothing written outside --out (the run's scratch folder holds only the
  input and --out afterwards);
- nothing left after a refusal: --out holds no file when the exit status is 1;
- a refusal names the input file and its line or key.

The fixed classes (size, types, names, recipe) judge how values are
checked, so their case runs take `--elastic` (the shipped cases' plastic
recipes take minutes at the default mesh: a time cap would call them
hangs); `--as-shipped` runs them with the library's plasticity. The random
case mutations always run as shipped, through the plastic path.

Usage (from the repository root, after `cargo build --release`):

    python3 validation/hostile/campaign.py                 # every class, default counts
    python3 validation/hostile/campaign.py --per-class 40  # fewer random mutations
    python3 validation/hostile/campaign.py --only deck-numbers --keep /tmp/c

It prints a table of counts per class and writes the failures (input,
command, what went wrong) to campaign.json in --report (default
target/hostile). Random mutations are seeded (--seed), so a campaign can be
repeated exactly.
"""
import argparse
import json
import math
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CASES = ["cog_flipchip", "pcb_acf", "csp_transparent", "wlp_paste_plugs", "stress_preventing_layer"]
TINY = os.path.join(ROOT, "validation", "hostile", "tiny.inp")
BLOCK = os.path.join(ROOT, "cases", "decks", "cog_block.inp")

EXTREME_NUMBERS = ["1e200", "-1e200", "1e400", "nan", "inf", "-inf", "abc", "", "0", "-0",
                   "1e-300", "99999999999999999999", "1e308", "-1"]
EXTREME_QUANTITIES = ["1e-30 mm", "1e-10 mm", "0 mm", "-1 mm", "1e400 mm", "nan mm",
                      "inf mm", "1e30 mm", "1e300 C", "-300 C", "1e300 N", "1e300 MPa",
                      "0 s", "-1 s", "1e300 s", "1e-300 s", "abc", "", "1e300 1/s",
                      "0 kJ/mol", "1 parsec"]


# ---------------------------------------------------------------- inputs

def case_text(name):
    with open(os.path.join(ROOT, "cases", f"{name}.toml")) as f:
        return f.read()


def case_sets():
    """Overrides of the size, type, name and recipe classes: (class, case, [--set ...], quick)."""
    out = []
    for size in ["1e-30 mm", "1e-10 mm", "1e-5 mm", "1 um", "3 um", "0 mm", "-1 mm", "nan mm", "1e30 mm"]:
        out.append(("size", "cog_flipchip", [f'mesh.size="{size}"'], False))
        out.append(("size", "pcb_acf", [f'mesh.size="{size}"'], True))
    for layers in ["0", "-1", "1000000000", "100000", "1.5", '"2"']:
        out.append(("size", "pcb_acf", [f"mesh.layers={layers}"], True))
        out.append(("size", "wlp_paste_plugs", [f"mesh.across_bumps={layers}"], True))
    for grading in ["1", "0", "nan", "100", '"x"']:
        out.append(("size", "cog_flipchip", [f"mesh.grading={grading}"], True))
    types = [("mesh.symmetry", ["true", "1", '"bogus"', '""']),
             ("mesh.element", ["5", "true", '"c3d4"']),
             ("supports.type", ["5", "true", '"clamped"']),
             ("supports.face", ['"glass.side"', '"nopart.top"', "3"]),
             ("results.warpage", ['"glass.top"', "[1]", '["glass.top", "glass.top"]']),
             ("temperatures.room", ['"1e300 C"', '"-400 C"', '"25"', "25"])]
    for key, values in types:
        for v in values:
            out.append(("types", "cog_flipchip", [f"{key}={v}"], True))
    for v in ['"../escaped"', '"/tmp/pkgstress-abs"', '""', '".hidden"', '"a/b"', '"x\\u0000y"',
              '"con"', '"' + "n" * 300 + '"']:
        out.append(("names", "cog_flipchip", [f"case.name={v}"], True))
    for v in ['"../v"', '""', '"/abs"']:
        out.append(("names", "stress_preventing_layer", [f"variant.with-layer.name={v}"], True))
    recipe = [
        ("pcb_acf", "process.cure.acf.e1", ['"0 kJ/mol"', '"-1 kJ/mol"']),
        ("pcb_acf", "process.cure.acf.a1", ['"1e300 1/s"', '"0 1/s"', '"nan 1/s"']),
        ("cog_flipchip", "process.step.hold.increments", ["1000000000", "0", "100000"]),
        ("cog_flipchip", "process.step.heat.duration", ['"0 s"', '"1e300 s"', '"1e-300 s"']),
        ("cog_flipchip", "process.peak_temperature", ['"1800 C"', '"1e300 C"', '"-300 C"']),
        ("cog_flipchip", "process.head_force", ['"1e300 N"', '"-20 N"', '"0 N"']),
        ("pcb_acf", "process.step.hold.film", ['"1e300 W/(m^2 K)"']),
        ("cog_flipchip", "process.step.heat.outputs", ["1000000000"]),
    ]
    for case, key, values in recipe:
        for v in values:
            out.append(("recipe", case, [f"{key}={v}"], True))
    return out


def mutate_case(text, rng):
    """One random edit of a case file's values, keys or bytes."""
    lines = text.split("\n")
    choice = rng.random()
    value_lines = [i for i, l in enumerate(lines) if "=" in l and not l.lstrip().startswith("#")]
    if choice < 0.45 and value_lines:
        i = rng.choice(value_lines)
        l = lines[i]
        q = rng.choice(EXTREME_QUANTITIES)
        nums = list(re.finditer(r'"[^"]*"|\b\d+(\.\d+)?\b', l))
        if nums:
            m = rng.choice(nums)
            new = f'"{q}"' if m.group(0).startswith('"') else rng.choice(EXTREME_NUMBERS + ["true", "[]", "{}"])
            lines[i] = l[:m.start()] + new + l[m.end():]
    elif choice < 0.6 and value_lines:
        del lines[rng.choice(value_lines)]
    elif choice < 0.7 and value_lines:
        i = rng.choice(value_lines)
        lines.insert(i, lines[i])
    elif choice < 0.8:
        i = rng.randrange(len(lines))
        lines[i] = lines[i] + rng.choice([" = 1", "]", "[", '"', "\\", "\x00", "\xe9"])
    elif choice < 0.9:
        cut = rng.randrange(len(text))
        return text[:cut]
    else:
        i = rng.randrange(len(lines))
        lines.insert(i, rng.choice(["[[part]]", "[mesh]", "[process]", "unknown = 1",
                                    "[[process.step]]", "[[variant]]\nname = \"v\"\nset = [\"mesh.size=1e-9 mm\"]"]))
    return "\n".join(lines)


def deck_structures():
    """Targeted deck edits: (class, name, text)."""
    tiny = open(TINY).read()
    out = []
    out.append(("deck-structure", "empty", ""))
    out.append(("deck-structure", "comments-only", "** nothing\n** here\n"))
    out.append(("deck-structure", "generate-bomb", tiny.replace("*NSET, NSET=BASE\n1, 2, 3, 4", "*NSET, NSET=BASE, GENERATE\n1, 100000000")))
    out.append(("deck-structure", "generate-bomb-elset", tiny.replace("*NSET, NSET=BASE\n1, 2, 3, 4", "*ELSET, ELSET=BIG, GENERATE\n1, 2000000000, 1")))
    out.append(("deck-structure", "generate-step-0", tiny.replace("*NSET, NSET=BASE\n1, 2, 3, 4", "*NSET, NSET=BASE, GENERATE\n1, 4, 0")))
    out.append(("deck-structure", "long-line", tiny.replace("*NSET, NSET=BASE\n1, 2, 3, 4", "*NSET, NSET=BASE\n" + ", ".join(["1"] * 200000))))
    out.append(("deck-structure", "data-under-material", tiny.replace("*MATERIAL, NAME=STEEL\n", "*MATERIAL, NAME=STEEL\n1, 2, 3\n")))
    out.append(("deck-structure", "data-under-section", tiny.replace("*SOLID SECTION, ELSET=LOWER, MATERIAL=STEEL\n", "*SOLID SECTION, ELSET=LOWER, MATERIAL=STEEL\n1.0\n")))
    out.append(("deck-structure", "static-abc", tiny.replace("*STATIC\n1, 1\n*BOUNDARY", "*STATIC\nabc, 1\n*BOUNDARY")))
    out.append(("deck-structure", "static-nan", tiny.replace("*STATIC\n1, 1\n*BOUNDARY", "*STATIC\nnan, nan\n*BOUNDARY")))
    out.append(("deck-structure", "empty-elset-section", tiny.replace("*SOLID SECTION, ELSET=UPPER, MATERIAL=ALU", "*SOLID SECTION, ELSET=UPPER, MATERIAL=ALU\n*ELSET, ELSET=NOTHING\n*SOLID SECTION, ELSET=NOTHING, MATERIAL=ALU")))
    out.append(("deck-structure", "latin1-comment", None))  # bytes, written below
    out.append(("deck-structure", "step2-fails", tiny.replace("*TEMPERATURE\nNALL, 60\n*END STEP", "*TEMPERATURE\nNALL, 60\n*BOUNDARY, OP=NEW\n*END STEP")))
    out.append(("deck-structure", "no-supports", tiny.replace("*BOUNDARY\n1, 1, 3, 0\n2, 2, 3, 0\n4, 3, 3, 0\n", "")))
    out.append(("deck-structure", "temperature-1e200", tiny.replace("NALL, 20", "NALL, 1e200")))
    out.append(("deck-structure", "cload-1e200", tiny.replace("11, 3, 10", "11, 3, 1e200")))
    out.append(("deck-structure", "cload-1e300x3", tiny.replace("11, 3, 10", "11, 3, 1e300\n12, 3, 1e300\n10, 3, 1e300")))
    out.append(("deck-structure", "modulus-1e300", tiny.replace("210000, 0.3", "1e300, 0.3")))
    out.append(("deck-structure", "poisson-0.5", tiny.replace("210000, 0.3", "210000, 0.5")))
    out.append(("deck-structure", "swapped-corners", tiny.replace("1, 1, 2, 3, 4, 5, 6, 7, 8", "1, 1, 3, 2, 4, 5, 6, 7, 8")))
    out.append(("deck-structure", "degenerate", tiny.replace("1, 1, 2, 3, 4, 5, 6, 7, 8", "1, 1, 1, 1, 1, 5, 6, 7, 8")))
    out.append(("deck-structure", "huge-ids", tiny.replace("\n12, 0, 1, 2", "\n99999999999999999999, 0, 1, 2")))
    out.append(("deck-structure", "include-self", "*INCLUDE, INPUT=deck.inp\n" + tiny))
    out.append(("deck-structure", "include-missing", "*INCLUDE, INPUT=/nonexistent/x.inp\n" + tiny))
    out.append(("deck-structure", "no-end-step", tiny.rsplit("*END STEP", 1)[0]))
    out.append(("deck-structure", "negative-time", tiny.replace("*STATIC\n1, 1\n*BOUNDARY", "*STATIC\n-1, -1\n*BOUNDARY")))
    return out


def mutate_deck(text, rng):
    lines = text.split("\n")
    choice = rng.random()
    if choice < 0.5:
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(lines))
            l = lines[i]
            nums = list(re.finditer(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?", l))
            if nums and not l.startswith("*"):
                m = rng.choice(nums)
                lines[i] = l[:m.start()] + rng.choice(EXTREME_NUMBERS) + l[m.end():]
    elif choice < 0.65:
        for _ in range(rng.randint(1, 5)):
            del lines[rng.randrange(len(lines))]
    elif choice < 0.75:
        i = rng.randrange(len(lines))
        lines.insert(i, rng.choice(["*BOGUS", "*STEP", "*END STEP", "*NODE", "*ELEMENT, TYPE=C3D20", "*NSET, NSET=X, GENERATE",
                                    "1, 2, 3", "*MATERIAL", "*ELASTIC, TYPE=ORTHO", "*BOUNDARY", ",,,,", "*STATIC", "*CLOAD, OP=NEW"]))
    elif choice < 0.85:
        i = rng.randrange(len(lines))
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    else:
        cut = rng.randrange(len(text))
        return text[:cut]
    return "\n".join(lines)


# ---------------------------------------------------------------- running

def limits(mem_bytes):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))
        os.setsid()
    return apply


VTK_CHECK = r"""
import sys, math
from vtkmodules.vtkIOXML import vtkXMLUnstructuredGridReader
bad = []
for f in sys.argv[1:]:
    r = vtkXMLUnstructuredGridReader(); r.SetFileName(f); r.Update()
    g = r.GetOutput()
    arrays = [('points', g.GetPoints().GetData())] if g.GetPoints() else []
    for d in (g.GetPointData(), g.GetCellData()):
        for k in range(d.GetNumberOfArrays()):
            arrays.append((d.GetArrayName(k), d.GetArray(k)))
    for name, a in arrays:
        n = a.GetNumberOfTuples() * a.GetNumberOfComponents()
        if any(not math.isfinite(a.GetValue(i)) for i in range(n)):
            bad.append(f"{f}: {name}")
print("\n".join(bad))
"""


def nonfinite_outputs(out):
    """Files and arrays holding inf or NaN under `out`."""
    bad = []
    vtus = []
    for dirpath, _, files in os.walk(out):
        for f in files:
            p = os.path.join(dirpath, f)
            if f.endswith(".vtu"):
                vtus.append(p)
            elif f.endswith(".csv"):
                # a cell that is a non-finite number (text such as a step
                # named "nan mm" is text)
                for line in open(p, errors="replace"):
                    if any(c.strip().lower() in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity")
                           for c in line.rstrip("\n").split(",")):
                        bad.append(p)
                        break
            elif f.endswith(".json"):
                # absent values are left out, so a null (or NaN/Infinity) is an overflow
                def walk(v):
                    if v is None:
                        return True
                    if isinstance(v, float):
                        return not math.isfinite(v)
                    if isinstance(v, list):
                        return any(walk(x) for x in v)
                    if isinstance(v, dict):
                        return any(walk(x) for x in v.values())
                    return False
                try:
                    if walk(json.load(open(p))):
                        bad.append(p)
                except ValueError:
                    bad.append(p + " (not JSON)")
    if vtus:
        r = subprocess.run(["/usr/bin/python3", "-c", VTK_CHECK] + vtus[:40], capture_output=True, text=True, timeout=300)
        bad += [l for l in r.stdout.split("\n") if l.strip()]
        if r.returncode != 0:
            bad.append("VTK could not read the fields: " + r.stderr[-300:])
    return bad


def run_one(binary, item, timeout, mem, keep):
    cls, kind, name, text, args = item
    work = tempfile.mkdtemp(prefix="pkgstress-hostile-")
    try:
        inp = os.path.join(work, "in")
        os.makedirs(inp)
        src = os.path.join(inp, "deck.inp" if kind == "deck" else "case.toml")
        mode = "wb" if isinstance(text, bytes) else "w"
        with open(src, mode) as f:
            f.write(text)
        out = os.path.join(work, "out")
        if kind == "deck":
            cmd = [binary, "solve", src, "--out", out]
        else:
            cmd = [binary, "run", src, "--out", out] + args
        t0 = time.time()
        try:
            p = subprocess.run(cmd, cwd=work, capture_output=True, timeout=timeout, preexec_fn=limits(mem))
            rc, err = p.returncode, p.stderr.decode(errors="replace")
            hung = False
        except subprocess.TimeoutExpired as e:
            rc, err, hung = None, (e.stderr or b"").decode(errors="replace"), True
        seconds = time.time() - t0
        problems = []
        if hung:
            problems.append(f"hang: over {timeout} s")
        elif rc < 0:
            problems.append(f"killed by signal {-rc}")
        elif rc not in (0, 1):
            problems.append(f"exit status {rc}")
        if "panicked" in err:
            problems.append("panic: " + err[err.find("panicked"):][:200])
        extra = sorted(set(os.listdir(work)) - {"in", "out"}) + sorted(set(os.listdir(inp)) - {os.path.basename(src)})
        outside = []
        for dirpath, _, files in os.walk(os.path.dirname(work)):
            pass
        if extra:
            problems.append(f"written outside --out: {extra}")
        if rc == 0:
            problems += [f"not finite: {b}" for b in nonfinite_outputs(out)]
        if rc == 1:
            left = [os.path.relpath(os.path.join(d, f), out) for d, _, fs in os.walk(out) for f in fs] if os.path.isdir(out) else []
            if left:
                problems.append(f"left after the refusal: {left[:5]}{' ...' if len(left) > 5 else ''}")
            first = err.strip().split("\n")[-1] if err.strip() else ""
            if os.path.basename(src) not in err:
                problems.append(f"the error names no file: {first[:200]}")
        outcome = "solved" if rc == 0 else "refused" if rc == 1 else "failed"
        if keep and problems:
            dst = os.path.join(keep, f"{cls}-" + re.sub(r"[^A-Za-z0-9_.=-]+", "_", name)[:80])
            shutil.copytree(work, dst, dirs_exist_ok=True)
        return {"class": cls, "input": name, "command": " ".join(cmd[1:2] + args), "outcome": outcome,
                "seconds": round(seconds, 2), "problems": problems,
                "message": err.strip().split("\n")[-1][:300] if err.strip() else ""}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # a stray absolute write is checked by the caller


def items(per_class, seed, only, as_shipped=False):
    rng = random.Random(seed)
    out = []
    for cls, case, sets, quick in case_sets():
        args = sets_args(sets) + (["--quick"] if quick else []) + ([] if as_shipped else ["--elastic"])
        out.append((cls, "case", f"{case}:{';'.join(sets)}", case_text(case), args))
    for cls, name, text in deck_structures():
        if text is None:
            text = open(TINY, "rb").read().replace(b"** Two C3D8", b"** Two \xe9 C3D8")
        out.append((cls, "deck", name, text, []))
    for k in range(per_class):
        case = rng.choice(CASES)
        out.append(("random-case", "case", f"{case}#{k}", mutate_case(case_text(case), rng), ["--quick"]))
    tiny = open(TINY).read()
    block = open(BLOCK).read()
    for k in range(per_class):
        base = tiny if rng.random() < 0.8 else block
        out.append(("random-deck", "deck", f"{'tiny' if base is tiny else 'block'}#{k}", mutate_deck(base, rng), []))
    return [i for i in out if not only or i[0] == only]


def sets_args(sets):
    a = []
    for s in sets:
        a += ["--set", s]
    return a


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "pkgstress"))
    ap.add_argument("--per-class", type=int, default=150, help="random mutations of cases and of decks each")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per run")
    ap.add_argument("--memory", type=float, default=8.0, help="address-space cap per run, GiB")
    ap.add_argument("--only", help="one class")
    ap.add_argument("--as-shipped", action="store_true", help="fixed classes with the library's plasticity too (slow)")
    ap.add_argument("--keep", help="copy the work folder of every failing run here")
    ap.add_argument("--report", default=os.path.join(ROOT, "target", "hostile"))
    a = ap.parse_args()
    todo = items(a.per_class, a.seed, a.only, a.as_shipped)
    marker = "/tmp/pkgstress-abs"
    results = []
    t0 = time.time()
    for k, it in enumerate(todo):
        r = run_one(a.binary, it, a.timeout, int(a.memory * (1 << 30)), a.keep)
        if os.path.exists(marker) or os.path.exists(marker + ".pvd"):
            r["problems"].append("wrote an absolute path named by the input")
            for p in [marker, marker + ".pvd"]:
                shutil.rmtree(p, ignore_errors=True) if os.path.isdir(p) else (os.path.exists(p) and os.remove(p))
        results.append(r)
        status = "ok" if not r["problems"] else "PROBLEM " + "; ".join(r["problems"])[:160]
        print(f"[{k + 1}/{len(todo)}] {r['class']:<15} {r['input'][:60]:<60} {r['outcome']:<8} {r['seconds']:6.1f} s  {status}", flush=True)
    classes = sorted({r["class"] for r in results})
    print(f"\n{len(results)} runs in {time.time() - t0:.0f} s")
    print(f"{'class':<16}{'runs':>6}{'solved':>8}{'refused':>9}{'problems':>10}")
    for c in classes:
        rs = [r for r in results if r["class"] == c]
        print(f"{c:<16}{len(rs):>6}{sum(r['outcome'] == 'solved' for r in rs):>8}{sum(r['outcome'] == 'refused' for r in rs):>9}{sum(bool(r['problems']) for r in rs):>10}")
    kinds = {}
    for r in results:
        for p in r["problems"]:
            key = p.split(":")[0]
            kinds[key] = kinds.get(key, 0) + 1
    print("problems by kind:", json.dumps(kinds))
    os.makedirs(a.report, exist_ok=True)
    with open(os.path.join(a.report, "campaign.json"), "w") as f:
        json.dump(results, f, indent=1)
    print(f"wrote {os.path.join(a.report, 'campaign.json')}")
    sys.exit(1 if any(r["problems"] for r in results) else 0)


if __name__ == "__main__":
    main()
