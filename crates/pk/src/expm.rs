//! Matrix exponential and its integral for small dense matrices, plus a linear solve.
//!
//! PK.md §3.1 recommends the matrix exponential of the augmented `[[K, u], [0, 0]]` for the
//! Perez-Ruixo model. We compute the same two blocks directly: `Φ = e^{KΔ}` and
//! `Γ = ∫₀^Δ e^{Ks} ds`, so that a segment with constant input rates `r` maps the state as
//! `x ← Φ·x + Γ·r`. Method: scaling and squaring with a Taylor series. After scaling,
//! `‖KΔ/2^s‖₁ ≤ 1/2`, where 20 terms reach double precision; the squaring steps use the exact
//! identities `Φ(2h) = Φ(h)²` and `Γ(2h) = Γ(h) + Φ(h)·Γ(h)`. Unlike eigen-based formulas this
//! has no division by eigenvalue gaps, so repeated roots need no special case (PK.md §3.2).

/// Row-major `n×n` product `a·b`.
pub(crate) fn mat_mul(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n * n];
    for i in 0..n {
        for k in 0..n {
            let aik = a[i * n + k];
            if aik == 0.0 {
                continue;
            }
            for j in 0..n {
                out[i * n + j] += aik * b[k * n + j];
            }
        }
    }
    out
}

/// `y = a·x` for a row-major `n×n` matrix, accumulated into `y`.
pub(crate) fn mat_vec_add(a: &[f64], x: &[f64], y: &mut [f64], n: usize) {
    for i in 0..n {
        let row = &a[i * n..(i + 1) * n];
        y[i] += row.iter().zip(x).map(|(r, v)| r * v).sum::<f64>();
    }
}

/// `(Φ, Γ)` for the rate matrix `k` over the step `dt` (see the module docs).
pub(crate) fn expm_with_integral(k: &[f64], n: usize, dt: f64) -> (Vec<f64>, Vec<f64>) {
    let mut norm: f64 = 0.0;
    for j in 0..n {
        norm = norm.max((0..n).map(|i| k[i * n + j].abs()).sum::<f64>() * dt);
    }
    let mut h = dt;
    let mut squarings = 0_u32;
    while norm > 0.5 && squarings < 80 {
        norm /= 2.0;
        h /= 2.0;
        squarings += 1;
    }
    let x: Vec<f64> = k.iter().map(|v| v * h).collect();
    let mut phi = vec![0.0; n * n];
    let mut gamma = vec![0.0; n * n];
    let mut term = vec![0.0; n * n];
    for i in 0..n {
        term[i * n + i] = 1.0;
    }
    for order in 1..=30_u32 {
        for (p, t) in phi.iter_mut().zip(&term) {
            *p += t;
        }
        for (g, t) in gamma.iter_mut().zip(&term) {
            *g += t * h / f64::from(order);
        }
        let next = mat_mul(&term, &x, n);
        term = next.into_iter().map(|v| v / f64::from(order)).collect();
        if term.iter().all(|v| v.abs() < 1e-20) {
            break;
        }
    }
    for _ in 0..squarings {
        let pg = mat_mul(&phi, &gamma, n);
        for (g, add) in gamma.iter_mut().zip(pg) {
            *g += add;
        }
        phi = mat_mul(&phi, &phi, n);
    }
    (phi, gamma)
}

/// Solves `a·x = b` by Gaussian elimination with partial pivoting; `None` if singular.
pub(crate) fn solve(a: &[f64], b: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut m = a.to_vec();
    let mut x = b.to_vec();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| m[i * n + col].abs().total_cmp(&m[j * n + col].abs()))?;
        if m[pivot * n + col].abs() < 1e-300 {
            return None;
        }
        if pivot != col {
            for j in 0..n {
                m.swap(pivot * n + j, col * n + j);
            }
            x.swap(pivot, col);
        }
        for row in (col + 1)..n {
            let f = m[row * n + col] / m[col * n + col];
            if f == 0.0 {
                continue;
            }
            for j in col..n {
                m[row * n + j] -= f * m[col * n + j];
            }
            x[row] -= f * x[col];
        }
    }
    for col in (0..n).rev() {
        let s: f64 = ((col + 1)..n).map(|j| m[col * n + j] * x[j]).sum();
        x[col] = (x[col] - s) / m[col * n + col];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_exponential_and_integral() {
        let (phi, gamma) = expm_with_integral(&[-0.3], 1, 10.0);
        assert!((phi[0] - (-3.0_f64).exp()).abs() < 1e-15);
        assert!((gamma[0] - (1.0 - (-3.0_f64).exp()) / 0.3).abs() < 1e-14);
    }

    #[test]
    fn jordan_block_has_the_repeated_root_limit() {
        // x1' = -a x1; x2' = x1 - a x2 → Φ21 = t e^{-a t}.
        let a = 0.151_51;
        let t = 30.0;
        let (phi, _) = expm_with_integral(&[-a, 0.0, 1.0, -a], 2, t);
        let exact = t * (-a * t).exp();
        assert!(((phi[2] - exact) / exact).abs() < 1e-13);
    }

    #[test]
    fn solves_a_small_system() {
        let x = solve(&[2.0, 1.0, 1.0, 3.0], &[3.0, 5.0], 2).unwrap_or_default();
        assert!((x[0] - 0.8).abs() < 1e-15 && (x[1] - 1.4).abs() < 1e-15);
    }
}
