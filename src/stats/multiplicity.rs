//! Multiplicity control over a family of tests.

use super::StatsError;

/// Holm's (1979) step-down adjusted p-values, in the order given: with the `m`
/// p-values sorted ascending, `p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1)·p₍ⱼ₎)`
/// (1-based), as R's `p.adjust(method = "holm")`. Rejecting where `p̃ < α`
/// controls the family-wise error rate at α under any dependence between the
/// tests. Ties keep their order; each p-value must lie in [0, 1].
pub fn holm(p_values: &[f64]) -> Result<Vec<f64>, StatsError> {
    if let Some(&p) = p_values.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(StatsError::OutOfRange {
            what: "p-value",
            rule: "in [0, 1]",
            value: p,
        });
    }
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p_values[i].total_cmp(&p_values[j]));
    let mut adjusted = vec![0.0; m];
    let mut running = 0.0_f64;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p_values[i]).min(1.0));
        adjusted[i] = running;
    }
    Ok(adjusted)
}
