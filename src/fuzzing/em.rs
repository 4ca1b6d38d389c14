//! Extension Mobility: the EM API's XML requests, and the phone service pages (queries and
//! forms through the real routes, over an engine loaded with the sample office).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use quick_xml::Reader;
use quick_xml::events::Event;
use tower::ServiceExt as _;

use super::grammar;
use crate::config::Running;
use crate::config::load::load;
use crate::engine::Engine;
use crate::files::emapi::{self, ApiOp, ApiRequest, Found};
use crate::files::xml::Xml;

/// `s` without what [`crate::files::xml::escape_into`] drops: the characters XML 1.0
/// forbids.
fn xml_text(s: &str) -> String {
    s.chars().filter(|&c| xml_char(c)).collect()
}

/// Whether `c` is a character XML 1.0 allows in a document (§2.2 `Char`).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Checks that `doc` is one well-formed XML document (balanced and matching tags, known
/// entities only, attributes well-formed, every character allowed) and returns its text
/// content per element path (`response/failure/error`), as an XML 1.0 parser reads it (line
/// ends normalised to LF).
fn well_formed(doc: &str) -> Vec<(String, String)> {
    if let Some(c) = doc.chars().find(|&c| !xml_char(c)) {
        panic!("character U+{:04X} is not allowed in XML:\n{doc}", c as u32);
    }
    let mut r = Reader::from_str(doc);
    // The open elements, each with the index of its entry in `texts`.
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut roots = 0;
    let attributes = |e: &quick_xml::events::BytesStart<'_>| {
        for a in e.attributes() {
            let a = a.unwrap_or_else(|e| panic!("bad attribute ({e}):\n{doc}"));
            a.unescape_value()
                .unwrap_or_else(|e| panic!("bad attribute value ({e}):\n{doc}"));
        }
    };
    loop {
        match r.read_event() {
            Ok(Event::Start(e)) => {
                attributes(&e);
                roots += usize::from(open.is_empty());
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let path = match open.last() {
                    Some((_, i)) => format!("{}/{name}", texts[*i].0),
                    None => name.clone(),
                };
                open.push((name, texts.len()));
                texts.push((path, String::new()));
            }
            Ok(Event::Empty(e)) => {
                attributes(&e);
                roots += usize::from(open.is_empty());
            }
            Ok(Event::End(_)) => {
                open.pop();
            }
            Ok(Event::Text(t)) => {
                let t = t.xml10_content().expect("UTF-8 text");
                match open.last() {
                    Some((_, i)) => texts[*i].1.push_str(&t),
                    None => assert!(t.trim().is_empty(), "text outside the root:\n{doc}"),
                }
            }
            Ok(Event::GeneralRef(g)) => {
                let name: &[u8] = g.as_ref();
                let c = match name {
                    b"amp" => "&",
                    b"lt" => "<",
                    b"gt" => ">",
                    b"quot" => "\"",
                    b"apos" => "'",
                    other => panic!(
                        "undefined entity &{};:\n{doc}",
                        String::from_utf8_lossy(other)
                    ),
                };
                match open.last() {
                    Some((_, i)) => texts[*i].1.push_str(c),
                    None => panic!("a reference outside the root:\n{doc}"),
                }
            }
            Ok(Event::CData(_)) => {}
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not well-formed ({e}):\n{doc}"),
        }
    }
    assert!(open.is_empty(), "unclosed elements {open:?}:\n{doc}");
    assert_eq!(roots, 1, "one root element:\n{doc}");
    texts
}

/// The request `r` as an EM API client would write it.
fn request_xml(r: &ApiRequest) -> String {
    let root = match r.op {
        ApiOp::Login { .. } | ApiOp::Logout { .. } => "request",
        ApiOp::DeviceUser(_) | ApiOp::UserDevices(_) => "query",
    };
    let mut x = Xml::new();
    x.open(root, &[]).open("appInfo", &[]);
    x.leaf("appID", &r.app_id)
        .leaf("appCertificate", &r.app_secret)
        .close();
    match &r.op {
        ApiOp::Login { device, user } => {
            x.open("login", &[])
                .leaf("deviceName", device)
                .leaf("userID", user)
                .close();
        }
        ApiOp::Logout { device } => {
            x.open("logout", &[]).leaf("deviceName", device).close();
        }
        ApiOp::DeviceUser(devices) => {
            x.open("deviceUserQuery", &[]);
            for d in devices {
                x.leaf("deviceName", d);
            }
            x.close();
        }
        ApiOp::UserDevices(users) => {
            x.open("userDevicesQuery", &[]);
            for u in users {
                x.leaf("userID", u);
            }
            x.close();
        }
    }
    x.finish()
}

/// `r` as it reads back after [`request_xml`]: the writer drops forbidden control
/// characters, the reader trims.
fn request_on_wire(r: &ApiRequest) -> ApiRequest {
    let t = |s: &str| xml_text(s).trim().to_string();
    let all = |v: &[String]| v.iter().map(|s| t(s)).collect();
    ApiRequest {
        app_id: t(&r.app_id),
        app_secret: t(&r.app_secret),
        op: match &r.op {
            ApiOp::Login { device, user } => ApiOp::Login {
                device: t(device),
                user: t(user),
            },
            ApiOp::Logout { device } => ApiOp::Logout { device: t(device) },
            ApiOp::DeviceUser(v) => ApiOp::DeviceUser(all(v)),
            ApiOp::UserDevices(v) => ApiOp::UserDevices(all(v)),
        },
    }
}

/// The input is the `xml=` field of a `POST /emservice/EMServiceServlet` (read as UTF-8,
/// lossily, as the form decoder does).
///
/// Properties:
/// - a request that parses, written back as an EM API client writes it, parses to the same
///   request (up to the control characters XML cannot carry, and trimming);
/// - every answer cmed would give to it is one well-formed XML document that reads back with
///   the text put in: the failure with its code and message (which may quote the input), and
///   the query results naming each device or user asked about.
pub fn em_api(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match emapi::parse(&text) {
        Err((code, message)) => {
            let doc = emapi::failure(code, &message);
            let texts = well_formed(&doc);
            let error = texts
                .iter()
                .find(|(p, _)| p == "response/failure/error")
                .map(|(_, t)| t.as_str());
            let expected = xml_text(&message).replace("\r\n", "\n").replace('\r', "\n");
            assert_eq!(error, Some(expected.as_str()), "\n{doc}");
        }
        Ok(r) => {
            let again = request_xml(&r);
            let expected = request_on_wire(&r);
            match emapi::parse(&again) {
                // An app ID of characters XML cannot carry (NULs …) is blank once written.
                Err((code, _)) if expected.app_id.is_empty() => {
                    assert_eq!(code, emapi::code::BLANK, "\n{again}");
                }
                back => assert_eq!(back, Ok(expected), "\n{again}"),
            }
            well_formed(&emapi::success());
            let names = match &r.op {
                ApiOp::Login { device, .. } | ApiOp::Logout { device } => vec![device.clone()],
                ApiOp::DeviceUser(v) | ApiOp::UserDevices(v) => v.clone(),
            };
            let found: Vec<(String, Found)> = names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let f = match i % 3 {
                        0 => Found::Values(vec![n.clone(), r.app_id.clone()]),
                        1 => Found::None,
                        _ => Found::DoesNotExist,
                    };
                    (n.clone(), f)
                })
                .collect();
            for devices in [true, false] {
                let doc = emapi::results(devices, &found);
                let texts = well_formed(&doc);
                let value = if devices { "userID" } else { "deviceName" };
                let values = texts.iter().filter(|(p, _)| p.ends_with(value)).count();
                let expected: usize = found
                    .iter()
                    .map(|(_, f)| match f {
                        Found::Values(v) => v.len(),
                        _ => 0,
                    })
                    .sum();
                assert_eq!(values, expected, "\n{doc}");
            }
        }
    }
}

/// The sample office, loaded once.
fn office() -> &'static Running {
    static R: OnceLock<Running> = OnceLock::new();
    R.get_or_init(|| {
        let g = grammar();
        let loaded = load(g, include_str!("../../sample-configs/small-office.cfg"));
        assert!(loaded.diagnostics.is_empty());
        Running::new(g, loaded.tree, None)
    })
}

/// `raw` with every byte a URI query may not hold percent-encoded; `%`, `&`, `=` and `+`
/// are left alone, so the input writes its own escapes.
fn query(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    for &b in raw {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The pages, in the order of the selector digit that starts each request line.
const ROUTES: [(&Method, &str); 7] = [
    (&Method::GET, "/services"),
    (&Method::GET, "/emapp/EMAppServlet"),
    (&Method::GET, "/changecredential/ChangeCredentialServlet"),
    (&Method::GET, "/CCMCIP/authenticate.asp"),
    (&Method::POST, "/CCMCIP/authenticate.asp"),
    (&Method::POST, "/emservice/EMServiceServlet"),
    (&Method::GET, "/localdirectory"),
];

/// The input is a sequence of requests to the phone service pages, one per line: a digit
/// picks the page ([`ROUTES`]; 7 is a path of the input's own), the rest of the line is the
/// query string (GET) or the form body (POST). They go, in order, through the real routes of
/// `net::http_em` to a fresh engine with the sample office's phones, users and EM settings, so
/// that a login can be followed by the page that shows it and the logout.
///
/// Properties: every page answers 200 (an unknown path 404), `authenticate.asp` with exactly
/// `AUTHORIZED`, `UN-AUTHORIZED` or `ERROR`, every other page with one well-formed XML
/// document, whatever the query (the user ids, device names and passwords in it end up in
/// the pages' text and URLs).
pub fn em_pages(data: &[u8]) {
    let engine = Engine::new(grammar().clone(), office().clone());
    // A runtime of its own per input: dropping it drops the actor task with the engine, so
    // that every input frees what it allocated. libFuzzer looks for leaks only after an
    // input that did not, and gives up looking altogether ("libFuzzer disabled leak
    // detection after every mutation") after a thousand such inputs, which a runtime
    // shared between inputs, still holding the last input's actor, caused.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async {
        let handle = crate::actor::spawn(
            engine,
            PathBuf::from("/nonexistent/cmed-fuzz/startup-config"),
            Box::new(crate::store::MemStore::new()),
            crate::actor::Outlets::default(),
        );
        let app = crate::net::http_em::router(handle, Default::default(), Arc::default());
        for line in data.split(|&b| b == b'\n').take(16) {
            let Some((&sel, rest)) = line.split_first() else {
                continue;
            };
            let route = ROUTES.get(usize::from(sel.wrapping_sub(b'0') % 8));
            let (method, uri, body) = match route {
                Some((m, path)) if **m == Method::POST => ((*m).clone(), path.to_string(), rest),
                Some((m, path)) => ((*m).clone(), format!("{path}?{}", query(rest)), &[][..]),
                None => (Method::GET, format!("/{}", query(rest)), &[][..]),
            };
            let Ok(mut req) = Request::builder()
                .method(method)
                .uri(&uri)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body.to_vec()))
            else {
                continue;
            };
            req.extensions_mut()
                .insert(ConnectInfo(std::net::SocketAddr::from((
                    [10, 0, 0, 21],
                    50000,
                ))));
            let resp = app.clone().oneshot(req).await.expect("infallible");
            let status = resp.status();
            let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
                .await
                .expect("a page body");
            let text = String::from_utf8(bytes.to_vec()).expect("pages are UTF-8");
            match route {
                None => assert!(
                    status == StatusCode::NOT_FOUND || status == StatusCode::OK,
                    "{uri}: {status}"
                ),
                Some((_, path)) => {
                    assert_eq!(status, StatusCode::OK, "{uri}: {text}");
                    if path.ends_with("authenticate.asp") {
                        assert!(
                            ["AUTHORIZED", "UN-AUTHORIZED", "ERROR"].contains(&text.as_str()),
                            "{uri}: {text}"
                        );
                    } else {
                        well_formed(&text);
                    }
                }
            }
        }
    });
}
