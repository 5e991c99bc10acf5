//! Cyclic Jacobi eigen-solver for small symmetric matrices.
//!
//! PK.md §3.1 suggests "a symmetric eigen-solver" as more robust than the trigonometric cubic
//! formula. Mammillary models (and the Perez-Ruixo esketamine block with its hepato-portal
//! compartment) satisfy detailed balance: the rate matrix is `D^{-1/2}·B·D^{1/2}` with `B`
//! symmetric and `D` the diagonal of volumes. Jacobi on `B` gives real eigenvalues and an
//! orthonormal basis to full precision, and the impulse-response coefficients then follow without
//! dividing by eigenvalue gaps.

/// Eigen-decomposition `B = U·diag(values)·Uᵀ`, sorted by decreasing eigenvalue.
#[derive(Debug, Clone)]
pub(crate) struct SymEigen {
    /// Eigenvalues, largest first.
    pub values: Vec<f64>,
    /// Row-major `n×n`; column `j` is the unit eigenvector of `values[j]`.
    pub vectors: Vec<f64>,
}

/// Decomposes the symmetric row-major `n×n` matrix `b`.
pub(crate) fn symmetric_eigen(b: &[f64], n: usize) -> SymEigen {
    let mut a = b.to_vec();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let scale: f64 = a.iter().map(|x| x * x).sum::<f64>().max(f64::MIN_POSITIVE);
    for _sweep in 0..64 {
        let mut off = 0.0;
        for p in 0..n {
            for q in (p + 1)..n {
                off += a[p * n + q] * a[p * n + q];
            }
        }
        if off <= scale * 1e-34 {
            break;
        }
        for p in 0..n {
            for q in (p + 1)..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + theta.mul_add(theta, 1.0).sqrt());
                let c = 1.0 / t.mul_add(t, 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                a[p * n + q] = 0.0;
                a[q * n + p] = 0.0;
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| a[j * n + j].total_cmp(&a[i * n + i]));
    let values = order.iter().map(|&i| a[i * n + i]).collect();
    let mut vectors = vec![0.0; n * n];
    for (new_col, &old_col) in order.iter().enumerate() {
        for r in 0..n {
            vectors[r * n + new_col] = v[r * n + old_col];
        }
    }
    SymEigen { values, vectors }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconstructs_a_symmetric_matrix() {
        let b = [4.0, -1.0, 0.5, -1.0, 3.0, -0.2, 0.5, -0.2, 1.0];
        let e = symmetric_eigen(&b, 3);
        for r in 0..3 {
            for c in 0..3 {
                let x: f64 = (0..3).map(|j| e.vectors[r * 3 + j] * e.values[j] * e.vectors[c * 3 + j]).sum();
                assert!((x - b[r * 3 + c]).abs() < 1e-13);
            }
        }
        assert!(e.values[0] >= e.values[1] && e.values[1] >= e.values[2]);
    }
}
