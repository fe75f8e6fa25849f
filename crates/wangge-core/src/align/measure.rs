//! Partition agreement: homogeneity, completeness and V-measure (Rosenberg & Hirschberg 2007;
//! for maps, Nowosad & Stepinski 2018), over the pieces where both partitions are present.
//!
//! Our features are the classes C, theirs the clusters K, each piece weighted (households or m²):
//! - homogeneity h = 1 − H(C|K) / H(C): 1 when each of their features lies within one of ours;
//! - completeness c = 1 − H(K|C) / H(K): 1 when each of ours lies within one of theirs;
//! - V-measure = 2hc / (h + c), 1 only for identical partitions.
//!
//! An entropy of 0 (one feature on that side) makes its measure 1, as in the definition.

use std::collections::HashMap;

/// The three agreement measures, each in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Agreement {
    /// Each of theirs within one of ours.
    pub homogeneity: f64,
    /// Each of ours within one of theirs.
    pub completeness: f64,
    /// Harmonic mean of the two.
    pub v_measure: f64,
}

impl Default for Agreement {
    /// No weight at all: nothing disagrees.
    fn default() -> Self {
        Agreement { homogeneity: 1.0, completeness: 1.0, v_measure: 1.0 }
    }
}

/// Agreement of the weighted pieces `(ours, theirs, weight)`; pieces of zero weight do not count.
pub fn agreement(pieces: &[(u32, u32, f64)]) -> Agreement {
    let n: f64 = pieces.iter().map(|p| p.2.max(0.0)).sum();
    if n <= 0.0 {
        return Agreement::default();
    }
    let mut per_ours: HashMap<u32, f64> = HashMap::new();
    let mut per_theirs: HashMap<u32, f64> = HashMap::new();
    let mut joint: HashMap<(u32, u32), f64> = HashMap::new();
    for &(a, b, w) in pieces.iter().filter(|p| p.2 > 0.0) {
        *per_ours.entry(a).or_default() += w;
        *per_theirs.entry(b).or_default() += w;
        *joint.entry((a, b)).or_default() += w;
    }
    let entropy = |m: &HashMap<u32, f64>| -> f64 { m.values().map(|&w| -(w / n) * (w / n).ln()).sum() };
    let (h_c, h_k) = (entropy(&per_ours), entropy(&per_theirs));
    // H(C|K) = −Σ p(a,b) ln(p(a,b)/p(b)); H(K|C) the same with the roles swapped.
    let (mut h_c_k, mut h_k_c) = (0.0, 0.0);
    for (&(a, b), &w) in &joint {
        h_c_k -= (w / n) * (w / per_theirs[&b]).ln();
        h_k_c -= (w / n) * (w / per_ours[&a]).ln();
    }
    let measure = |cond: f64, h: f64| if h <= 1e-12 { 1.0 } else { (1.0 - cond / h).clamp(0.0, 1.0) };
    let homogeneity = measure(h_c_k, h_c);
    let completeness = measure(h_k_c, h_k);
    let v_measure = if homogeneity + completeness > 0.0 {
        2.0 * homogeneity * completeness / (homogeneity + completeness)
    } else {
        0.0
    };
    Agreement { homogeneity, completeness, v_measure }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_partitions_agree_fully() {
        let a = agreement(&[(0, 5, 1.0), (1, 6, 2.0), (2, 7, 3.0)]);
        assert_eq!(a, Agreement { homogeneity: 1.0, completeness: 1.0, v_measure: 1.0 });
    }

    #[test]
    fn merged_pairs_are_complete_not_homogeneous() {
        // Theirs 0 holds ours 0 and 1 in equal parts: H(C) = ln 4, H(C|K) = ln 2 ⇒ h = 1/2.
        let a = agreement(&[(0, 0, 1.0), (1, 0, 1.0), (2, 1, 1.0), (3, 1, 1.0)]);
        assert!((a.homogeneity - 0.5).abs() < 1e-12, "{a:?}");
        assert_eq!(a.completeness, 1.0);
        assert!((a.v_measure - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn independent_partitions_score_zero() {
        // A 2×2 cross: every one of ours meets every one of theirs equally.
        let a = agreement(&[(0, 0, 1.0), (0, 1, 1.0), (1, 0, 1.0), (1, 1, 1.0)]);
        assert!(a.v_measure.abs() < 1e-12, "{a:?}");
    }
}
