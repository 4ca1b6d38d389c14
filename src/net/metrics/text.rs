//! The Prometheus text exposition format, version 0.0.4 (what `text/plain; version=0.0.4`
//! means to a scraper): `# HELP` and `# TYPE` lines, then the family's samples; label values
//! escaped (`\\`, `\"`, `\n`), help text escaped (`\\`, `\n`); a histogram as cumulative
//! `_bucket{le="…"}` samples ending with `le="+Inf"`, then `_sum` and `_count`.
//!
//! Written by hand, not with a crate: every value cmed exposes already lives in a counter or
//! a snapshot and is read at scrape time, so a metrics registry would only be copied into;
//! `prometheus-client` writes only OpenMetrics (counters renamed with `_total`, `# EOF`),
//! which the classic text parsers read differently. Pure: strings in, a string out.

use std::fmt::{Display, Write as _};

/// A metric family's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up (its name ends in `_total`).
    Counter,
    /// Goes up and down.
    Gauge,
    /// Observations in buckets.
    Histogram,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// The exposition being written.
#[derive(Debug, Default)]
pub struct Exposition {
    out: String,
}

/// One label: name and value.
pub type Label<'a> = (&'a str, &'a str);

impl Exposition {
    /// Starts a family: its `# HELP` and `# TYPE` lines.
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        debug_assert!(valid_name(name), "metric name {name}");
        debug_assert!(kind != Kind::Counter || name.ends_with("_total"), "{name}");
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.out, "# HELP {name} {help}");
        let _ = writeln!(self.out, "# TYPE {name} {}", kind.word());
    }

    /// One sample of the current family.
    pub fn sample(&mut self, name: &str, labels: &[Label<'_>], value: impl Display) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                debug_assert!(valid_name(k), "label name {k}");
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape_label(v));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {value}");
    }

    /// A family with a single unlabelled sample.
    pub fn single(&mut self, name: &str, kind: Kind, help: &str, value: impl Display) {
        self.family(name, kind, help);
        self.sample(name, &[], value);
    }

    /// A histogram family: `bounds` are the buckets' upper bounds, `cumulative` the count
    /// at or below each, then the total (so one longer than `bounds`), `sum` the sum of
    /// the observations.
    pub fn histogram(
        &mut self,
        name: &str,
        help: &str,
        bounds: &[f64],
        cumulative: &[u64],
        sum: f64,
    ) {
        debug_assert_eq!(cumulative.len(), bounds.len() + 1);
        self.family(name, Kind::Histogram, help);
        let bucket = format!("{name}_bucket");
        for (b, n) in bounds.iter().zip(cumulative) {
            self.sample(&bucket, &[("le", &b.to_string())], n);
        }
        let total = cumulative.last().copied().unwrap_or(0);
        self.sample(&bucket, &[("le", "+Inf")], total);
        self.sample(&format!("{name}_sum"), &[], sum);
        self.sample(&format!("{name}_count"), &[], total);
    }

    /// The text.
    pub fn finish(self) -> String {
        self.out
    }
}

/// A label value as the format writes it between quotes.
fn escape_label(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`, the format's metric and label names.
fn valid_name(n: &str) -> bool {
    let mut chars = n.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_samples_and_escaping() {
        let mut e = Exposition::default();
        e.family(
            "cmed_things_total",
            Kind::Counter,
            "Things, with a \\ and a\nnewline",
        );
        e.sample("cmed_things_total", &[("why", "say \"hi\"\\\n")], 3);
        e.single("cmed_now", Kind::Gauge, "Now", 2);
        assert_eq!(
            e.finish(),
            "# HELP cmed_things_total Things, with a \\\\ and a\\nnewline\n\
             # TYPE cmed_things_total counter\n\
             cmed_things_total{why=\"say \\\"hi\\\"\\\\\\n\"} 3\n\
             # HELP cmed_now Now\n\
             # TYPE cmed_now gauge\n\
             cmed_now 2\n"
        );
    }

    #[test]
    fn a_histogram_has_cumulative_buckets_inf_sum_and_count() {
        let mut e = Exposition::default();
        e.histogram("cmed_x_seconds", "X", &[0.001, 0.5], &[1, 3, 4], 2.25);
        assert_eq!(
            e.finish(),
            "# HELP cmed_x_seconds X\n\
             # TYPE cmed_x_seconds histogram\n\
             cmed_x_seconds_bucket{le=\"0.001\"} 1\n\
             cmed_x_seconds_bucket{le=\"0.5\"} 3\n\
             cmed_x_seconds_bucket{le=\"+Inf\"} 4\n\
             cmed_x_seconds_sum 2.25\n\
             cmed_x_seconds_count 4\n"
        );
    }

    #[test]
    fn names_follow_the_format() {
        assert!(valid_name("cmed_a:b_1"));
        assert!(!valid_name("1cmed"));
        assert!(!valid_name("cmed-x"));
        assert!(!valid_name(""));
    }
}
