//! Audio the tests judge: how much of a recording's energy is at a given frequency.

/// The share of the signal's energy at `hz` (Goertzel over 20 ms blocks of 8 kHz audio,
/// the median over the blocks above a noise floor): near 1 for a clean tone of `hz`.
pub fn tone_share(samples: &[i16], hz: f64) -> f64 {
    let mut shares: Vec<f64> = samples
        .chunks_exact(160)
        .filter_map(|block| {
            let energy: f64 = block.iter().map(|&x| f64::from(x).powi(2)).sum();
            if energy / 160.0 < 100.0 {
                return None;
            }
            let k = 2.0 * (2.0 * std::f64::consts::PI * hz / 8000.0).cos();
            let (mut s1, mut s2) = (0.0, 0.0);
            for &x in block {
                let s0 = f64::from(x) + k * s1 - s2;
                s2 = s1;
                s1 = s0;
            }
            let power = s1 * s1 + s2 * s2 - k * s1 * s2;
            Some((2.0 * power / 160.0 / energy).min(1.0))
        })
        .collect();
    if shares.len() < 25 {
        return 0.0;
    }
    shares.sort_by(f64::total_cmp);
    shares[shares.len() / 2]
}
