//! The SSH server's host key: an Ed25519 key made at the first start, or the RSA, ECDSA or
//! Ed25519 key `crypto key generate` made, kept in the data directory (`ssh_host_key`,
//! OpenSSH's format, mode 0600), so that clients see the same host from one start to the
//! next.

use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, HashAlg, PrivateKey};

/// The key's file name in the data directory.
pub const FILE: &str = "ssh_host_key";

/// The host key file of a data directory.
pub fn path(data: &Path) -> PathBuf {
    data.join(FILE)
}

/// Reads the host key, or makes one and writes it (0600) when there is none.
///
/// # Errors
/// If the file cannot be read or written, or holds no key.
pub fn load_or_create(data: &Path) -> io::Result<PrivateKey> {
    let path = path(data);
    match std::fs::read_to_string(&path) {
        Ok(text) => PrivateKey::from_openssh(text.as_bytes()).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let key = generate(Algorithm::Ed25519, 0)?;
            write(data, &key)?;
            tracing::info!(file = %path.display(), "SSH host key generated");
            Ok(key)
        }
        Err(e) => Err(e),
    }
}

/// Writes `key` as the data directory's host key, replacing the one there: beside it first
/// and renamed, so a crash never leaves half a key.
///
/// # Errors
/// If the file cannot be written.
pub fn write(data: &Path, key: &PrivateKey) -> io::Result<()> {
    let path = path(data);
    let text = key
        .to_openssh(LineEnding::LF)
        .map_err(|e| io::Error::other(e.to_string()))?;
    let tmp = path.with_extension("new");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path)
}

/// A new key of `algorithm` (`bits` for RSA).
///
/// # Errors
/// If the key cannot be made (an RSA size the library refuses).
pub fn generate(algorithm: Algorithm, bits: usize) -> io::Result<PrivateKey> {
    let mut rng = rand::rng();
    let key = match algorithm {
        Algorithm::Rsa { .. } => {
            russh::keys::ssh_key::private::RsaKeypair::random(&mut rng, bits).map(PrivateKey::from)
        }
        other => PrivateKey::random(&mut rng, other),
    };
    key.map_err(|e| io::Error::other(e.to_string()))
}

/// The public key in OpenSSH's one-line form, and its SHA-256 fingerprint.
pub fn describe(key: &PrivateKey) -> (String, String) {
    let public = key.public_key().to_openssh().unwrap_or_default();
    (public, key.fingerprint(HashAlg::Sha256).to_string())
}

/// The MD5 of a public key's blob in upper-case hex: how IOS's `key-hash` names a key.
pub fn md5_hex(key: &russh::keys::PublicKey) -> String {
    use md5::{Digest, Md5};
    let blob = key.to_bytes().unwrap_or_default();
    Md5::digest(&blob)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_key_is_made_once_0600_and_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create(dir.path()).unwrap();
        let mode = std::fs::metadata(path(dir.path()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let b = load_or_create(dir.path()).unwrap();
        assert_eq!(describe(&a), describe(&b));
        assert!(describe(&a).0.starts_with("ssh-ed25519 "));
        assert!(describe(&a).1.starts_with("SHA256:"));
        assert_eq!(md5_hex(a.public_key()).len(), 32);
        let ec = generate(
            Algorithm::Ecdsa {
                curve: russh::keys::EcdsaCurve::NistP256,
            },
            0,
        )
        .unwrap();
        write(dir.path(), &ec).unwrap();
        let c = load_or_create(dir.path()).unwrap();
        assert!(describe(&c).0.starts_with("ecdsa-sha2-nistp256 "));
    }
}
