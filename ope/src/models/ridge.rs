//! Ridge regression with a free intercept, from sufficient statistics.

use crate::error::OpeError;

/// Sufficient statistics of the features of a set of rows: the count, `Σ x` and
/// the upper triangle of `Σ x xᵀ` (a `dim × dim` row-major matrix).
#[derive(Debug, Clone)]
pub(super) struct Gram {
    n: f64,
    sx: Vec<f64>,
    xx: Vec<f64>,
}

impl Gram {
    /// No rows yet.
    pub(super) fn new(dim: usize) -> Self {
        Self {
            n: 0.0,
            sx: vec![0.0; dim],
            xx: vec![0.0; dim * dim],
        }
    }

    /// Adds one row's features.
    pub(super) fn add(&mut self, x: &[f64]) {
        let d = x.len();
        self.n += 1.0;
        axpy(&mut self.sx, 1.0, x);
        for (p, &xp) in x.iter().enumerate() {
            axpy(&mut self.xx[p * d + p..(p + 1) * d], xp, &x[p..]);
        }
    }

    /// Adds another set of rows' statistics.
    pub(super) fn merge(&mut self, other: &Gram) {
        self.n += other.n;
        axpy(&mut self.sx, 1.0, &other.sx);
        axpy(&mut self.xx, 1.0, &other.xx);
    }

    /// Number of rows.
    pub(super) fn count(&self) -> f64 {
        self.n
    }
}

/// Sufficient statistics of the targets of a set of rows: `Σ y` and `Σ x y`.
#[derive(Debug, Clone)]
pub(super) struct Moments {
    sy: f64,
    sxy: Vec<f64>,
}

impl Moments {
    /// No rows yet.
    pub(super) fn new(dim: usize) -> Self {
        Self {
            sy: 0.0,
            sxy: vec![0.0; dim],
        }
    }

    /// Adds one row's features and target.
    pub(super) fn add(&mut self, x: &[f64], y: f64) {
        self.sy += y;
        axpy(&mut self.sxy, y, x);
    }

    /// Adds another set of rows' statistics.
    pub(super) fn merge(&mut self, other: &Moments) {
        self.sy += other.sy;
        axpy(&mut self.sxy, 1.0, &other.sxy);
    }

    /// `Σ y`.
    pub(super) fn sum(&self) -> f64 {
        self.sy
    }
}

/// A linear prediction `intercept + slopeᵀ x`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Linear {
    intercept: f64,
    slope: Vec<f64>,
}

impl Linear {
    /// The constant prediction `c`.
    pub(super) fn constant(c: f64, dim: usize) -> Self {
        Self {
            intercept: c,
            slope: vec![0.0; dim],
        }
    }

    /// The ridge fit of the rows summed in `gram` (at least one) and `moments`: the
    /// slopes minimise `Σ (y − b − βᵀx)² + ridge · |β|²`, the intercept free.
    pub(super) fn fit(gram: &Gram, moments: &Moments, ridge: f64) -> Result<Self, OpeError> {
        let d = gram.sx.len();
        let n = gram.n;
        let mut a = vec![0.0; d * d];
        for p in 0..d {
            for q in p..d {
                let c = gram.xx[p * d + q] - gram.sx[p] * gram.sx[q] / n;
                a[p * d + q] = c;
                a[q * d + p] = c;
            }
            a[p * d + p] += ridge;
        }
        let mut slope: Vec<f64> = (0..d)
            .map(|p| moments.sxy[p] - gram.sx[p] * moments.sy / n)
            .collect();
        if !cholesky_solve(&mut a, &mut slope) {
            return Err(OpeError::Parameter(format!(
                "a ridge system is not positive definite with 'ridge' {ridge}: raise it or \
                 rescale the features"
            )));
        }
        let intercept = (moments.sy - dot(&slope, &gram.sx)) / n;
        Ok(Self { intercept, slope })
    }

    /// The prediction at `x`.
    pub(super) fn predict(&self, x: &[f64]) -> f64 {
        self.intercept + dot(&self.slope, x)
    }
}

/// `y += a x`.
fn axpy(y: &mut [f64], a: f64, x: &[f64]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

/// `aᵀ b`, in four interleaved partial sums (which the compiler can vectorise).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    let mut acc = [0.0; 4];
    for (x, y) in ca.zip(cb) {
        for lane in 0..4 {
            acc[lane] += x[lane] * y[lane];
        }
    }
    acc.iter().sum::<f64>() + tail
}

/// Solves `A x = b` in place for a symmetric positive definite `A` (`d × d`,
/// row-major, overwritten by its Cholesky factor), `b` becoming `x`. False when `A`
/// is not numerically positive definite.
///
/// Hand-written rather than a linear-algebra dependency: the systems are small
/// (`d` features), always symmetric positive definite thanks to the ridge, and
/// solved a few hundred times per fit, far from the cost of accumulating them.
fn cholesky_solve(a: &mut [f64], b: &mut [f64]) -> bool {
    let d = b.len();
    for j in 0..d {
        let pivot = a[j * d + j] - dot(&a[j * d..j * d + j], &a[j * d..j * d + j]);
        if !(pivot > 0.0 && pivot.is_finite()) {
            return false;
        }
        let l_jj = pivot.sqrt();
        a[j * d + j] = l_jj;
        for i in j + 1..d {
            let s = a[i * d + j] - dot(&a[i * d..i * d + j], &a[j * d..j * d + j]);
            a[i * d + j] = s / l_jj;
        }
    }
    for i in 0..d {
        b[i] = (b[i] - dot(&a[i * d..i * d + i], &b[..i])) / a[i * d + i];
    }
    for i in (0..d).rev() {
        let s: f64 = (i + 1..d).map(|k| a[k * d + i] * b[k]).sum();
        b[i] = (b[i] - s) / a[i * d + i];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_a_small_system() {
        let mut a = vec![4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0];
        let x = [1.0, -2.0, 0.5];
        let mut b: Vec<f64> = (0..3).map(|i| dot(&a[i * 3..i * 3 + 3], &x)).collect();
        assert!(cholesky_solve(&mut a, &mut b));
        for (got, want) in b.iter().zip(x) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
    }

    #[test]
    fn cholesky_refuses_an_indefinite_system() {
        let mut a = vec![1.0, 2.0, 2.0, 1.0];
        assert!(!cholesky_solve(&mut a, &mut [1.0, 1.0]));
    }
}
