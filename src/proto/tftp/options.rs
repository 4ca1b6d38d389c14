//! Option negotiation for a read request (RFC 2347 options, RFC 2348 blksize, RFC 2349
//! timeout/tsize, RFC 7440 windowsize).
//!
//! Pure policy: a parsed [`Request`], the file size the caller found and the configured
//! [`Limits`] go in; the transfer parameters and the OACK to send come out. No I/O.
//!
//! The caller refuses mode `mail` (RFC 1350: "should not be implemented") before calling
//! [`negotiate`]; if it is passed anyway it is treated like netascii.
//!
//! RFC 2347 lets the server answer only options the client requested, and clients abort
//! (ERROR 8) on an OACK carrying anything else; so the OACK only ever answers requested
//! options, in the client's order, lower-cased. Options we do not accept (out of range,
//! unparsable, unknown such as tftp-hpa's `rollover` or `multicast`) are left out: RFC 2347,
//! "Options which the server does not support should be omitted from the OACK". An empty OACK
//! means "no OACK": the transfer starts with DATA 1, as in RFC 1350.

use std::time::Duration;

use super::packet::{Mode, Request};

/// RFC 1350 block size, used when blksize is not negotiated.
pub const DEFAULT_BLKSIZE: usize = 512;
/// Smallest blksize RFC 2348 allows.
pub const MIN_BLKSIZE: u16 = 8;
/// Largest blksize RFC 2348 allows (65535 less IP and UDP headers).
pub const MAX_BLKSIZE: u16 = 65464;

/// Server-side bounds on what a client may negotiate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest blksize granted (RFC 2348 lets the server answer a smaller value).
    /// Values outside 8..=65464 are clamped into that range.
    pub max_blksize: u16,
    /// Largest windowsize granted (at least 1 is always granted).
    pub max_windowsize: u16,
    /// windowsize is lowered so that `blksize * windowsize <= max_window_bytes`, bounding the
    /// bytes in flight (and buffered) per transfer.
    pub max_window_bytes: usize,
    /// Retransmission timeout when the client does not negotiate `timeout`.
    pub default_timeout: Duration,
    /// Consecutive timeouts without progress before the transfer is abandoned.
    pub max_retries: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_blksize: MAX_BLKSIZE,
            max_windowsize: 64,
            max_window_bytes: 1 << 20,
            default_timeout: Duration::from_secs(1),
            max_retries: 5,
        }
    }
}

/// The parameters of one transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// Payload bytes per DATA block.
    pub blksize: usize,
    /// Blocks sent before waiting for an ACK (1 = RFC 1350 lock-step).
    pub windowsize: usize,
    /// Base retransmission timeout.
    pub timeout: Duration,
    /// The transfer size announced in the OACK, if any.
    pub tsize: Option<u64>,
    /// The OACK to send first; empty means send DATA 1 at once.
    pub oack: Vec<(String, String)>,
    /// Consecutive timeouts without progress before giving up (from [`Limits`]).
    pub max_retries: u32,
}

/// Negotiates the options of a read request. `size` is the file's length in bytes when known.
pub fn negotiate(req: &Request, size: Option<u64>, limits: &Limits) -> Negotiated {
    // The parser already drops repeats, but `Request` is a public struct: first wins here too.
    let mut options: Vec<(&str, &str)> = Vec::new();
    for (name, value) in &req.options {
        if !options.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            options.push((name, value));
        }
    }
    let get = |want: &str| {
        options
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(want))
            .map(|&(_, v)| v)
    };

    // blksize first: windowsize depends on it, whatever order the client used.
    let max_blksize = limits.max_blksize.clamp(MIN_BLKSIZE, MAX_BLKSIZE);
    // RFC 2348: valid values are 8..=65464; the server may answer with a smaller value.
    let blksize = get("blksize")
        .and_then(decimal)
        .filter(|v| (u64::from(MIN_BLKSIZE)..=u64::from(MAX_BLKSIZE)).contains(v))
        .map(|v| v.min(u64::from(max_blksize)) as u16);
    let effective_blksize = blksize.map_or(DEFAULT_BLKSIZE, usize::from);

    let mut neg = Negotiated {
        blksize: effective_blksize,
        windowsize: 1,
        timeout: limits.default_timeout,
        tsize: None,
        oack: Vec::new(),
        max_retries: limits.max_retries,
    };
    for (name, value) in options {
        let answer = match name.to_ascii_lowercase().as_str() {
            "blksize" => blksize.map(u64::from),
            // RFC 2349 (Timeout Interval Option): 1..=255 seconds, and "the specified timeout
            // value must match the value specified by the client". Echoed as a canonical
            // decimal ("05" is answered "5", the same number).
            "timeout" => decimal(value)
                .filter(|v| (1..=255).contains(v))
                .inspect(|&v| {
                    neg.timeout = Duration::from_secs(v);
                }),
            // RFC 2349 (Transfer Size Option): "In Read Request packets, a size of "0" is
            // specified in the request and the size of the file, in octets, is returned". A
            // netascii transfer is longer than the file (LF becomes CR LF) and its length is
            // unknown without converting the whole file first, so tsize is omitted there.
            // The client's value is not checked: on a RRQ it carries no information.
            "tsize" => size.filter(|_| req.mode == Mode::Octet).inspect(|&s| {
                neg.tsize = Some(s);
            }),
            // RFC 7440 §3: 1..=65535 blocks; the server may answer a smaller value, never a
            // larger one, so it is lowered to our limits. Also allowed for
            // netascii: the sender converts a byte stream and cuts it into blocks, so windows
            // work the same in both modes.
            "windowsize" => decimal(value)
                .filter(|v| (1..=65535).contains(v))
                .map(|v| {
                    let by_bytes = (limits.max_window_bytes / effective_blksize).max(1);
                    let cap = usize::from(limits.max_windowsize).min(by_bytes).max(1);
                    (v as usize).min(cap)
                })
                .inspect(|&w| neg.windowsize = w)
                .map(|w| w as u64),
            _ => None,
        };
        if let Some(v) = answer {
            neg.oack.push((name.to_ascii_lowercase(), v.to_string()));
        }
    }
    neg
}

/// A plain unsigned decimal ("+5", " 5" and "" are refused).
fn decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(mode: Mode, pairs: &[(&str, &str)]) -> Request {
        Request {
            filename: b"f".to_vec(),
            mode,
            options: pairs
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn oack(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        req(Mode::Octet, pairs).options
    }

    fn neg(pairs: &[(&str, &str)]) -> Negotiated {
        negotiate(&req(Mode::Octet, pairs), Some(1234), &Limits::default())
    }

    #[test]
    fn no_options_no_oack() {
        let n = neg(&[]);
        assert_eq!(n.blksize, 512);
        assert_eq!(n.windowsize, 1);
        assert_eq!(n.timeout, Duration::from_secs(1));
        assert_eq!(n.tsize, None);
        assert!(n.oack.is_empty());
        assert_eq!(n.max_retries, 5);
    }

    #[test]
    fn blksize() {
        assert_eq!(
            neg(&[("blksize", "1428")]).oack,
            oack(&[("blksize", "1428")])
        );
        assert_eq!(neg(&[("blksize", "1428")]).blksize, 1428);
        assert_eq!(neg(&[("blksize", "8")]).blksize, 8);
        assert_eq!(neg(&[("blksize", "65464")]).blksize, 65464);
        for bad in [
            "7",
            "65465",
            "0",
            "abc",
            "",
            "+512",
            " 512",
            "99999999999999999999999",
        ] {
            let n = neg(&[("blksize", bad)]);
            assert_eq!((n.blksize, n.oack.len()), (512, 0), "{bad:?}");
        }
        // Lowered to the server's maximum, never raised.
        let limits = Limits {
            max_blksize: 1024,
            ..Limits::default()
        };
        let n = negotiate(&req(Mode::Octet, &[("blksize", "1468")]), None, &limits);
        assert_eq!((n.blksize, n.oack), (1024, oack(&[("blksize", "1024")])));
        let n = negotiate(&req(Mode::Octet, &[("blksize", "600")]), None, &limits);
        assert_eq!(n.blksize, 600);
    }

    #[test]
    fn timeout() {
        let n = neg(&[("timeout", "3")]);
        assert_eq!(
            (n.timeout, n.oack),
            (Duration::from_secs(3), oack(&[("timeout", "3")]))
        );
        assert_eq!(neg(&[("timeout", "255")]).timeout, Duration::from_secs(255));
        for bad in ["0", "256", "1.5", "x"] {
            let n = neg(&[("timeout", bad)]);
            assert_eq!(
                (n.timeout, n.oack.len()),
                (Duration::from_secs(1), 0),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn tsize() {
        let n = neg(&[("tsize", "0")]);
        assert_eq!((n.tsize, n.oack), (Some(1234), oack(&[("tsize", "1234")])));
        let n = negotiate(
            &req(Mode::Netascii, &[("tsize", "0")]),
            Some(1234),
            &Limits::default(),
        );
        assert_eq!((n.tsize, n.oack.len()), (None, 0));
        let n = negotiate(
            &req(Mode::Octet, &[("tsize", "0")]),
            None,
            &Limits::default(),
        );
        assert_eq!((n.tsize, n.oack.len()), (None, 0));
    }

    #[test]
    fn windowsize() {
        let n = neg(&[("windowsize", "16")]);
        assert_eq!((n.windowsize, n.oack), (16, oack(&[("windowsize", "16")])));
        assert_eq!(neg(&[("windowsize", "65535")]).windowsize, 64);
        assert_eq!(neg(&[("windowsize", "0")]).oack.len(), 0);
        assert_eq!(neg(&[("windowsize", "65536")]).oack.len(), 0);
        // Lowered so blksize * windowsize stays within 1 MiB, even when blksize comes later.
        let n = neg(&[("windowsize", "64"), ("blksize", "65464")]);
        assert_eq!((n.blksize, n.windowsize), (65464, 16));
        assert_eq!(n.oack, oack(&[("windowsize", "16"), ("blksize", "65464")]));
        let tight = Limits {
            max_window_bytes: 100,
            ..Limits::default()
        };
        let n = negotiate(&req(Mode::Netascii, &[("windowsize", "4")]), None, &tight);
        assert_eq!((n.windowsize, n.oack), (1, oack(&[("windowsize", "1")])));
    }

    #[test]
    fn order_case_unknown_and_duplicates() {
        let n = negotiate(
            &req(
                Mode::Octet,
                &[
                    ("TSize", "0"),
                    ("rollover", "0"),
                    ("multicast", ""),
                    ("BLKSIZE", "1024"),
                    ("blksize", "2048"),
                    ("windowsize", "4"),
                ],
            ),
            Some(7),
            &Limits::default(),
        );
        assert_eq!(
            n.oack,
            oack(&[("tsize", "7"), ("blksize", "1024"), ("windowsize", "4")])
        );
        assert_eq!(n.blksize, 1024);
    }

    #[test]
    fn max_retries_from_limits() {
        let limits = Limits {
            max_retries: 9,
            ..Limits::default()
        };
        assert_eq!(
            negotiate(&req(Mode::Octet, &[]), None, &limits).max_retries,
            9
        );
    }
}
