#!/usr/bin/python3
"""Opens a pkgstress .pvd and its .vtu files with VTK's own XML reader and
checks the arrays against the nodal CSV files written by the same run.

usage: vtk_check.py OUT_DIR/NAME.pvd  (the run must have used --csv)
Exits non-zero with a message on the first mismatch."""
import csv, math, os, sys
import xml.etree.ElementTree as ET
from vtkmodules.vtkIOXML import vtkXMLUnstructuredGridReader

def fail(msg):
    print("vtk_check: FAIL: " + msg)
    sys.exit(1)

pvd = sys.argv[1]
folder = os.path.dirname(pvd)
entries = ET.parse(pvd).getroot().find("Collection").findall("DataSet")
if not entries:
    fail("no DataSet in " + pvd)
for k, ds in enumerate(entries, start=1):
    path = os.path.join(folder, ds.get("file"))
    reader = vtkXMLUnstructuredGridReader()
    reader.SetFileName(path)
    reader.Update()
    grid = reader.GetOutput()
    if grid.GetNumberOfPoints() == 0 or grid.GetNumberOfCells() == 0:
        fail(path + ": VTK read no points or cells")
    pd, cd = grid.GetPointData(), grid.GetCellData()
    want_point = {"displacement": 3, "temperature": 1, "node_id": 1, "stress": 6, "von_mises": 1, "principal": 3, "part": 1}
    want_cell = {"part": 1, "material": 1, "element_id": 1, "stress": 6, "von_mises_max": 1}
    for name, comps in want_point.items():
        a = pd.GetArray(name)
        if a is None or a.GetNumberOfComponents() != comps or a.GetNumberOfTuples() != grid.GetNumberOfPoints():
            fail(f"{path}: point array {name} missing or of the wrong shape")
    for name, comps in want_cell.items():
        a = cd.GetArray(name)
        if a is None or a.GetNumberOfComponents() != comps or a.GetNumberOfTuples() != grid.GetNumberOfCells():
            fail(f"{path}: cell array {name} missing or of the wrong shape")
    def tuples(a):
        return [a.GetTuple(i) for i in range(a.GetNumberOfTuples())]
    ids = [int(v[0]) for v in tuples(pd.GetArray("node_id"))]
    u = tuples(pd.GetArray("displacement"))
    t = [v[0] for v in tuples(pd.GetArray("temperature"))]
    pts = [grid.GetPoint(i) for i in range(grid.GetNumberOfPoints())]
    rows = {}
    with open(os.path.join(folder, f"nodes_{k}.csv")) as f:
        for r in csv.DictReader(f):
            rows[int(r["node_id"])] = r
    umax = max(abs(float(r[c])) for r in rows.values() for c in ("ux", "uy", "uz"))
    for i in range(grid.GetNumberOfPoints()):
        r = rows[int(ids[i])]
        for d, c in enumerate(("ux", "uy", "uz")):
            if abs(u[i][d] - float(r[c])) > 1e-12 * umax:
                fail(f"{path}: node {ids[i]} displacement {u[i]} differs from the CSV")
        for d, c in enumerate(("x", "y", "z")):
            if abs(pts[i][d] - float(r[c])) > 1e-12 * (1 + abs(float(r[c]))):
                fail(f"{path}: node {ids[i]} coordinates differ from the CSV")
        if abs(t[i] - float(r["T"])) > 1e-12 * (1 + abs(float(r["T"]))):
            fail(f"{path}: node {ids[i]} temperature differs from the CSV")
    # von Mises recomputed here from the stress tensor (VTK order xx yy zz xy yz xz)
    s = tuples(pd.GetArray("stress"))
    vm = [v[0] for v in tuples(pd.GetArray("von_mises"))]
    for i in range(grid.GetNumberOfPoints()):
        xx, yy, zz, xy, yz, xz = s[i]
        v = math.sqrt(0.5 * ((xx - yy) ** 2 + (yy - zz) ** 2 + (zz - xx) ** 2) + 3 * (xy * xy + yz * yz + xz * xz))
        if abs(v - vm[i]) > 1e-9 * (1 + abs(v)):
            fail(f"{path}: von_mises at point {i} is not the von Mises stress of the stress array")
    types = {grid.GetCellType(c) for c in range(grid.GetNumberOfCells())}
    print(f"vtk_check: {path}: {grid.GetNumberOfPoints()} points, {grid.GetNumberOfCells()} cells, types {sorted(types)}: ok")
print("vtk_check: ok")
