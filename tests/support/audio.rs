//! Audio the tests send and judge: a tone as G.711 µ-law RTP (what a phone's microphone
//! would send), and how much of a recording's energy is at a given frequency.

/// The G.711 µ-law code of a 16-bit linear sample (ITU-T G.711, with the usual bias of
/// 0x84 and clipping at 32635).
pub fn ulaw(sample: i16) -> u8 {
    const BIAS: i32 = 0x84;
    const CLIP: i32 = 32635;
    let s = i32::from(sample);
    let sign = if s < 0 { 0x80 } else { 0 };
    let magnitude = s.abs().min(CLIP) + BIAS;
    // The segment: where the magnitude's highest bit is, above bit 7.
    let exponent = (31 - magnitude.leading_zeros() as i32 - 7).clamp(0, 7);
    let mantissa = (magnitude >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) | mantissa) as u8
}

/// `secs` seconds of a `hz` sine (8 kHz, 0.3 of full scale) as RTP packets of 20 ms
/// (RFC 3550 header, payload type 0 PCMU, 160 samples each, SSRC `ssrc`), in order.
pub fn tone_rtp(hz: f64, secs: u32, ssrc: u32) -> Vec<Vec<u8>> {
    (0..secs * 50)
        .map(|n| {
            let seq = n as u16;
            let mut p = vec![0x80, 0x00];
            p.extend_from_slice(&seq.to_be_bytes());
            p.extend_from_slice(&(n * 160).to_be_bytes());
            p.extend_from_slice(&ssrc.to_be_bytes());
            p.extend((0..160).map(|i| {
                let t = f64::from(n * 160 + i) / 8000.0;
                ulaw((9830.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16)
            }));
            p
        })
        .collect()
}

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
