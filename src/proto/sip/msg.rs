//! SIP messages, behind our own facade over the `ezk-sip-types` parser (the crate the SIP
//! reference chose: it passes the RFC 4475 valid set, knows the compact header names, unfolds
//! continuation lines, and splits comma-joined values).
//!
//! [`parse`] takes one datagram (RFC 3261 §18.3: the Content-Length, when present, must not
//! exceed what arrived; a shorter one truncates the body) and [`frame`] finds where one
//! message ends in a TCP stream. A [`Message`] has the start line we parse ourselves (any
//! URI scheme, any method token) and the headers, read through typed accessors: the Vias
//! (RFC 3581 `rport`), From/To with their tags, Call-ID, CSeq, Contacts (`*` included),
//! Expires, and the digest `Authorization`. [`Response`] builds an answer as §8.2.6.2
//! requires: Via, From, To (with our tag), Call-ID and CSeq copied, and the top Via given
//! `received` and `rport` (RFC 3581 §4).
//!
//! Pure: bytes in, values out. A malformed message is a [`ParseError`], never a panic.

use std::cell::OnceCell;
use std::fmt::Write as _;
use std::net::SocketAddr;

use bytes::Bytes;
use bytesstr::BytesStr;
use ezk_sip_types::Name;
use ezk_sip_types::header::DecodeValues;
use ezk_sip_types::header::typed::{CSeq, CallID, FromTo, Via as ViaHeader};
use ezk_sip_types::msg::{Line as HeaderLine, PullParser};
use ezk_sip_types::print::AppendCtx;

/// Largest message we accept (a REGISTER with every line of a 8861 is ~2 kB).
pub const MAX_MESSAGE: usize = 64 * 1024;

/// Why a message could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The head is not complete (a datagram must hold one whole message).
    #[error("incomplete message head")]
    Incomplete,
    /// The start line is neither a request line nor a status line.
    #[error("bad start line")]
    StartLine,
    /// A header line without a name and colon.
    #[error("bad header line")]
    HeaderLine,
    /// Not UTF-8 where text is required.
    #[error("message head is not UTF-8")]
    Encoding,
    /// Content-Length is not a number, or says more than arrived (RFC 3261 §18.3).
    #[error("bad or too large Content-Length")]
    ContentLength,
    /// Over [`MAX_MESSAGE`].
    #[error("message too large")]
    TooLarge,
}

pub use super::transaction::Method;

/// The first line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartLine {
    /// `METHOD URI SIP/2.0`
    Request {
        /// The method.
        method: Method,
        /// The Request-URI as written.
        uri: String,
    },
    /// `SIP/2.0 CODE REASON`
    Response {
        /// The status code.
        code: u16,
        /// The reason phrase.
        reason: String,
    },
}

/// One `Via` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Via {
    /// `UDP`, `TCP` …
    pub transport: String,
    /// `host[:port]` as written.
    pub sent_by: String,
    /// The `branch` parameter.
    pub branch: Option<String>,
    /// `rport` present (RFC 3581): `Some(None)` empty, `Some(Some(p))` with a value.
    pub rport: Option<Option<u16>>,
}

/// A `From` or `To` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    /// The URI's user part (`1001` in `<sip:1001@host>`), if any.
    pub user: Option<String>,
    /// The URI's host.
    pub host: String,
    /// The `tag` parameter.
    pub tag: Option<String>,
}

/// One `Contact` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactValue {
    /// The URI, as written between `<` and `>` (or bare).
    pub uri: String,
    /// Its user part.
    pub user: Option<String>,
    /// The `expires` parameter.
    pub expires: Option<u32>,
    /// Every parameter of the contact (not of the URI): name and value, as written. Cisco
    /// phones put `+sip.instance`, `reg-id` and `+u.sip!devicename.ccm.cisco.com` here.
    pub params: Vec<(String, Option<String>)>,
}

/// The contacts of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Contacts {
    /// No `Contact` header.
    None,
    /// `Contact: *` (RFC 3261 §10.2.2: remove every binding).
    Star,
    /// The contacts, in order.
    List(Vec<ContactValue>),
}

pub use crate::digest::Authorization as Digest;

/// A parsed message.
#[derive(Clone, Debug)]
pub struct Message {
    /// The start line.
    pub start: StartLine,
    /// The header lines in order, each value a slice of the message. Kept as a list of our
    /// own rather than the crate's `Headers`, whose `insert` printed every value again into
    /// a new string and found its entry by comparing names as strings, line after line (a
    /// tenth of a REGISTER's cost); the crate's typed decoders read the values from here.
    headers: Vec<Header>,
    /// The body (exactly Content-Length bytes when the header is present).
    pub body: Bytes,
    /// The typed headers every request's handling reads several times (the transaction
    /// match, the TU, the response), each decoded once, on first use: decoding From/To
    /// again for each reader was the largest cost of a REGISTER.
    memo: Memo,
}

/// One header line: the name (a compact form read as its full name) and the value.
#[derive(Clone, Debug)]
struct Header {
    name: Name,
    value: BytesStr,
}

#[derive(Clone, Debug, Default)]
struct Memo {
    from: OnceCell<Option<Party>>,
    to: OnceCell<Option<Party>>,
    vias: OnceCell<Vec<Via>>,
    call_id: OnceCell<Option<String>>,
    cseq: OnceCell<Option<(u32, Method)>>,
}

/// The end of the head: the index after the blank line (`CRLF CRLF`, or a bare `LF LF`),
/// if the head is complete. One pass over the line feeds: the first that ends a blank line
/// ends the head.
fn head_end(buf: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = buf[from..].iter().position(|&b| b == b'\n') {
        let i = from + at;
        match buf.get(i + 1) {
            Some(b'\n') => return Some(i + 2),
            Some(b'\r') if i > 0 && buf[i - 1] == b'\r' && buf.get(i + 2) == Some(&b'\n') => {
                return Some(i + 3);
            }
            _ => from = i + 1,
        }
    }
    None
}

/// The message with every folded header line joined: a line break followed by whitespace,
/// and that whitespace, become one space, which is what a fold means (RFC 3261 §7.3.1).
/// Done once on the head, every reader (typed or raw, ours or the crate's) sees the same
/// one-line value: a folded `From` copied as read into a response had put a line there
/// that read as a header of its own, and a folded `Call-ID` read one way typed and another
/// way raw (both found by the sip_msg fuzz target).
fn unfolded(msg: &[u8]) -> Bytes {
    let end = head_end(msg).unwrap_or(msg.len());
    let (head, body) = msg.split_at(end);
    let blank = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t'));
    // Folds are rare (no phone we know sends them): most messages are copied as they are.
    if !head.windows(2).any(|w| w[0] == b'\n' && blank(Some(&w[1]))) {
        return Bytes::copy_from_slice(msg);
    }
    let mut out = Vec::with_capacity(msg.len());
    let mut i = 0;
    while i < head.len() {
        let brk = match head[i] {
            b'\r' if head.get(i + 1) == Some(&b'\n') => 2,
            b'\n' => 1,
            _ => 0,
        };
        if brk > 0 && blank(head.get(i + brk)) {
            out.push(b' ');
            i += brk;
            while blank(head.get(i)) {
                i += 1;
            }
        } else {
            out.push(head[i]);
            i += 1;
        }
    }
    out.extend_from_slice(body);
    out.into()
}

/// Content-Length from the raw head (`Content-Length` or compact `l`), for framing.
fn content_length(head: &str) -> Result<Option<usize>, ParseError> {
    for line in head.lines().skip(1) {
        // A line that starts with whitespace continues the header before it (RFC 3261
        // §7.3.1): `  Content-Length: 87` there is part of that header's value.
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("l") {
            return value
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| ParseError::ContentLength);
        }
    }
    Ok(None)
}

/// Where the first message in a TCP stream ends: `Ok(None)` until it has arrived whole. A
/// message without Content-Length is taken as having no body (RFC 3261 §18.3 makes the
/// header mandatory over TCP; an empty body is the reading that loses nothing after it).
pub fn frame(buf: &[u8]) -> Result<Option<usize>, ParseError> {
    let Some(end) = head_end(buf) else {
        return if buf.len() > MAX_MESSAGE {
            Err(ParseError::TooLarge)
        } else {
            Ok(None)
        };
    };
    let head = std::str::from_utf8(&buf[..end]).map_err(|_| ParseError::Encoding)?;
    let body = content_length(head)?.unwrap_or(0);
    if end + body > MAX_MESSAGE {
        return Err(ParseError::TooLarge);
    }
    Ok((buf.len() >= end + body).then_some(end + body))
}

fn start_line(line: &str) -> Result<StartLine, ParseError> {
    let mut parts = line.splitn(3, ' ');
    let (a, b, c) = (parts.next(), parts.next(), parts.next());
    match (a, b, c) {
        (Some("SIP/2.0"), Some(code), reason) if code.len() == 3 => Ok(StartLine::Response {
            code: code.parse().map_err(|_| ParseError::StartLine)?,
            reason: reason.unwrap_or("").trim().to_string(),
        }),
        (Some(method), Some(uri), Some("SIP/2.0"))
            if !method.is_empty() && method.bytes().all(|c| c.is_ascii_graphic()) =>
        {
            Ok(StartLine::Request {
                method: Method::parse(method),
                uri: uri.to_string(),
            })
        }
        _ => Err(ParseError::StartLine),
    }
}

/// Parses one whole message (a datagram, or a frame cut by [`frame`]).
pub fn parse(buf: &[u8]) -> Result<Message, ParseError> {
    if buf.len() > MAX_MESSAGE {
        return Err(ParseError::TooLarge);
    }
    // RFC 3261 §7.5: CRLFs before the start line are ignored.
    let skip = buf
        .iter()
        .position(|b| *b != b'\r' && *b != b'\n')
        .unwrap_or(buf.len());
    let src = unfolded(&buf[skip..]);
    let end = head_end(&src).ok_or(ParseError::Incomplete)?;
    let head = std::str::from_utf8(&src[..end]).map_err(|_| ParseError::Encoding)?;
    let mut lines = PullParser::new(&src[..end], 0);
    let first = lines
        .next()
        .ok_or(ParseError::StartLine)?
        .map_err(|_| ParseError::Incomplete)?;
    let start = start_line(std::str::from_utf8(first).map_err(|_| ParseError::Encoding)?)?;
    let mut headers = Vec::with_capacity(16);
    for line in lines {
        let line = line.map_err(|_| ParseError::Incomplete)?;
        // The line is a slice of `src`, as the parser needs to keep references into it.
        let offset = line.as_ptr() as usize - src.as_ptr() as usize;
        let text = &head[offset..offset + line.len()];
        // Folds are joined (`unfolded`): a line break left inside a line is a stray CR or
        // LF, which would end the line where it is copied into a response.
        if text.trim_end_matches(['\r', '\n']).contains(['\r', '\n']) {
            return Err(ParseError::HeaderLine);
        }
        let (_, h) = HeaderLine::parse(&src, text).map_err(|_| ParseError::HeaderLine)?;
        if h.name.as_print_str().is_empty() {
            return Err(ParseError::HeaderLine);
        }
        headers.push(Header {
            name: h.name,
            value: h.value,
        });
    }
    let rest = src.slice(end..);
    let body = match content_length(head)? {
        Some(n) if n > rest.len() => return Err(ParseError::ContentLength),
        Some(n) => rest.slice(..n),
        None => rest,
    };
    Ok(Message {
        start,
        headers,
        body,
        memo: Memo::default(),
    })
}

/// The user part of a SIP URI (`1001` in `sip:1001@host;…`).
pub fn user_of(uri: &str) -> Option<String> {
    let rest = uri
        .strip_prefix("sips:")
        .or_else(|| uri.strip_prefix("sip:"))?;
    let (user, _) = rest.split_once('@')?;
    let user = user.split(';').next().unwrap_or(user);
    let user = user.split(':').next().unwrap_or(user);
    Some(user.to_string())
}

/// Splits a header value at the commas that separate values: not inside quotes or `<…>`.
fn split_values(s: &str) -> Vec<&str> {
    let (mut out, mut start, mut quoted, mut angle) = (Vec::new(), 0, false, false);
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                out.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(s[start..].trim());
    out.retain(|v| !v.is_empty());
    out
}

/// Splits `;a=b;c` parameters (not inside quotes).
fn split_params(s: &str) -> Vec<(String, Option<String>)> {
    let (mut out, mut start, mut quoted) = (Vec::new(), 0, false);
    let mut push = |part: &str| {
        let part = part.trim();
        if part.is_empty() {
            return;
        }
        match part.split_once('=') {
            Some((n, v)) => out.push((n.trim().to_string(), Some(v.trim().to_string()))),
            None => out.push((part.to_string(), None)),
        }
    };
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => {
                push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    push(&s[start..]);
    out
}

/// One contact value: `["Name"] <uri>;params` or `uri;params`.
fn contact_value(v: &str) -> Option<ContactValue> {
    let (uri, params) = match (v.find('<'), v.find('>')) {
        (Some(a), Some(b)) if a < b => (&v[a + 1..b], &v[b + 1..]),
        (None, None) => match v.find(';') {
            Some(i) => (&v[..i], &v[i..]),
            None => (v, ""),
        },
        _ => return None,
    };
    let uri = uri.trim();
    if !uri.contains(':') {
        return None;
    }
    let params = split_params(params);
    Some(ContactValue {
        user: user_of(uri),
        uri: uri.to_string(),
        expires: params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("expires"))
            .and_then(|(_, v)| v.as_deref()?.parse().ok()),
        params,
    })
}

impl Message {
    /// The method of a request, or for a response the CSeq method.
    pub fn method(&self) -> Option<Method> {
        match &self.start {
            StartLine::Request { method, .. } => Some(method.clone()),
            StartLine::Response { .. } => self.cseq().map(|(_, m)| m),
        }
    }

    /// Whether it is a request.
    pub fn is_request(&self) -> bool {
        matches!(self.start, StartLine::Request { .. })
    }

    /// The values of the header lines called `name` (compact forms and case do not
    /// matter: the crate compares a name with its full and compact spellings), in order.
    fn lines<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a BytesStr> + 'a {
        self.headers
            .iter()
            .filter(move |h| h.name == *name)
            .map(|h| &h.value)
    }

    /// A typed header decoded from every line of it, as the crate's `Headers::get` does;
    /// `None` when absent or malformed.
    fn decode<H: DecodeValues>(&self, name: &str) -> Option<H> {
        let mut values = self.lines(name).peekable();
        // The decoders expect at least one value.
        values.peek()?;
        H::decode(&mut values).ok().map(|(_, h)| h)
    }

    /// The raw values of a header, by name (compact forms and case do not matter).
    pub fn raw(&self, name: &str) -> Vec<String> {
        self.lines(name).map(|v| v.to_string()).collect()
    }

    /// Every value of a header, comma-joined values split (`Record-Route`, `Route`).
    pub fn values(&self, name: &str) -> Vec<String> {
        self.raw(name)
            .iter()
            .flat_map(|r| split_values(r).into_iter().map(str::to_string))
            .collect()
    }

    /// The first raw value of a header.
    pub fn first(&self, name: &str) -> Option<String> {
        self.lines(name).next().map(|v| v.to_string())
    }

    /// `Call-ID`.
    pub fn call_id(&self) -> Option<String> {
        let decode = || self.decode::<CallID>("call-id").map(|c| c.0.to_string());
        self.memo.call_id.get_or_init(decode).clone()
    }

    /// `CSeq`: number and method.
    pub fn cseq(&self) -> Option<(u32, Method)> {
        let decode = || {
            let c = self.decode::<CSeq>("cseq")?;
            Some((c.cseq, Method::parse(&c.method.to_string())))
        };
        self.memo.cseq.get_or_init(decode).clone()
    }

    /// Every Via, top first (comma-joined values split).
    pub fn vias(&self) -> Vec<Via> {
        self.memo.vias.get_or_init(|| self.decode_vias()).clone()
    }

    fn decode_vias(&self) -> Vec<Via> {
        let Some(vias) = self.decode::<Vec<ViaHeader>>("via") else {
            return Vec::new();
        };
        vias.iter()
            .map(|v| Via {
                transport: v.transport.to_string(),
                sent_by: v.sent_by.default_print_ctx().to_string(),
                branch: v.params.get_val("branch").map(|b| b.to_string()),
                rport: v
                    .params
                    .get("rport")
                    .map(|p| p.value.as_ref().and_then(|v| v.parse().ok())),
            })
            .collect()
    }

    fn party(&self, name: &str) -> Option<Party> {
        let f: FromTo = self.decode(name)?;
        let uri = f.uri.uri.default_print_ctx().to_string();
        Some(Party {
            user: user_of(&uri),
            host: f.uri.uri.host_port.host.default_print_ctx().to_string(),
            tag: f.tag.map(|t| t.to_string()),
        })
    }

    /// `From`.
    pub fn from(&self) -> Option<Party> {
        self.memo.from.get_or_init(|| self.party("from")).clone()
    }

    /// `To`.
    pub fn to(&self) -> Option<Party> {
        self.memo.to.get_or_init(|| self.party("to")).clone()
    }

    /// The contacts (`*`, none, or the list).
    pub fn contacts(&self) -> Contacts {
        let raw = self.raw("contact");
        if raw.is_empty() {
            return Contacts::None;
        }
        if raw.len() == 1 && raw[0].trim() == "*" {
            return Contacts::Star;
        }
        let values: Option<Vec<ContactValue>> = raw
            .iter()
            .flat_map(|r| split_values(r))
            .map(contact_value)
            .collect();
        Contacts::List(values.unwrap_or_default())
    }

    /// `Expires` (seconds), if present and a number.
    pub fn expires(&self) -> Option<u32> {
        self.first("expires")?.trim().parse().ok()
    }

    /// The digest `Authorization` (the first Digest one), if any; `Err` when present but
    /// malformed. Read by [`crate::digest::parse_authorization`]: the crate's nom parser of
    /// the header was a tenth of a REGISTER's cost.
    pub fn authorization(&self) -> Option<Result<Digest, ParseError>> {
        let raw = self.raw("authorization");
        if raw.is_empty() {
            return None;
        }
        for v in &raw {
            match crate::digest::parse_authorization(v) {
                Ok(Some(d)) => return Some(Ok(d)),
                Ok(None) => {}
                Err(crate::digest::Malformed) => return Some(Err(ParseError::HeaderLine)),
            }
        }
        Some(Err(ParseError::HeaderLine))
    }
}

/// A response to a request, built as RFC 3261 §8.2.6.2 says: the Vias, From, Call-ID and
/// CSeq copied, To copied with our tag added when it has none; the top Via gets `received`
/// and, when the client asked with an empty `rport`, the port it came from (RFC 3581 §4).
pub struct Response {
    text: String,
}

impl Response {
    /// Starts the response to `req` (from `source`) with `code` and `reason`; `to_tag` is
    /// added to `To` when the request's `To` has no tag.
    pub fn to(
        req: &Message,
        source: SocketAddr,
        code: u16,
        reason: &str,
        to_tag: &str,
    ) -> Response {
        let mut text = format!("SIP/2.0 {code} {reason}\r\n");
        let vias = req.raw("via");
        for (i, via) in vias.iter().flat_map(|v| split_values(v)).enumerate() {
            if i == 0 {
                let _ = write!(text, "Via: {}\r\n", with_received(via, source));
            } else {
                let _ = write!(text, "Via: {via}\r\n");
            }
        }
        for name in ["From", "Call-ID", "CSeq"] {
            if let Some(v) = req.first(name) {
                let _ = write!(text, "{name}: {v}\r\n");
            }
        }
        if let Some(to) = req.first("to") {
            let tagged = req.to().is_some_and(|t| t.tag.is_some());
            if tagged || to_tag.is_empty() {
                let _ = write!(text, "To: {to}\r\n");
            } else {
                let _ = write!(text, "To: {to};tag={to_tag}\r\n");
            }
        }
        Response { text }
    }

    /// Adds a header line.
    pub fn header(mut self, name: &str, value: &str) -> Response {
        let _ = write!(self.text, "{name}: {value}\r\n");
        self
    }

    /// Ends the head (with `Content-Length`) and appends `body`.
    pub fn body(mut self, content_type: Option<&str>, body: &[u8]) -> Vec<u8> {
        if let Some(ct) = content_type {
            let _ = write!(self.text, "Content-Type: {ct}\r\n");
        }
        let _ = write!(self.text, "Content-Length: {}\r\n\r\n", body.len());
        let mut out = self.text.into_bytes();
        out.extend_from_slice(body);
        out
    }

    /// Ends the head with no body.
    pub fn finish(self) -> Vec<u8> {
        self.body(None, &[])
    }
}

/// The top Via with `received` (always: cheap, and RFC 3581 §4 requires it when `rport` is
/// present) and the `rport` value filled in.
fn with_received(via: &str, source: SocketAddr) -> String {
    let mut out = String::with_capacity(via.len() + 32);
    for (i, part) in via.split(';').enumerate() {
        let p = part.trim();
        if p.to_ascii_lowercase().starts_with("received=") {
            continue; // ours replaces it
        }
        if i > 0 {
            out.push(';');
        }
        if p.eq_ignore_ascii_case("rport") {
            let _ = write!(out, "rport={}", source.port());
        } else {
            out.push_str(part);
        }
    }
    let _ = write!(out, ";received={}", source.ip());
    out
}

#[cfg(test)]
mod tests;
