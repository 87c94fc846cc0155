//! Secrets: ID numbers encrypted at rest (XChaCha20-Poly1305) with a keyed hash (HMAC-SHA256)
//! for uniqueness, argon2id passwords, random tokens. All keys derive from one master key
//! given in configuration.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct Secrets {
    id_cipher_key: [u8; 32],
    id_hash_key: [u8; 32],
    /// Signs the rotating check-in codes and certificate codes (issue 4).
    pub(crate) checkin_key: [u8; 32],
    pub(crate) certificate_key: [u8; 32],
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(..)")
    }
}

fn derive(master: &[u8; 32], label: &str) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("HMAC takes any key length");
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

impl Secrets {
    /// From the 32-byte master key written as 64 hex digits.
    pub fn from_hex(hex_key: &str) -> Result<Secrets, String> {
        let bytes =
            hex::decode(hex_key.trim()).map_err(|_| "密钥必须是 64 位十六进制数字".to_owned())?;
        let master: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "密钥必须是 32 字节（64 位十六进制数字）".to_owned())?;
        Ok(Secrets {
            id_cipher_key: derive(&master, "zhiyuan/id-number/cipher/v1"),
            id_hash_key: derive(&master, "zhiyuan/id-number/hash/v1"),
            checkin_key: derive(&master, "zhiyuan/checkin/v1"),
            certificate_key: derive(&master, "zhiyuan/certificate/v1"),
        })
    }

    /// A fresh random master key as hex (for a first start without one).
    pub fn generate_hex() -> String {
        let mut k = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut k);
        hex::encode(k)
    }

    pub fn encrypt_id(&self, id_number: &str) -> String {
        let mut nonce = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut nonce);
        self.encrypt_id_with_nonce(id_number, nonce)
    }

    /// [`Secrets::encrypt_id`] with a nonce the caller chose: only for generated data, which
    /// must come out the same for the same seed (`zhiyuan gen`); never for a real person.
    pub(crate) fn encrypt_id_with_nonce(&self, id_number: &str, nonce: [u8; 24]) -> String {
        let cipher = XChaCha20Poly1305::new((&self.id_cipher_key).into());
        let ct = cipher
            .encrypt(XNonce::from_slice(&nonce), id_number.as_bytes())
            .expect("encryption of a short plaintext cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        STANDARD.encode(out)
    }

    pub fn decrypt_id(&self, stored: &str) -> Option<String> {
        let raw = STANDARD.decode(stored).ok()?;
        if raw.len() < 24 {
            return None;
        }
        let (nonce, ct) = raw.split_at(24);
        let cipher = XChaCha20Poly1305::new((&self.id_cipher_key).into());
        let pt = cipher.decrypt(XNonce::from_slice(nonce), ct).ok()?;
        String::from_utf8(pt).ok()
    }

    /// Deterministic, keyed: equal ID numbers give equal hashes, and without the key the
    /// hash can't be reversed by trying all birth dates and sequences.
    pub fn hash_id(&self, id_number: &str) -> String {
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(&self.id_hash_key).expect("any key length");
        mac.update(id_number.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// HMAC-SHA256 of `data` under `key` (one of the derived keys), as hex.
pub(crate) fn mac_hex(key: &[u8; 32], data: &[u8]) -> String {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("any key length");
    mac.update(data);
    hex::encode(mac.finalize().into_bytes())
}

/// A random opaque token (session token, CSRF token), URL-safe.
/// Equality whose time does not depend on where two secrets (codes, CSRF tokens) first differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// Session tokens are stored hashed so a copy of the database doesn't log anyone in.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters")
        .to_string()
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// A valid hash of nothing, verified against when the username is unknown so that a failed
/// login takes the same time either way.
pub fn dummy_password_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no such user"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_round_trip_and_hash_stably() {
        let s = Secrets::from_hex(&Secrets::generate_hex()).unwrap();
        let c1 = s.encrypt_id("11010519491231002X");
        let c2 = s.encrypt_id("11010519491231002X");
        assert_ne!(c1, c2, "random nonces");
        assert_eq!(s.decrypt_id(&c1).unwrap(), "11010519491231002X");
        assert_eq!(
            s.hash_id("11010519491231002X"),
            s.hash_id("11010519491231002X")
        );
        let other = Secrets::from_hex(&Secrets::generate_hex()).unwrap();
        assert!(other.decrypt_id(&c1).is_none(), "another key can't read it");
        assert_ne!(
            other.hash_id("11010519491231002X"),
            s.hash_id("11010519491231002X")
        );
    }

    #[test]
    fn bad_keys_are_refused() {
        assert!(Secrets::from_hex("abc").is_err());
        assert!(Secrets::from_hex(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn passwords_verify() {
        let h = hash_password("correct horse");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}
