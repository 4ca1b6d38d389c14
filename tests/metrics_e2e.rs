//! `/metrics` end to end: the daemon as a child process, scraped with curl, the text read
//! by an independent Prometheus parser (`prometheus_client.parser` of Debian's
//! python3-prometheus-client, which scripts/test.sh installs), and its counters moving as
//! things happen: a SIP registration with digest (sipp), two SCCP phones and a call between
//! them (`cmed::sim`), an Extension Mobility login, a refused one and a logout, an HTTP
//! provisioning fetch. And the allow-list: `ip http metrics allow` from the startup-config,
//! rendered by `show running-config`; an address off the list gets 403.

mod support;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use cmed::sim::Phone;
use support::daemon::{Daemon, cli_text, start_office, start_with};
use support::em::{login_from_the_phone, logout_from_the_phone};
use support::wait_until;

/// What the parser read: each family's type, and each sample's value by
/// `name{label="value",…}` (labels sorted, as the parser gives them).
#[derive(Debug, Default)]
struct Scrape {
    types: BTreeMap<String, String>,
    values: BTreeMap<String, f64>,
}

impl Scrape {
    /// A sample's value; missing fails the test.
    fn get(&self, key: &str) -> f64 {
        *self
            .values
            .get(key)
            .unwrap_or_else(|| panic!("no sample {key} in {:#?}", self.values))
    }
}

/// Reads the exposition with `prometheus_client.parser`; one line per family (`T name
/// type`) and per sample (`S key value`).
const PARSER: &str = r#"
import sys
from prometheus_client.parser import text_string_to_metric_families
for f in text_string_to_metric_families(sys.stdin.read()):
    print("T", f.name, f.type)
    for s in f.samples:
        labels = ",".join('%s="%s"' % (k, v) for k, v in sorted(s.labels.items()))
        print("S", "%s{%s}" % (s.name, labels) if labels else s.name, repr(float(s.value)))
"#;

/// A Python that has the parser: the first interpreter on PATH, else Debian's own (a
/// pyenv or venv python3 on PATH does not see Debian's packages). Looked for once.
fn python() -> &'static str {
    static FOUND: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();
    FOUND.get_or_init(|| {
        ["python3", "/usr/bin/python3"]
            .into_iter()
            .find(|p| {
                Command::new(p)
                    .args(["-c", "import prometheus_client.parser"])
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            })
            .expect("python3 with prometheus_client (scripts/test.sh installs it)")
    })
}

/// `GET /metrics` with curl: status, content type and body.
fn curl(port: u16, dir: &Path) -> (u16, String, String) {
    let body = dir.join("metrics.txt");
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "10", "-o"])
        .arg(&body)
        .args(["-w", "%{http_code} %{content_type}"])
        .arg(format!("http://127.0.0.1:{port}/metrics"))
        .output()
        .expect("curl runs (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let w = String::from_utf8(out.stdout).unwrap();
    let (code, ctype) = w.split_once(' ').unwrap();
    (
        code.parse().unwrap(),
        ctype.to_string(),
        std::fs::read_to_string(body).unwrap(),
    )
}

/// Scrapes and parses; the scrape must be a 200 in the text format.
fn scrape(d: &Daemon, dir: &Path) -> Scrape {
    let (code, ctype, text) = curl(d.http, dir);
    assert_eq!(code, 200, "{text}");
    assert_eq!(ctype, "text/plain; version=0.0.4; charset=utf-8");
    let mut child = Command::new(python())
        .args(["-c", PARSER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the parser refused the exposition: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut s = Scrape::default();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        // The value is the last word; a sample's key may hold spaces (in label values).
        let (head, last) = line.rsplit_once(' ').expect("parser output");
        match head.split_once(' ') {
            Some(("T", name)) => {
                s.types.insert(name.into(), last.into());
            }
            Some(("S", key)) => {
                s.values.insert(key.into(), last.parse().unwrap());
            }
            _ => panic!("parser output {line:?}"),
        }
    }
    s
}

/// Scrapes until `cond` holds (the daemon does things in its own time), at most 10 s.
fn scrape_until(d: &Daemon, dir: &Path, what: &str, cond: impl Fn(&Scrape) -> bool) -> Scrape {
    let mut last = Scrape::default();
    let ok = wait_until(Duration::from_secs(10), || {
        last = scrape(d, dir);
        cond(&last)
    });
    assert!(ok, "{what}: {last:#?}");
    last
}

/// sipp registers pool 1 of the sample office (`mlopez`) with `password`; whether it did.
fn sipp_register(d: &Daemon, dir: &Path, password: &str) -> bool {
    support::sipp::register_pool_1(d, dir, password)
        .status
        .success()
}

async fn sccp_phone(port: u16, mac: &str, device_type: u32) -> Phone {
    let mut p = Phone::new(SocketAddr::from(([127, 0, 0, 1], port)), mac, device_type);
    p.register().await.unwrap();
    p
}

/// Each histogram's buckets are cumulative and end with `+Inf`, equal to `_count`.
fn check_histogram(s: &Scrape, name: &str) -> f64 {
    assert_eq!(s.types.get(name).map(String::as_str), Some("histogram"));
    let mut buckets: Vec<(f64, f64)> = s
        .values
        .iter()
        .filter_map(|(k, v)| {
            let le = k.strip_prefix(&format!("{name}_bucket{{le=\""))?;
            let le = le.strip_suffix("\"}")?;
            Some((le.parse::<f64>().unwrap(), *v))
        })
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(buckets.len() > 2, "{buckets:?}");
    assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "{buckets:?}");
    let (last_le, inf) = *buckets.last().unwrap();
    assert!(last_le.is_infinite());
    assert_eq!(inf, s.get(&format!("{name}_count")));
    inf
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_and_move_with_a_registration_a_call_and_a_login() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let s = scrape(&d, dir.path());
    for (family, kind) in [
        ("cmed_phones_registered", "gauge"),
        ("cmed_em_logins", "counter"),
        ("cmed_em_logouts", "counter"),
        ("cmed_em_failures", "counter"),
        ("cmed_calls_active", "gauge"),
        ("cmed_call_setups", "counter"),
        ("cmed_provision_transfers", "counter"),
        ("cmed_provision_sent_bytes", "counter"),
        ("cmed_sip_server_transactions", "counter"),
        ("cmed_sip_auth_failures", "counter"),
        ("cmed_sip_register_failures", "counter"),
        ("cmed_store_commit_duration_seconds", "histogram"),
    ] {
        // The parser names a counter's family without its `_total`.
        assert_eq!(
            s.types.get(family).map(String::as_str),
            Some(kind),
            "{family}"
        );
    }
    assert_eq!(s.get("cmed_phones_registered{protocol=\"sip\"}"), 0.0);
    assert_eq!(s.get("cmed_sip_auth_failures_total"), 0.0);

    // A SIP phone registers with digest; then one with a wrong password is refused.
    assert!(sipp_register(&d, dir.path(), "Lab2001x"));
    assert!(!sipp_register(&d, dir.path(), "wrong"));
    let s = scrape(&d, dir.path());
    assert_eq!(s.get("cmed_phones_registered{protocol=\"sip\"}"), 1.0);
    assert_eq!(s.get("cmed_sip_register_accepted_total{kind=\"new\"}"), 1.0);
    assert_eq!(
        s.get("cmed_sip_register_failures_total{reason=\"wrong_password\"}"),
        1.0
    );
    assert_eq!(s.get("cmed_sip_auth_failures_total"), 1.0);
    assert_eq!(
        s.get("cmed_sip_register_challenges_total{stale=\"false\"}"),
        2.0
    );
    assert_eq!(s.get("cmed_sip_register_requests_total"), 4.0);
    assert!(s.get("cmed_sip_server_transactions_total") >= 4.0);

    // Two SCCP phones; the lobby calls the front desk, which answers; then it hangs up.
    let mut desk = sccp_phone(d.sccp, "001E7A345A01", 436).await;
    let mut lobby = sccp_phone(d.sccp, "0022905B11C2", 435).await;
    let s = scrape(&d, dir.path());
    assert_eq!(s.get("cmed_phones_registered{protocol=\"sccp\"}"), 2.0);
    assert_eq!(s.get("cmed_call_setups_total"), 0.0);
    lobby.off_hook().await.unwrap();
    lobby.dial("1099").await.unwrap();
    desk.wait_ringing().await.unwrap();
    let s = scrape(&d, dir.path());
    assert_eq!(s.get("cmed_calls_active{state=\"alerting\"}"), 1.0);
    assert_eq!(s.get("cmed_call_setups_total"), 1.0);
    desk.off_hook().await.unwrap();
    scrape_until(&d, dir.path(), "the call is answered", |s| {
        s.get("cmed_calls_active{state=\"connected\"}") == 1.0
            && s.get("cmed_calls_active{state=\"alerting\"}") == 0.0
    });
    lobby.on_hook().await.unwrap();
    scrape_until(&d, dir.path(), "the call ends", |s| {
        s.get("cmed_calls_active{state=\"connected\"}") == 0.0
    });

    // Extension Mobility: a refused login (201), a login, a logout; each is a commit.
    let commits_before = check_histogram(&s, "cmed_store_commit_duration_seconds");
    let refused = login_from_the_phone(&d, "SEP5475D0A32204", "amartin", "wrong");
    assert!(refused.contains("(201)"), "{refused}");
    let ok = login_from_the_phone(&d, "SEP5475D0A32204", "amartin", "Am4rtin9");
    assert!(ok.contains("Login Successful"), "{ok}");
    let s = scrape(&d, dir.path());
    assert_eq!(s.get("cmed_em_logins_total"), 1.0);
    assert_eq!(s.get("cmed_em_sessions"), 1.0);
    assert_eq!(
        s.get("cmed_em_failures_total{code=\"201\",error=\"Authentication Error\"}"),
        1.0
    );
    assert_eq!(
        s.get("cmed_em_failures_total{code=\"26\",error=\"Busy Please Try Again\"}"),
        0.0
    );
    let done = logout_from_the_phone(&d, "SEP5475D0A32204");
    assert!(done.contains("Logout Successful"), "{done}");
    let s = scrape(&d, dir.path());
    assert_eq!(s.get("cmed_em_logouts_total{reason=\"user\"}"), 1.0);
    assert_eq!(s.get("cmed_em_sessions"), 0.0);
    let commits = check_histogram(&s, "cmed_store_commit_duration_seconds");
    assert!(
        commits >= commits_before + 2.0,
        "the login and the logout were committed: {commits_before} -> {commits}"
    );
    assert!(s.get("cmed_store_commit_duration_seconds_sum") > 0.0);

    // A phone fetches its file over HTTP provisioning.
    let before = s.get("cmed_provision_sent_bytes_total{server=\"http\"}");
    let (code, body) = support::daemon::http_get(d.http_prov, "/XMLDefault.cnf.xml");
    assert_eq!(code, 200);
    let s = scrape(&d, dir.path());
    assert_eq!(s.get("cmed_provision_requests_total{server=\"http\"}"), 1.0);
    assert_eq!(
        s.get("cmed_provision_transfers_total{file=\"generated\",server=\"http\"}"),
        1.0
    );
    assert_eq!(
        s.get("cmed_provision_sent_bytes_total{server=\"http\"}"),
        before + body.len() as f64
    );
}

#[test]
fn an_address_off_the_allow_list_gets_403_and_the_list_renders() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = support::SMALL_OFFICE.replacen(
        "ip http server\n",
        "ip http server\nip http metrics allow 192.0.2.0 255.255.255.0\n",
        1,
    );
    assert_ne!(
        cfg,
        support::SMALL_OFFICE,
        "the sample has `ip http server`"
    );
    let d = start_with(dir.path(), &cfg);
    let (code, _, body) = curl(d.http, dir.path());
    assert_eq!(code, 403, "loopback is not on the configured list: {body}");
    let run = cli_text(&d.data, &["show running-config | include metrics"]);
    assert!(
        run.contains("\nip http metrics allow 192.0.2.0 255.255.255.0\n"),
        "{run}"
    );
    // Allowing the scraper's address at run time lets it in at once.
    cli_text(
        &d.data,
        &[
            "configure terminal",
            "ip http metrics allow 127.0.0.1",
            "end",
        ],
    );
    let (code, _, body) = curl(d.http, dir.path());
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("\n# TYPE cmed_em_logins_total counter\n"));
    let run = cli_text(&d.data, &["show running-config | include metrics"]);
    assert!(run.contains("\nip http metrics allow 127.0.0.1\n"), "{run}");
}
