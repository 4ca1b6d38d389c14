//! Dial patterns: a dial-peer's `destination-pattern` and `incoming called-number`, and the
//! number of a directory number, parsed once and matched against dialed digits.
//!
//! This is the matching half of the dial plan; `engine::routing` re-exports it and does the
//! selection. It lives in `config` because the model builder parses a pattern when the line
//! is applied, refuses a bad one with an IOS-style message and stores the parsed form (the
//! engine sits above `config` and may not be imported by it). Pure: no I/O.
//!
//! The syntax, calls reference §2.2:
//! - digits, `*` and `#` match themselves; `.` matches one key 0-9 or `*` (the `*` from the
//!   CCNA Voice cert guide's wildcard table; §2.2 says only "one digit"). `#` is never matched
//!   by a wildcard: it is the key that ends dialing (§1.3).
//! - `[…]` one key of a set: digits, ranges (`2-9`), `*`, `#`, commas between items; a
//!   leading `^` negates it (the keys of `.` minus the listed ones).
//! - `(…)` a group, for the repeat operators; `%` zero or more, `?` zero or one, `+` one or
//!   more of the key, set or group before it.
//! - [U] `+` with nothing before it (the first character, or right after a leading `^`) is
//!   the E.164 plus, a literal key; anywhere else it repeats. §2.2 gives both meanings; the
//!   position tells them apart, as a `+` with nothing to repeat could mean nothing else.
//! - `^` first: the start of the number. Every pattern is anchored at the start anyway.
//! - `$` last: no digit may follow. Without it a pattern also matches a longer number that
//!   starts with a match (the rest is carried along): that is why CME's automatic peers of
//!   directory numbers end in `$` (§1.2).
//! - `T` last: a variable-length tail; the match waits for the interdigit timeout or `#`
//!   (§1.3). `\` before a key: that key. `,` is a pause in what a POTS port dials: it matches
//!   nothing and is skipped.
//!
//! No pattern waits for more than [`MAX_DIGITS`] keys (IOS dial strings are 32 digits long).
//! Explicit digits, for the longest-match rule (§1.3, §2.4: "the most numbers in a sequence
//! that exactly match"), are the literal keys a match went through. [U] `.`, sets and the
//! `T` tail are not explicit: the reference names only the literal digits.

use std::fmt;

/// The longest dial string a pattern waits for, in keys.
pub const MAX_DIGITS: usize = 32;

/// Keys as bits: 0-9, `*` (10), `#` (11), `+` (12), letters A-Z (13-38).
type Keys = u64;
const DIGITS: Keys = 0x3FF;
const STAR: Keys = 1 << 10;
const HASH: Keys = 1 << 11;
const PLUS: Keys = 1 << 12;
/// What `.` and a negated set range over.
const WILD: Keys = DIGITS | STAR;

/// The bit of a dialed key, if it is one.
fn key(c: u8) -> Option<Keys> {
    match c {
        b'0'..=b'9' => Some(1 << (c - b'0')),
        b'*' => Some(STAR),
        b'#' => Some(HASH),
        b'+' => Some(PLUS),
        b'A'..=b'Z' => Some(1 << (13 + c - b'A')),
        b'a'..=b'z' => Some(1 << (13 + c - b'a')),
        _ => None,
    }
}

/// How dialed digits stand against one pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    /// No number the pattern matches starts with these digits.
    None,
    /// The digits are the start of a match: it needs more of them.
    Partial,
    /// The digits match. `explicit` is how many literal keys the match went through (for the
    /// longest match); `more` says that a longer number would match too (a `T` tail, `%`, an
    /// optional group), so digit collection waits for the interdigit timeout or `#`.
    Complete {
        /// Literal keys matched.
        explicit: usize,
        /// The pattern could take more digits.
        more: bool,
    },
}

/// Why a pattern was refused; the text is the end of the IOS-style message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// Empty or longer than 32 characters.
    #[error("use 1 to 32 characters")]
    Length,
    /// A character that is not part of the syntax, at a byte offset.
    #[error("unexpected character {found:?} at position {}", at + 1)]
    Unexpected {
        /// Byte offset.
        at: usize,
        /// The character.
        found: char,
    },
    /// `[` without `]`, or a set holding something other than digits, ranges, `*`, `#`.
    #[error("a [ ] set takes digits, ranges, * and # and ends with ]")]
    BadSet,
    /// A set that matches no key (`[]`, `[^0-9*]`).
    #[error("empty [ ] set")]
    EmptySet,
    /// A range that runs backwards (`[9-2]`).
    #[error("range {0}-{1} runs backwards")]
    BadRange(char, char),
    /// `(` without `)`, `)` without `(`, or `()`.
    #[error("unbalanced or empty ( ) group")]
    BadGroup,
    /// `%`, `?` or `+` with nothing before it to repeat.
    #[error("{0} follows nothing it could repeat")]
    NothingToRepeat(char),
    /// `\` not followed by a key.
    #[error("\\ must be followed by a digit, *, # or +")]
    BadEscape,
    /// Nothing to match: no key and no `T`.
    #[error("no digits")]
    NoDigits,
}

/// How a pattern ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// Nothing: a longer number that starts with a match matches.
    Prefix,
    /// `$`, or a `T` tail (compiled into the program): the whole number must match.
    Whole,
}

/// One step of the compiled pattern (a Thompson NFA run as a Pike VM).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Inst {
    /// Take one key of the set; `explicit` for a literal.
    Key { keys: Keys, explicit: bool },
    /// Go on at both.
    Split(usize, usize),
    /// Go on at.
    Jmp(usize),
    /// Matched.
    Done,
}

/// A parsed dial pattern, with the text it was written as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    prog: Vec<Inst>,
    end: End,
}

/// What the parser builds before compiling.
enum Node {
    /// One key of the set; `true` for a literal.
    Key(Keys, bool),
    /// `( … )`.
    Group(Vec<Node>),
    /// A node and its repeat operator.
    Repeat(Box<Node>, Repeat),
}

/// The repeat operators.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Repeat {
    /// `%`.
    ZeroOrMore,
    /// `+` after something.
    OneOrMore,
    /// `?`.
    ZeroOrOne,
}

impl Pattern {
    /// Parses a `destination-pattern` or `incoming called-number`.
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        if text.is_empty() || text.len() > 32 {
            return Err(PatternError::Length);
        }
        let b = text.as_bytes();
        let mut p = Parser {
            b,
            i: 0,
            end: b.len(),
        };
        if b[0] == b'^' {
            p.i = 1;
        }
        let mut nodes = Vec::new();
        if b.get(p.i) == Some(&b'+') {
            nodes.push(Node::Key(PLUS, true));
            p.i += 1;
        }
        let tail = matches!(b.last(), Some(b'T' | b't'));
        if tail || b.last() == Some(&b'$') {
            p.end -= 1;
        }
        let body = p.seq(false)?;
        if body.is_empty() && !tail {
            return Err(PatternError::NoDigits);
        }
        nodes.extend(body);
        if tail {
            nodes.push(Node::Repeat(
                Box::new(Node::Key(WILD, false)),
                Repeat::ZeroOrMore,
            ));
        }
        let end = if tail || b.last() == Some(&b'$') {
            End::Whole
        } else {
            End::Prefix
        };
        Ok(Pattern::compiled(text, &nodes, end))
    }

    /// The pattern of a directory number (`number 1001`, `number 500.`): its keys, `.` for
    /// any key, and nothing after them — CME's automatic peers are `NUMBER$` (§1.2), and the
    /// text is written so. Letters (intercom numbers such as `A5511`, §1.5) match themselves
    /// in either case; a SIP request can carry them, a keypad cannot. Any other character
    /// matches nothing (the model only holds numbers `config::build` checked).
    pub fn number(number: &str) -> Pattern {
        let nodes: Vec<Node> = number
            .bytes()
            .map(|c| match c {
                b'.' => Node::Key(WILD, false),
                c => Node::Key(key(c).unwrap_or(0), true),
            })
            .collect();
        Pattern::compiled(&format!("{number}$"), &nodes, End::Whole)
    }

    fn compiled(text: &str, nodes: &[Node], end: End) -> Pattern {
        let mut prog = Vec::new();
        for n in nodes {
            emit(n, &mut prog);
        }
        prog.push(Inst::Done);
        Pattern {
            text: text.to_string(),
            prog,
            end,
        }
    }

    /// The pattern as written (for a directory number, `NUMBER$`).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// How `dialed` stands against this pattern.
    pub fn matches(&self, dialed: &str) -> Match {
        let mut cur = vec![None; self.prog.len()];
        self.add(&mut cur, 0, 0);
        let mut best = self.done(&cur);
        let mut whole = true;
        let mut count = 0;
        for c in dialed.bytes() {
            let next = match key(c) {
                Some(k) => self.step(&cur, k),
                None => Vec::new(),
            };
            if next.iter().all(Option::is_none) {
                whole = false;
                break;
            }
            cur = next;
            count += 1;
            if let Some(e) = self.done(&cur) {
                best = Some(best.map_or(e, |b: usize| b.max(e)));
            }
        }
        let alive = whole
            && cur
                .iter()
                .zip(&self.prog)
                .any(|(s, i)| s.is_some() && matches!(i, Inst::Key { .. }));
        let more = alive && count < MAX_DIGITS;
        let complete = match self.end {
            End::Prefix => best,
            End::Whole if whole => self.done(&cur),
            End::Whole => None,
        };
        match complete {
            Some(explicit) => Match::Complete { explicit, more },
            None if alive => Match::Partial,
            None => Match::None,
        }
    }

    /// Adds state `pc` reached with `explicit` literal keys, and what it leads to without a
    /// key; a state already reached with as many is not walked again (this also ends the
    /// walk round a loop of a repeated group that can match nothing).
    fn add(&self, set: &mut [Option<usize>], pc: usize, explicit: usize) {
        if set[pc].is_some_and(|e| e >= explicit) {
            return;
        }
        set[pc] = Some(explicit);
        match self.prog[pc] {
            Inst::Split(a, b) => {
                self.add(set, a, explicit);
                self.add(set, b, explicit);
            }
            Inst::Jmp(a) => self.add(set, a, explicit),
            Inst::Key { .. } | Inst::Done => {}
        }
    }

    fn step(&self, cur: &[Option<usize>], k: Keys) -> Vec<Option<usize>> {
        let mut next = vec![None; self.prog.len()];
        for (pc, e) in cur.iter().enumerate() {
            if let (Some(e), Inst::Key { keys, explicit }) = (e, self.prog[pc])
                && keys & k != 0
            {
                self.add(&mut next, pc + 1, e + usize::from(explicit));
            }
        }
        next
    }

    /// The explicit keys of the match if the states include the end of the pattern.
    fn done(&self, set: &[Option<usize>]) -> Option<usize> {
        set[self.prog.len() - 1]
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn emit(n: &Node, prog: &mut Vec<Inst>) {
    match n {
        Node::Key(keys, explicit) => prog.push(Inst::Key {
            keys: *keys,
            explicit: *explicit,
        }),
        Node::Group(nodes) => nodes.iter().for_each(|n| emit(n, prog)),
        Node::Repeat(inner, Repeat::OneOrMore) => {
            let start = prog.len();
            emit(inner, prog);
            prog.push(Inst::Split(start, prog.len() + 1));
        }
        Node::Repeat(inner, op) => {
            // `%`: split, body, jump back; `?`: split, body.
            let split = prog.len();
            prog.push(Inst::Jmp(0));
            emit(inner, prog);
            if *op == Repeat::ZeroOrMore {
                prog.push(Inst::Jmp(split));
            }
            prog[split] = Inst::Split(split + 1, prog.len());
        }
    }
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    end: usize,
}

impl Parser<'_> {
    /// A sequence up to the end, or (in a group) up to its `)`, which it takes.
    fn seq(&mut self, group: bool) -> Result<Vec<Node>, PatternError> {
        let mut out = Vec::new();
        while self.i < self.end {
            let at = self.i;
            let c = self.b[at];
            self.i += 1;
            let node = match c {
                b'0'..=b'9' | b'*' | b'#' => Node::Key(key(c).unwrap_or(0), true),
                b'.' => Node::Key(WILD, false),
                b',' => continue,
                b'[' => self.set()?,
                b'(' => {
                    let inner = self.seq(true)?;
                    if inner.is_empty() {
                        return Err(PatternError::BadGroup);
                    }
                    Node::Group(inner)
                }
                b')' if group => return Ok(out),
                b')' => return Err(PatternError::BadGroup),
                b'\\' => {
                    let k = self.b[..self.end].get(self.i).and_then(|c| {
                        matches!(c, b'0'..=b'9' | b'*' | b'#' | b'+')
                            .then(|| key(*c))
                            .flatten()
                    });
                    self.i += 1;
                    Node::Key(k.ok_or(PatternError::BadEscape)?, true)
                }
                b'%' | b'?' | b'+' => {
                    let prev = out.pop().ok_or(PatternError::NothingToRepeat(c as char))?;
                    let op = match c {
                        b'%' => Repeat::ZeroOrMore,
                        b'+' => Repeat::OneOrMore,
                        _ => Repeat::ZeroOrOne,
                    };
                    Node::Repeat(Box::new(prev), op)
                }
                _ => {
                    let found = std::str::from_utf8(&self.b[at..])
                        .ok()
                        .and_then(|s| s.chars().next())
                        .unwrap_or(c as char);
                    return Err(PatternError::Unexpected { at, found });
                }
            };
            out.push(node);
        }
        if group {
            return Err(PatternError::BadGroup);
        }
        Ok(out)
    }

    /// A `[…]` set, after its `[`.
    fn set(&mut self) -> Result<Node, PatternError> {
        let negate = self.i < self.end && self.b[self.i] == b'^';
        if negate {
            self.i += 1;
        }
        let mut keys: Keys = 0;
        loop {
            let Some(&c) = self.b[..self.end].get(self.i) else {
                return Err(PatternError::BadSet);
            };
            self.i += 1;
            match c {
                b']' => break,
                b',' => {}
                b'0'..=b'9' => {
                    let range = self.b[..self.end].get(self.i) == Some(&b'-');
                    match self.b[..self.end].get(self.i + 1) {
                        Some(&hi @ b'0'..=b'9') if range => {
                            if hi < c {
                                return Err(PatternError::BadRange(c as char, hi as char));
                            }
                            for d in c..=hi {
                                keys |= key(d).unwrap_or(0);
                            }
                            self.i += 2;
                        }
                        _ if range => return Err(PatternError::BadSet),
                        _ => keys |= key(c).unwrap_or(0),
                    }
                }
                b'*' | b'#' => keys |= key(c).unwrap_or(0),
                _ => return Err(PatternError::BadSet),
            }
        }
        let keys = if negate { WILD & !keys } else { keys };
        if keys == 0 {
            return Err(PatternError::EmptySet);
        }
        Ok(Node::Key(keys, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Pattern {
        Pattern::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn done(explicit: usize, more: bool) -> Match {
        Match::Complete { explicit, more }
    }

    #[test]
    fn the_patterns_of_real_configurations_parse_and_bad_ones_say_why() {
        for ok in [
            "9[1-7,9]......",
            "3003[012]..",
            "[2-9]...",
            "9T",
            "+1408.......",
            "5...",
            "[^0]..",
            "1234$",
            "^9T",
            "333(123)%",
            "5+23",
            "T",
            "9,1234",
        ] {
            assert_eq!(p(ok).as_str(), ok);
        }
        let err = |s: &str| Pattern::parse(s).unwrap_err();
        assert_eq!(err("9[1-7"), PatternError::BadSet);
        assert_eq!(err("[]..").to_string(), "empty [ ] set");
        assert_eq!(err("[^0-9*]"), PatternError::EmptySet);
        assert_eq!(err("[9-2]"), PatternError::BadRange('9', '2'));
        assert_eq!(err("12a4"), PatternError::Unexpected { at: 2, found: 'a' });
        assert_eq!(err(""), PatternError::Length);
        assert_eq!(err(&"1".repeat(33)), PatternError::Length);
        assert_eq!(err("%12"), PatternError::NothingToRepeat('%'));
        assert_eq!(err("1(23"), PatternError::BadGroup);
        assert_eq!(err("12)"), PatternError::BadGroup);
        assert_eq!(err("1()"), PatternError::BadGroup);
        assert_eq!(err("1\\a"), PatternError::BadEscape);
        assert_eq!(err("$"), PatternError::NoDigits);
        assert_eq!(err("1T2"), PatternError::Unexpected { at: 1, found: 'T' });
    }

    #[test]
    fn fixed_patterns_tell_partial_complete_and_none() {
        let d = p("1001");
        assert_eq!(d.matches(""), Match::Partial);
        assert_eq!(d.matches("10"), Match::Partial);
        assert_eq!(d.matches("1001"), done(4, false));
        assert_eq!(d.matches("1002"), Match::None);
        // No `$`: a longer number that starts with a match matches (the rest is carried).
        assert_eq!(d.matches("10015"), done(4, false));
        let exact = p("1001$");
        assert_eq!(exact.matches("1001"), done(4, false));
        assert_eq!(exact.matches("10015"), Match::None);
    }

    #[test]
    fn wildcards_and_sets_match_one_key_and_are_not_explicit() {
        let d = p("816..");
        assert_eq!(d.matches("81690"), done(3, false));
        assert_eq!(p("81690").matches("81690"), done(5, false));
        assert_eq!(d.matches("816*0"), done(3, false), ". takes *");
        assert_eq!(d.matches("816#0"), Match::None, ". never takes #");
        let set = p("9[1-7,9]......");
        assert_eq!(set.matches("95551234"), done(1, false));
        assert_eq!(set.matches("98"), Match::None);
        assert_eq!(set.matches("99"), Match::Partial);
        let not = p("[^0]..");
        assert_eq!(not.matches("0"), Match::None);
        assert_eq!(not.matches("*12"), done(0, false));
        assert_eq!(p("[*#]1").matches("#1"), done(1, false));
        assert_eq!(
            p("12#").matches("12#"),
            done(3, false),
            "# in a pattern is literal"
        );
    }

    #[test]
    fn a_t_tail_matches_any_length_and_waits_for_more() {
        let t = p("9T");
        assert_eq!(t.matches(""), Match::Partial);
        assert_eq!(t.matches("9"), done(1, true));
        assert_eq!(t.matches("95551234"), done(1, true));
        assert_eq!(t.matches("8"), Match::None);
        assert_eq!(p(".T").matches(""), Match::Partial, ".T needs one digit");
        assert_eq!(
            p("T").matches(""),
            done(0, true),
            "bare T matches nothing dialed"
        );
        // After 32 keys nothing more is awaited.
        assert_eq!(t.matches(&"9".repeat(32)), done(1, false));
    }

    #[test]
    fn repeats_and_groups_follow_the_reference_examples() {
        // §2.2 / Cisco's examples: 5+23 = 523, 5523 …; 333(123)% = 333, 333123 …
        let plus = p("5+23$");
        assert_eq!(plus.matches("523"), done(3, false));
        assert_eq!(plus.matches("55523"), done(5, false));
        assert_eq!(plus.matches("23"), Match::None);
        assert_eq!(plus.matches("555"), Match::Partial);
        let group = p("333(123)%$");
        assert_eq!(group.matches("333"), done(3, true));
        assert_eq!(group.matches("333123123"), done(9, true));
        assert_eq!(group.matches("3331"), Match::Partial);
        assert_eq!(group.matches("3334"), Match::None);
        assert_eq!(p("3+[123]").matches("3331"), done(3, false));
        let opt = p("12?3$");
        assert_eq!(opt.matches("13"), done(2, false));
        assert_eq!(opt.matches("123"), done(3, false));
        assert_eq!(opt.matches("1223"), Match::None);
        // A repeated group that can match nothing does not loop forever.
        assert_eq!(p("1(2?)%3$").matches("1223"), done(4, false));
    }

    #[test]
    fn a_leading_plus_is_the_e164_plus_and_caret_changes_nothing() {
        let e164 = p("+1408.......");
        assert_eq!(e164.matches("+14085550100"), done(5, false));
        assert_eq!(e164.matches("14085550100"), Match::None);
        assert_eq!(p("^+1").matches("+1"), done(2, false));
        assert_eq!(p("^9T").matches("912"), done(1, true));
        assert_eq!(
            p("9,12").matches("912"),
            done(3, false),
            "a pause is skipped"
        );
        assert_eq!(p("\\*1").matches("*1"), done(2, false));
    }

    #[test]
    fn directory_numbers_match_whole_with_dot_wildcards_and_letters() {
        let n = Pattern::number("500.");
        assert_eq!(n.as_str(), "500.$");
        assert_eq!(n.matches("5001"), done(3, false));
        assert_eq!(n.matches("50012"), Match::None);
        assert_eq!(n.matches("500"), Match::Partial);
        let a = Pattern::number("A5511");
        assert_eq!(a.matches("a5511"), done(5, false));
        assert_eq!(a.matches("5511"), Match::None);
        assert_eq!(Pattern::number("+4930").matches("+4930"), done(5, false));
        assert_eq!(Pattern::number("1-2").matches("1-2"), Match::None);
    }
}
