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
            let name = entry.line.get(g, "tag").unwrap_or("").to_string();
            let mut sub = path.to_vec();
            sub.push(key.clone());
            let inner = entry.body.clone().unwrap_or_default();
            let mut keys = Vec::new();
            self.lines(&sub, &inner, |_, h, l| match h {
                Handler::SshKeyHash => {
                    let hash = l.get(g, "md5").unwrap_or("");
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

#[cfg(test)]
mod tests {
    use crate::config::access::{Credential, Login};
    use crate::config::load;
    use crate::grammar::graph::Grammar;

    #[test]
    fn access_lines_become_the_model_the_ssh_server_reads() {
        let g = Grammar::embedded();
        let l = load::load(
            &g,
            "enable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0\n\
             username admin privilege 15 secret 8 $8$dsYGNam3K1SIJO$7nv/35M/qr6t.dVc7UY9zrJDWRVqncHub1PE9UlMQFs\n\
             username ro password 7 070C285F4D06\n\
             login block-for 60 attempts 3 within 30\n\
             ip ssh port 2222\n\
             ip ssh pubkey-chain\n username admin\n  key-hash ssh-ed25519 e31dffb3d198d04fe013c7205a8aee2a laptop\n!\n\
             access-list 10 permit 10.0.0.0 0.0.0.255\n\
             access-list 10 permit host 192.0.2.1\n\
             line vty 0 4\n access-class 10 in\n login local\n transport input ssh\n exec-timeout 5 30\n",
        );
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        let a = &l.model.access;
        assert!(a.users["admin"].credential.verify("cisco"));
        assert_eq!(a.users["admin"].privilege, 15);
        assert!(matches!(&a.users["ro"].credential, Credential::Password(p) if p.matches("cisco")));
        assert_eq!(a.users["ro"].privilege, 1);
        assert!(a.enable.as_ref().unwrap().verify("cisco"));
        assert_eq!(a.block_for, Some((60, 3, 30)));
        assert_eq!(a.ssh.port, Some(2222));
        assert_eq!(a.pubkeys["admin"], ["E31DFFB3D198D04FE013C7205A8AEE2A"]);
        let v = a.vty_line(3).unwrap();
        assert_eq!(
            (v.login, v.ssh, v.access_class, v.exec_timeout),
            (Login::Local, true, Some(10), 330)
        );
        assert!(a.permits(10, "10.0.0.9".parse().unwrap()));
        assert!(a.permits(10, "192.0.2.1".parse().unwrap()));
        assert!(!a.permits(10, "10.0.1.9".parse().unwrap()));
    }

    #[test]
    fn a_type_0_secret_is_stored_as_type_9_and_a_malformed_hash_is_refused() {
        let g = Grammar::embedded();
        let l = load::load(
            &g,
            "username op algorithm-type sha256 secret pw8\nusername x secret 0 pw9\n",
        );
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        let run = crate::config::running::running_config(&g, &l.tree);
        assert!(run.contains("username op secret 8 $8$"), "{run}");
        assert!(run.contains("username x secret 9 $9$"), "{run}");
        assert!(l.model.access.users["op"].credential.verify("pw8"));
        assert!(l.model.access.users["x"].credential.verify("pw9"));
        let bad = load::load(&g, "username y secret 9 notahash\n");
        assert_eq!(bad.diagnostics.len(), 1, "{:?}", bad.diagnostics);
    }
}
