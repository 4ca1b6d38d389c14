//! The closed set of token kinds a command can contain, and how a typed word fits each.
//!
//! Fitting is scored so that the matcher can prefer the most specific reading of a word the
//! way IOS does: an exact keyword beats a typed argument, which beats an abbreviated keyword,
//! which beats a free-form word.

use crate::ids::Mac;

/// What a token accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A keyword; matched case-insensitively by any prefix, printed as declared.
    Keyword(String),
    /// `<lo-hi>`: a decimal number in range.
    Range(u64, u64),
    /// `WORD`: one word.
    Word,
    /// `LINE`: the rest of the line, spaces included.
    Line,
    /// `TEXT`: one word or a `"quoted string"`; printed quoted.
    Text,
    /// `H.H.H`: a MAC address.
    Mac,
    /// `A.B.C.D`: an IPv4 address.
    Ipv4,
    /// `HH:MM`: a time of day, 00:00 to 24:00.
    Time,
    /// `hh:mm`: a time of day kept without a leading zero, as IOS prints `clock summer-time`
    /// (`2:00`).
    ClockTime,
    /// `HHH:MM`: a duration up to 168:00.
    Duration,
    /// `BUTTON`: an ephone button assignment such as `1:5`, `2s7`, `3o8,9` or `4x3`.
    Button,
    /// `TARGET`: a dial-peer session target, `ipv4:A.B.C.D[:port]`.
    Target,
    /// `SIPTARGET`: a SIP server, `ipv4:A.B.C.D[:port]` or `dns:HOST[:port]`.
    SipTarget,
    /// `PIPE`: the `|` that starts an output filter.
    Pipe,
}

/// How well a word fits a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// Does not fit; `good` characters from the start of the word were acceptable.
    No {
        /// Length of the acceptable prefix.
        good: usize,
    },
    /// Fits with this score (higher is more specific).
    Yes(u8),
}

/// Score of an exact keyword.
pub const EXACT: u8 = 4;
/// Score of a typed argument.
pub const TYPED: u8 = 3;
/// Score of an abbreviated keyword.
pub const PARTIAL: u8 = 2;
/// Score of a free-form argument.
pub const FREE: u8 = 1;

impl TokenKind {
    /// Reads the token kind written in a syntax string.
    pub fn from_decl(text: &str) -> TokenKind {
        match text {
            "WORD" => TokenKind::Word,
            "LINE" => TokenKind::Line,
            "TEXT" => TokenKind::Text,
            "H.H.H" => TokenKind::Mac,
            "A.B.C.D" => TokenKind::Ipv4,
            "HH:MM" => TokenKind::Time,
            "hh:mm" => TokenKind::ClockTime,
            "HHH:MM" => TokenKind::Duration,
            "BUTTON" => TokenKind::Button,
            "TARGET" => TokenKind::Target,
            "SIPTARGET" => TokenKind::SipTarget,
            "PIPE" => TokenKind::Pipe,
            _ => {
                if let Some((lo, hi)) = text
                    .strip_prefix('<')
                    .and_then(|t| t.strip_suffix('>'))
                    .and_then(|t| t.split_once('-'))
                    && let (Ok(lo), Ok(hi)) = (lo.parse(), hi.parse())
                {
                    return TokenKind::Range(lo, hi);
                }
                TokenKind::Keyword(text.to_string())
            }
        }
    }

    /// How the token is shown in `?` help.
    pub fn display(&self) -> String {
        match self {
            TokenKind::Keyword(k) => k.clone(),
            TokenKind::Range(lo, hi) => format!("<{lo}-{hi}>"),
            TokenKind::Word => "WORD".into(),
            TokenKind::Line => "LINE".into(),
            TokenKind::Text => "TEXT".into(),
            TokenKind::Mac => "H.H.H".into(),
            TokenKind::Ipv4 => "A.B.C.D".into(),
            TokenKind::Time => "HH:MM".into(),
            TokenKind::ClockTime => "hh:mm".into(),
            TokenKind::Duration => "HHH:MM".into(),
            TokenKind::Button => "BUTTON".into(),
            TokenKind::Target => "ipv4:A.B.C.D".into(),
            TokenKind::SipTarget => "ipv4:A.B.C.D|dns:HOST".into(),
            TokenKind::Pipe => "|".into(),
        }
    }

    /// Whether the token is a keyword.
    pub fn keyword(&self) -> Option<&str> {
        match self {
            TokenKind::Keyword(k) => Some(k),
            _ => None,
        }
    }

    /// How `word` fits this token.
    pub fn fit(&self, word: &str) -> Fit {
        match self {
            TokenKind::Keyword(k) => {
                let good = common_prefix(word, k);
                if good == word.len() {
                    Fit::Yes(if good == k.len() { EXACT } else { PARTIAL })
                } else {
                    Fit::No { good }
                }
            }
            TokenKind::Range(lo, hi) => {
                let digits = word.bytes().take_while(u8::is_ascii_digit).count();
                if digits < word.len() || word.is_empty() {
                    return Fit::No { good: digits };
                }
                match word.parse::<u64>() {
                    Ok(n) if (*lo..=*hi).contains(&n) => Fit::Yes(TYPED),
                    _ => Fit::No { good: 0 },
                }
            }
            TokenKind::Word | TokenKind::Text | TokenKind::Line => Fit::Yes(FREE),
            TokenKind::Mac => match Mac::parse_dotted(word) {
                Ok(_) => Fit::Yes(TYPED),
                Err(e) => Fit::No { good: e.at },
            },
            TokenKind::Ipv4 => fit_ipv4(word, 0),
            TokenKind::Time | TokenKind::ClockTime => fit_hours(word, 24),
            TokenKind::Duration => fit_hours(word, 168),
            TokenKind::Button => fit_button(word),
            TokenKind::SipTarget => match word.get(..4) {
                Some(p) if p.eq_ignore_ascii_case("dns:") => {
                    let host = word[4..].split(':').next().unwrap_or("");
                    let ok = !host.is_empty()
                        && host
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
                    let port_ok = word[4..]
                        .split_once(':')
                        .is_none_or(|(_, p)| p.parse::<u16>().is_ok_and(|p| p > 0));
                    if ok && port_ok {
                        Fit::Yes(TYPED)
                    } else {
                        Fit::No { good: 4 }
                    }
                }
                _ => TokenKind::Target.fit(word),
            },
            TokenKind::Target => match word.get(..5) {
                Some(p) if p.eq_ignore_ascii_case("ipv4:") => {
                    let rest = &word[5..];
                    let (ip, port) = match rest.split_once(':') {
                        Some((ip, port)) => (ip, Some(port)),
                        None => (rest, None),
                    };
                    match fit_ipv4(ip, 5) {
                        Fit::Yes(_) => match port {
                            None => Fit::Yes(TYPED),
                            Some(p) if p.parse::<u16>().is_ok_and(|p| p > 0) => Fit::Yes(TYPED),
                            Some(_) => Fit::No { good: 6 + ip.len() },
                        },
                        no => no,
                    }
                }
                _ => Fit::No {
                    good: common_prefix(word, "ipv4:"),
                },
            },
            TokenKind::Pipe => {
                if word == "|" {
                    Fit::Yes(TYPED)
                } else {
                    Fit::No { good: 0 }
                }
            }
        }
    }

    /// The canonical text stored for a word that fits, so that rendering is stable.
    pub fn canonical(&self, word: &str) -> String {
        match self {
            TokenKind::Keyword(k) => k.clone(),
            TokenKind::Text => crate::grammar::words::unquote(word).to_string(),
            TokenKind::Mac => Mac::parse_dotted(word)
                .map(|m| m.to_string())
                .unwrap_or_else(|_| word.to_string()),
            TokenKind::Time | TokenKind::ClockTime | TokenKind::Duration => {
                let (h, m) = word.split_once(':').unwrap_or((word, "0"));
                let (h, m) = (h.parse::<u32>().unwrap_or(0), m.parse::<u32>().unwrap_or(0));
                if *self == TokenKind::Time {
                    format!("{h:02}:{m:02}")
                } else {
                    format!("{h}:{m:02}")
                }
            }
            TokenKind::Range(..) => word
                .parse::<u64>()
                .map_or_else(|_| word.to_string(), |n| n.to_string()),
            TokenKind::Target => format!("ipv4:{}", &word[5..]),
            _ => word.to_string(),
        }
    }
}

/// Length of the case-insensitive common prefix of `word` and `keyword`.
pub fn common_prefix(word: &str, keyword: &str) -> usize {
    word.bytes()
        .zip(keyword.bytes())
        .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
        .count()
}

fn fit_ipv4(word: &str, offset: usize) -> Fit {
    let mut pos = 0;
    let parts: Vec<&str> = word.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        if i >= 4 {
            return Fit::No {
                good: offset + pos - 1,
            };
        }
        let digits = part.bytes().take_while(u8::is_ascii_digit).count();
        if digits < part.len() || digits == 0 || digits > 3 {
            return Fit::No {
                good: offset + pos + digits.min(3),
            };
        }
        if part.parse::<u16>().map_or(true, |n| n > 255) {
            return Fit::No { good: offset + pos };
        }
        pos += part.len() + 1;
    }
    if parts.len() == 4 {
        Fit::Yes(TYPED)
    } else {
        Fit::No {
            good: offset + word.len(),
        }
    }
}

fn fit_hours(word: &str, max_hours: u32) -> Fit {
    let Some((h, m)) = word.split_once(':') else {
        let digits = word.bytes().take_while(u8::is_ascii_digit).count();
        return Fit::No { good: digits };
    };
    let hd = h.len();
    let ok_h = !h.is_empty() && h.len() <= 3 && h.bytes().all(|b| b.is_ascii_digit());
    if !ok_h {
        return Fit::No { good: 0 };
    }
    let ok_m = !m.is_empty() && m.len() <= 2 && m.bytes().all(|b| b.is_ascii_digit());
    if !ok_m {
        return Fit::No { good: hd + 1 };
    }
    let (hv, mv): (u32, u32) = (h.parse().unwrap_or(999), m.parse().unwrap_or(99));
    if hv > max_hours || (hv == max_hours && mv > 0) {
        return Fit::No { good: 0 };
    }
    if mv > 59 {
        return Fit::No { good: hd + 1 };
    }
    Fit::Yes(TYPED)
}

fn fit_button(word: &str) -> Fit {
    let b = word.as_bytes();
    let n1 = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if n1 == 0 || n1 > 2 {
        return Fit::No { good: n1.min(2) };
    }
    let Some(&sep) = b.get(n1) else {
        return Fit::No { good: n1 };
    };
    if !b":sbfmocwx".contains(&sep.to_ascii_lowercase()) {
        return Fit::No { good: n1 };
    }
    let rest = &word[n1 + 1..];
    if rest.is_empty() {
        return Fit::No { good: n1 + 1 };
    }
    let mut pos = n1 + 1;
    for (i, part) in rest.split(',').enumerate() {
        if i > 0 && !b"oc".contains(&sep.to_ascii_lowercase()) {
            // Only overlay buttons take a list: the comma is the bad character.
            return Fit::No { good: pos - 1 };
        }
        let d = part.bytes().take_while(u8::is_ascii_digit).count();
        if d == 0 || d < part.len() {
            return Fit::No { good: pos + d };
        }
        pos += part.len() + 1;
    }
    Fit::Yes(TYPED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_fit_by_prefix_and_report_the_first_bad_character() {
        let k = TokenKind::Keyword("telephony-service".into());
        assert_eq!(k.fit("tel"), Fit::Yes(PARTIAL));
        assert_eq!(k.fit("TELEPHONY-SERVICE"), Fit::Yes(EXACT));
        assert_eq!(k.fit("telx"), Fit::No { good: 3 });
    }

    #[test]
    fn ranges_reject_out_of_range_at_the_token_start() {
        let r = TokenKind::from_decl("<1-48>");
        assert_eq!(r, TokenKind::Range(1, 48));
        assert_eq!(r.fit("48"), Fit::Yes(TYPED));
        assert_eq!(r.fit("49"), Fit::No { good: 0 });
        assert_eq!(r.fit("4x"), Fit::No { good: 1 });
    }

    #[test]
    fn typed_arguments() {
        assert_eq!(TokenKind::Ipv4.fit("10.0.0.1"), Fit::Yes(TYPED));
        assert_eq!(TokenKind::Ipv4.fit("10.0.300.1"), Fit::No { good: 5 });
        assert_eq!(TokenKind::Ipv4.fit("10.0.x.1"), Fit::No { good: 5 });
        assert_eq!(TokenKind::Time.fit("24:00"), Fit::Yes(TYPED));
        assert_eq!(TokenKind::Time.fit("24:01"), Fit::No { good: 0 });
        assert_eq!(TokenKind::Time.canonical("1:0"), "01:00");
        assert_eq!(TokenKind::Duration.fit("168:00"), Fit::Yes(TYPED));
        assert_eq!(TokenKind::Button.fit("1:5"), Fit::Yes(TYPED));
        assert_eq!(TokenKind::Button.fit("3o7,8,9"), Fit::Yes(TYPED));
        assert_eq!(TokenKind::Button.fit("3:7,8"), Fit::No { good: 3 });
        assert_eq!(TokenKind::Button.fit("1q5"), Fit::No { good: 1 });
        assert_eq!(
            TokenKind::Target.fit("ipv4:127.0.0.1:5070"),
            Fit::Yes(TYPED)
        );
        assert_eq!(TokenKind::Target.fit("ipv4:127.0.0.1"), Fit::Yes(TYPED));
        assert_eq!(TokenKind::Target.fit("ipv6:1"), Fit::No { good: 3 });
        assert_eq!(
            TokenKind::SipTarget.fit("dns:sip.example.net"),
            Fit::Yes(TYPED)
        );
        assert_eq!(
            TokenKind::SipTarget.fit("ipv4:10.0.0.1:5060"),
            Fit::Yes(TYPED)
        );
        assert_eq!(TokenKind::SipTarget.fit("dns:"), Fit::No { good: 4 });
        assert_eq!(TokenKind::Mac.canonical("000d.edab.3566"), "000D.EDAB.3566");
        assert_eq!(TokenKind::Range(1, 9).canonical("007"), "7");
    }
}
