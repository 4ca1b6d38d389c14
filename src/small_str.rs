//! A string that keeps up to 22 bytes inline: the stored configuration holds a few hundred
//! thousand short tokens (keywords, numbers, MACs), and a heap allocation for each one cost
//! tens of megabytes on a 10,000-phone configuration. Longer strings go to the heap as usual.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

const INLINE: usize = 22;

/// An immutable string, inline when short.
#[derive(Clone)]
pub enum SmallStr {
    /// Up to [`INLINE`] bytes of UTF-8 and their length.
    Inline(u8, [u8; INLINE]),
    /// Anything longer.
    Heap(Box<str>),
}

impl SmallStr {
    /// The text.
    pub fn as_str(&self) -> &str {
        match self {
            // Only ever filled from a `&str` cut at its own length: valid UTF-8.
            SmallStr::Inline(len, buf) => {
                std::str::from_utf8(&buf[..usize::from(*len)]).unwrap_or_default()
            }
            SmallStr::Heap(s) => s,
        }
    }
}

impl From<&str> for SmallStr {
    fn from(s: &str) -> SmallStr {
        if s.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..s.len()].copy_from_slice(s.as_bytes());
            SmallStr::Inline(s.len() as u8, buf)
        } else {
            SmallStr::Heap(s.into())
        }
    }
}

impl From<String> for SmallStr {
    fn from(s: String) -> SmallStr {
        if s.len() <= INLINE {
            SmallStr::from(s.as_str())
        } else {
            SmallStr::Heap(s.into_boxed_str())
        }
    }
}

impl Deref for SmallStr {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for SmallStr {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SmallStr {}

impl PartialOrd for SmallStr {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SmallStr {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for SmallStr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for SmallStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SmallStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so that widths and alignment (`{:<9}`) apply as they do to `str`.
        f.pad(self.as_str())
    }
}

impl PartialEq<str> for SmallStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SmallStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Default for SmallStr {
    fn default() -> Self {
        SmallStr::from("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_strings_stay_inline_and_long_ones_round_trip() {
        let s = SmallStr::from("0022.905B.11C2");
        assert!(matches!(s, SmallStr::Inline(..)));
        assert_eq!(&*s, "0022.905B.11C2");
        let exact = "x".repeat(INLINE);
        assert!(matches!(
            SmallStr::from(exact.as_str()),
            SmallStr::Inline(..)
        ));
        let long = "é".repeat(20);
        let l = SmallStr::from(long.clone());
        assert!(matches!(l, SmallStr::Heap(_)));
        assert_eq!(l.as_str(), long);
        let (a, b) = (SmallStr::from("a"), SmallStr::from("b"));
        assert!(a < b);
        assert_eq!(format!("[{a:<3}]"), "[a  ]", "widths apply");
        assert_eq!(std::mem::size_of::<SmallStr>(), 24);
    }
}
