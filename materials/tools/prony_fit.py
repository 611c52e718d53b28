#!/usr/bin/env python3
"""Prony series for the library's adhesives and polymers, fitted to their
datasheet modulus-temperature tables.

A datasheet (DMA) table gives E(T) measured at about 1 Hz: the relaxation
modulus at t ~ 1 s, i.e. at reduced time xi = 1 s / a_T(T). With a WLF
shift about Tg, every tabulated temperature is a point of the master curve
at T_ref = Tg. This script fits the shear fractions g_i (non-negative, one
relaxation time every decade from 1e-12 s to 1e4 s) to the table's shear
modulus G(T) = E/(2(1+nu)) by non-negative least squares on
    1 - G(T_j)/G0 = sum_i g_i (1 - exp(-xi_j / tau_i)),
each row weighted by G0/G(T_j) (relative error), collocated (Schapery's
method) at xi_j = tau_j, i.e. at the temperatures T_j where 1 s is the
reduced time tau_j, the table interpolated linearly in log E. The long-term moduli are the table's last (rubbery) row; the bulk
fractions are k_i = g_i (sum k / sum g), with sum k from the rubbery bulk
modulus. Terms below 1e-4 are dropped.

Usage: python3 materials/tools/prony_fit.py   (prints the TOML terms)
Pure Python (no numpy): NNLS by cyclic coordinate descent.
"""
import math

C1, C2 = 17.44, 51.6  # WLF universal constants (Williams, Landel, Ferry 1955)
TAUS = [10.0 ** p for p in range(-12, 5)]

MATERIALS = {
    # name: (E0 MPa, nu0, Tg C, [(T C, E MPa)], nu_rubbery)
    "acf_epoxy": (2500.0, 0.35, 130.0, [(25, 2500), (110, 2000), (140, 200), (200, 100)], 0.45),
    "capillary_underfill": (8000.0, 0.33, 130.0, [(25, 8000), (115, 7000), (145, 400), (200, 200)], 0.45),
    "silver_epoxy_paste": (5000.0, 0.35, 115.0, [(25, 5000), (100, 4000), (130, 500), (250, 300)], 0.45),
    # no table in the library (constant E): typical shapes, see library.toml
    "solder_mask": (3000.0, 0.35, 115.0, [(25, 3000), (100, 2600), (130, 300), (200, 150)], 0.45),
    "colour_filter_acrylic": (3500.0, 0.35, 150.0, [(25, 3500), (135, 3000), (165, 400), (250, 300)], 0.45),
}


def rate(t, tg):
    d = t - tg
    if C2 + d <= 0:
        return 0.0
    return 10.0 ** (C1 * d / (C2 + d))


def table_e(rows, t):
    for (t0, e0), (t1, e1) in zip(rows, rows[1:]):
        if t0 <= t <= t1:
            w = (t - t0) / (t1 - t0)
            return math.exp(math.log(e0) + w * (math.log(e1) - math.log(e0)))
    return rows[-1][1] if t > rows[-1][0] else rows[0][1]


def nnls(a, b, sweeps=3000):
    """Non-negative least squares by cyclic coordinate descent (each
    coordinate minimised exactly, clipped at zero)."""
    n, m = len(a[0]), len(a)
    x = [0.0] * n
    r = [-bj for bj in b]  # residual a x - b
    norms = [sum(a[j][i] ** 2 for j in range(m)) for i in range(n)]
    for _ in range(sweeps):
        for i in range(n):
            grad = sum(a[j][i] * r[j] for j in range(m))
            new = max(0.0, x[i] - grad / norms[i])
            if new != x[i]:
                d = new - x[i]
                for j in range(m):
                    r[j] += a[j][i] * d
                x[i] = new
    return x


def fit(name, e0, nu0, tg, rows, nu_r):
    g0 = e0 / (2 * (1 + nu0))
    k0 = e0 / (3 * (1 - 2 * nu0))
    e_r = rows[-1][1]
    g_r, k_r = e_r / (2 * (1 + nu_r)), e_r / (3 * (1 - 2 * nu_r))
    a, b = [], []
    # collocation (Schapery): at the reduced times xi_j = tau_j, the
    # temperature where 1 s is xi_j (WLF inverted), the table's modulus
    for xi in TAUS:
        lg = math.log10(xi)
        t = tg + C2 * lg / (C1 - lg)
        nu = nu0 + (nu_r - nu0) * min(1.0, max(0.0, (t - rows[0][0]) / (rows[-1][0] - rows[0][0])))
        ratio = table_e(rows, t) / (2 * (1 + nu)) / g0
        w = 1.0 / ratio
        a.append([w * (1 - math.exp(-xi / tau)) for tau in TAUS])
        b.append(w * (1 - ratio))
    # the rubbery end: sum g = 1 - G_r/G0
    w = g0 / g_r
    a.append([w] * len(TAUS))
    b.append(w * (1 - g_r / g0))
    g = nnls(a, b)
    sg, sk = sum(g), 1 - k_r / k0
    print(f"# {name}: E0 {e0} MPa, nu0 {nu0}, WLF about {tg} C; sum g {sg:.4f}, sum k {sk:.4f}")
    terms = [(gi, gi * sk / sg, tau) for gi, tau in zip(g, TAUS) if gi > 1e-4]
    print("terms = [" + ", ".join(f'[{gi:.4f}, {ki:.4f}, "{tau:g} s"]' for gi, ki, tau in terms) + "]")
    # the fit's check: E at 1 s against the table
    for t, e in rows:
        xi = rate(t, tg)
        gx = g0 * (1 - sum(gi * (1 - math.exp(-xi / tau)) for gi, _, tau in terms))
        kx = k0 * (1 - sum(ki * (1 - math.exp(-xi / tau)) for _, ki, tau in terms))
        print(f"#   {t:5.0f} C: E(1 s) {9 * kx * gx / (3 * kx + gx):8.1f} MPa, table {e:8.1f}")


if __name__ == "__main__":
    for name, args in MATERIALS.items():
        fit(name, *args)
