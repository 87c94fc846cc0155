//! Fuzzes the signed codes anyone can type or scan: rotating QR check-in codes of activities
//! (`/checkin/{token}`) and incidents (`/incidents/checkin/{token}`), and certificate
//! verification codes (`/verify/{code}`). Nothing may panic, and a code is accepted only if it
//! is exactly what the signer produces: the oracle below re-derives the keys from the master
//! key and re-signs the code's payload, independently of crates/app.
//!
//! Input: the first byte picks a mode; modes 0–2 feed the rest as a code, mode 3 builds a
//! genuine code from the input, checks it is accepted, then alters one byte and checks the
//! altered code is refused.

#![no_main]

use std::sync::{Arc, OnceLock};

use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;
use zhiyuan_app::{Actor, App, AppConfig, AppError};
use zhiyuan_domain::{Role, Scope};

const MASTER_HEX: &str = "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c";
/// "Now" for the activity codes (the incident preview uses the real clock).
const NOW_MS: i64 = 1_790_000_000_000;

struct Env {
    rt: tokio::runtime::Runtime,
    app: App,
    volunteer: Actor,
    checkin_key: [u8; 32],
    certificate_key: [u8; 32],
    _dir: tempfile::TempDir,
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let dir = tempfile::Builder::new()
            .prefix("zhiyuan-fuzz-codes")
            .tempdir_in(if std::path::Path::new("/dev/shm").is_dir() {
                "/dev/shm"
            } else {
                "/tmp"
            })
            .expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("codes.db").display());
        let store: Arc<dyn zhiyuan_store::Store> = rt
            .block_on(zhiyuan_store::connect(&url))
            .expect("open store");
        let app = App::new(
            store,
            AppConfig {
                secret_key_hex: MASTER_HEX.to_owned(),
                session_hours: 12,
            },
        )
        .expect("app");
        let master = hex::decode(MASTER_HEX).expect("hex");
        Env {
            rt,
            app,
            volunteer: Actor {
                user_id: "u-fuzz".into(),
                username: "fuzz".into(),
                role: Role::Volunteer,
                is_super: false,
                scope: Scope::Volunteer {
                    volunteer_id: "v-fuzz".into(),
                },
                volunteer_id: Some("v-fuzz".into()),
                org_id: None,
                team_id: None,
                csrf_token: String::new(),
            },
            checkin_key: hmac(&master, b"zhiyuan/checkin/v1"),
            certificate_key: hmac(&master, b"zhiyuan/certificate/v1"),
            _dir: dir,
        }
    })
}

/// `id.expires.mac` as the activity signer writes it (`prefix` is `incident:` for incidents).
fn oracle_token(key: &[u8; 32], prefix: &str, id: &str, expires: i64) -> String {
    let mac = hex::encode(hmac(key, format!("{prefix}{id}.{expires}").as_bytes()));
    format!("{id}.{expires}.{}", &mac[..32])
}

/// The genuine token a string claims to be, if it has the `id.expires.…` shape at all.
fn claimed_token(key: &[u8; 32], prefix: &str, token: &str) -> Option<String> {
    let mut parts = token.trim().splitn(3, '.');
    let (id, exp) = (parts.next()?, parts.next()?);
    parts.next()?;
    Some(oracle_token(key, prefix, id, exp.parse().ok()?))
}

fn oracle_certificate(key: &[u8; 32], nonce: &str) -> String {
    let mac = hex::encode(hmac(key, nonce.as_bytes()));
    format!("{nonce}{}", &mac[..24])
}

fn is_genuine_certificate(key: &[u8; 32], code: &str) -> bool {
    code.len() == 40
        && code.is_char_boundary(16)
        && oracle_certificate(key, &code[..16]) == code
        && code.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn code_of(r: &Result<impl Sized, AppError>) -> &str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code.as_str(),
    }
}

fn check_activity_token(e: &Env, token: &str) {
    let genuine = claimed_token(&e.checkin_key, "", token).is_some_and(|g| g == token.trim());
    match e.app.verify_checkin_token(token, NOW_MS) {
        Ok(id) => {
            assert!(genuine, "accepted a code the signer never made: {token:?}");
            assert!(token.trim().starts_with(&format!("{id}.")));
        }
        Err(err) => match err.code.as_str() {
            "checkin_code_expired" => assert!(genuine, "expired but not genuine: {token:?}"),
            "checkin_code_invalid" => assert!(!genuine, "refused a genuine code: {token:?}"),
            other => panic!("unexpected error {other} for {token:?}"),
        },
    }
}

fn check_incident_token(e: &Env, token: &str) {
    let genuine =
        claimed_token(&e.checkin_key, "incident:", token).is_some_and(|g| g == token.trim());
    let r =
        e.rt.block_on(e.app.incident_checkin_preview(&e.volunteer, token));
    match code_of(&r) {
        // A genuine, unexpired code of an incident that doesn't exist is refused the same way.
        "checkin_code_invalid" => {}
        "checkin_code_expired" => assert!(genuine, "expired but not genuine: {token:?}"),
        other => panic!("unexpected answer {other} for {token:?}"),
    }
    if !genuine {
        assert_eq!(code_of(&r), "checkin_code_invalid", "{token:?}");
    }
    // Activity and incident codes are signed apart: one never passes as the other.
    if genuine {
        let r = e.app.verify_checkin_token(token, i64::MIN);
        assert_eq!(code_of(&r), "checkin_code_invalid", "{token:?}");
    }
}

fn check_certificate_code(e: &Env, code: &str) {
    let genuine = is_genuine_certificate(&e.certificate_key, code);
    assert_eq!(e.app.certificate_code_is_genuine(code), genuine, "{code:?}");
    // Public verification trims and lower-cases, then needs the signature before any lookup;
    // nothing is issued in this database, so every code ends as certificate_invalid (404).
    let r = e.rt.block_on(e.app.verify_certificate(code));
    assert_eq!(code_of(&r), "certificate_invalid", "{code:?}");
}

/// Builds genuine codes from the input, checks they pass, alters one byte, checks they fail.
fn check_constructed(e: &Env, data: &[u8]) {
    if data.len() < 10 {
        return;
    }
    let expires = i64::from_le_bytes(data[..8].try_into().expect("8 bytes"));
    let (at, with) = (usize::from(data[8]), data[9]);
    let id: String = hex::encode(&data[10..]).chars().take(32).collect();
    let nonce = hex::encode(&data[..8]);

    let activity = oracle_token(&e.checkin_key, "", &id, expires);
    let incident = oracle_token(&e.checkin_key, "incident:", &id, expires);
    let certificate = oracle_certificate(&e.certificate_key, &nonce);
    let r = e.app.verify_checkin_token(&activity, NOW_MS);
    if expires >= NOW_MS {
        assert_eq!(r.ok().as_deref(), Some(id.as_str()), "{activity}");
    } else {
        assert_eq!(code_of(&r), "checkin_code_expired", "{activity}");
    }
    assert!(e.app.certificate_code_is_genuine(&certificate));
    let upper = certificate.to_ascii_uppercase();
    if upper != certificate {
        // The raw check wants lower case; public verification lower-cases first.
        assert!(!e.app.certificate_code_is_genuine(&upper));
    }
    check_incident_token(e, &incident);

    for genuine in [activity, incident, certificate] {
        let mut bytes = genuine.clone().into_bytes();
        let i = at % bytes.len();
        if bytes[i] == with {
            continue;
        }
        bytes[i] = with;
        let Ok(altered) = String::from_utf8(bytes) else {
            continue;
        };
        check_activity_token(e, &altered);
        check_incident_token(e, &altered);
        check_certificate_code(e, &altered);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let e = env();
    if mode % 4 == 3 {
        return check_constructed(e, rest);
    }
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match mode % 4 {
        0 => check_activity_token(e, text),
        1 => check_incident_token(e, text),
        _ => check_certificate_code(e, text),
    }
});
