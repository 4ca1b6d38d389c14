//! Administrators' access (`config::access`): `username`, `enable`, `login block-for`,
//! `access-list`, `ip ssh` with its public key chain, and the `line vty` sections.

use super::{Builder, Check, ipv4, num, secret};
use crate::config::access::{Credential, Login, VtyLines};
use crate::config::hashes::Hashed;
use crate::config::tree::{Line, LineKey, Section};
use crate::grammar::handler::Handler;

impl Builder<'_> {
    /// The one-way secret or reversible password of a `username` or `enable` line.
    fn credential(&self, l: &Line) -> Check<Credential> {
        let g = self.g;
        if let Some(hash) = l.get(g, "hash") {
            // A type 0 secret was hashed when it was stored (config::secrets).
            let kind = l.get(g, "stype").map_or(0, |t| num::<u8>(Some(t)));
            return Hashed::parse(kind, hash)
                .map(Credential::Hashed)
                .map_err(|e| format!("{e}\n"));
        }
        if l.get(g, "none").is_some() {
            return Ok(Credential::None);
        }
        secret(l, g).map(Credential::Password)
    }

    /// One global line of access: `Ok` when applied.
    pub(super) fn access(
        &mut self,
        h: Handler,
        path: &[LineKey],
        l: &Line,
        body: &Section,
    ) -> Check<()> {
        let g = self.g;
        match h {
            Handler::Username => {
                let name = l.get(g, "name").unwrap_or("").to_string();
                let credential = self.credential(l)?;
                let privilege = l.get(g, "level").map_or(1, |v| num(Some(v)));
                self.m.access.users.insert(
                    name,
                    crate::config::access::LocalUser {
                        privilege,
                        credential,
                    },
                );
            }
            Handler::EnableSecret => self.m.access.enable = Some(self.credential(l)?),
            // `enable secret` wins over `enable password`, as in IOS, whichever came first.
            Handler::EnablePassword => {
                if !matches!(self.m.access.enable, Some(Credential::Hashed(_))) {
                    self.m.access.enable = Some(Credential::Password(secret(l, g)?));
                }
            }
            Handler::LoginBlockFor => {
                self.m.access.block_for = Some((
                    num(l.get(g, "secs")),
                    num(l.get(g, "attempts")),
                    num(l.get(g, "within")),
                ))
            }
            Handler::AccessList => {
                let list: u8 = num(l.get(g, "list"));
                let entry = if l.get(g, "any").is_some() {
                    (
                        std::net::Ipv4Addr::UNSPECIFIED,
                        std::net::Ipv4Addr::BROADCAST,
                    )
                } else if let Some(host) = l.get(g, "host") {
                    (ipv4(Some(host)), std::net::Ipv4Addr::UNSPECIFIED)
                } else {
                    let wild = l
                        .get(g, "wildcard")
                        .map_or(std::net::Ipv4Addr::UNSPECIFIED, |w| ipv4(Some(w)));
                    (ipv4(l.get(g, "addr")), wild)
                };
                self.m.access.acls.entry(list).or_default().push(entry);
            }
            Handler::IpSshPort => self.m.access.ssh.port = Some(num(l.get(g, "port"))),
            Handler::IpSshTimeOut => self.m.access.ssh.timeout = num(l.get(g, "secs")),
            Handler::IpSshRetries => self.m.access.ssh.retries = num(l.get(g, "n")),
            Handler::IpSshPubkeyChain => self.pubkey_chain(path, body),
            Handler::LineVty => self.line_vty(path, l, body)?,
            other => return Err(format!("% {} is not a global command", other.id())),
        }
        Ok(())
    }

    fn pubkey_chain(&mut self, path: &[LineKey], body: &Section) {
        let g = self.g;
        for (key, entry) in &body.entries {
            let name = entry.line.get(g, "name").unwrap_or("").to_string();
            let mut sub = path.to_vec();
            sub.push(key.clone());
            let inner = entry.body.clone().unwrap_or_default();
            let mut keys = Vec::new();
            self.lines(&sub, &inner, |_, h, l| match h {
                Handler::SshKeyHash => {
                    let hash = l.get(g, "hash").unwrap_or("");
                    if hash.len() != 32 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err("% Invalid key hash: 32 hex digits (MD5) expected\n".into());
                    }
                    keys.push(hash.to_ascii_uppercase());
                    Ok(())
                }
                other => Err(format!("% {} is not a pubkey-chain command", other.id())),
            });
            self.m.access.pubkeys.insert(name, keys);
        }
    }

    fn line_vty(&mut self, path: &[LineKey], l: &Line, body: &Section) -> Check<()> {
        let g = self.g;
        let first: u16 = num(l.get(g, "tag"));
        let last: u16 = l.get(g, "last").map_or(first, |v| num(Some(v)));
        if last < first {
            return Err(format!("% Invalid line range: {first} to {last}\n"));
        }
        let mut v = VtyLines::new(first, last);
        self.lines(path, body, |_, h, l| {
            match h {
                Handler::LineExecTimeout => {
                    let minutes: u32 = num(l.get(g, "minutes"));
                    let seconds: u32 = num(l.get(g, "seconds"));
                    v.exec_timeout = minutes.saturating_mul(60).saturating_add(seconds);
                }
                Handler::LinePrivilege => v.privilege = num(l.get(g, "level")),
                Handler::LineLength => v.length = num(l.get(g, "lines")),
                Handler::LineWidth => v.width = num(l.get(g, "columns")),
                Handler::LineLogin => {
                    if l.get(g, "list").is_some() {
                        return Err(
                            "% cmed has no AAA method lists: use `login local` or `login`\n".into(),
                        );
                    }
                    v.login = if l.has("local") {
                        Login::Local
                    } else {
                        Login::Line
                    };
                }
                Handler::LinePassword => v.password = Some(secret(l, g)?),
                Handler::LineTransportInput => {
                    let p = l.get(g, "protocols").unwrap_or("").to_ascii_lowercase();
                    v.ssh = p.split_whitespace().any(|w| w == "ssh" || w == "all");
                }
                Handler::LineAccessClass => {
                    if l.get(g, "dir") != Some("in") {
                        return Err(
                            "% cmed makes no outgoing connections: only `access-class N in`\n"
                                .into(),
                        );
                    }
                    v.access_class = Some(num(l.get(g, "list")));
                }
                other => return Err(format!("% {} is not a line command", other.id())),
            }
            Ok(())
        });
        self.m.access.vty.push(v);
        Ok(())
    }
}
