//! Fuzzes the GB 11643 ID-number parser (公民身份号码) against an independent model of the
//! standard, and what is derived from a parsed number: masking (脱敏), the keyed hash and the
//! encryption at rest.
//!
//! Input: two bytes choose "today" (a day between 1900 and 2079, so the future-birth rule is
//! exercised at every date), the rest is the text a user typed.

#![no_main]

use std::sync::OnceLock;

use chrono::{Datelike, Duration, NaiveDate};
use libfuzzer_sys::fuzz_target;
use zhiyuan_app::crypto::Secrets;
use zhiyuan_domain::id_number::{try_check_char, PROVINCE_CODES};
use zhiyuan_domain::{Gender, IdNumber};

fn secrets() -> &'static Secrets {
    static S: OnceLock<Secrets> = OnceLock::new();
    S.get_or_init(|| Secrets::from_hex(&"a5".repeat(32)).expect("a valid test key"))
}

/// The standard written out again, independently of the parser: `Ok(normalised)` or the error
/// code the parser must give, in the parser's documented order.
fn model(input: &str, today: NaiveDate) -> Result<String, &'static str> {
    let t = input.trim();
    let chars: Vec<char> = t.chars().collect();
    if chars.len() != 18 {
        return Err("id_number_length");
    }
    let digits_ok = chars[..17].iter().all(|c| c.is_ascii_digit());
    let last = chars[17].to_ascii_uppercase();
    if !digits_ok || !(last.is_ascii_digit() || last == 'X') {
        return Err("id_number_chars");
    }
    let code: String = chars[..2].iter().collect();
    if !PROVINCE_CODES.contains(&code.as_str()) {
        return Err("id_number_region");
    }
    let n = |from: usize, to: usize| {
        chars[from..to]
            .iter()
            .fold(0u32, |acc, c| acc * 10 + c.to_digit(10).unwrap_or(0))
    };
    let birth = match NaiveDate::from_ymd_opt(n(6, 10) as i32, n(10, 12), n(12, 14)) {
        Some(d) if d.year() >= 1900 => d,
        _ => return Err("id_number_birth_date"),
    };
    if birth > today {
        return Err("id_number_future");
    }
    // Weights are 2^(17-i) mod 11; the check value is (12 - sum mod 11) mod 11, 10 written X.
    let sum: u32 = (0..17)
        .map(|i| n(i, i + 1) * ((1u32 << (17 - i)) % 11))
        .sum();
    let check = (12 - sum % 11) % 11;
    let expected = if check == 10 {
        'X'
    } else {
        char::from_digit(check, 10).unwrap_or('?')
    };
    if last != expected {
        return Err("id_number_check_digit");
    }
    let mut out: String = chars[..17].iter().collect();
    out.push(last);
    Ok(out)
}

fn check_valid(id: &IdNumber, input: &str, today: NaiveDate) {
    let s = id.as_str();
    assert_eq!(s.len(), 18);
    assert!(s.bytes().all(|b| b.is_ascii_digit() || b == b'X'));
    assert_eq!(
        try_check_char(&s[..17]).map(String::from).as_deref(),
        Some(&s[17..])
    );
    // Round trip: the normalised text parses to the same number.
    let again = IdNumber::parse_on(s, today).expect("a parsed number parses again");
    assert_eq!(&again, id);
    // Only trimming and an upper-case X separate input and value.
    assert_eq!(input.trim().to_ascii_uppercase(), s);
    // Derived facts.
    assert!(id.birth_date() <= today && id.birth_date().year() >= 1900);
    assert_eq!(
        id.birth_date().format("%Y%m%d").to_string(),
        &s[6..14],
        "birth date digits"
    );
    let odd = (s.as_bytes()[16] - b'0') % 2 == 1;
    assert_eq!(id.gender(), if odd { Gender::Male } else { Gender::Female });
    assert_eq!(id.region_code(), &s[..6]);
    assert!(PROVINCE_CODES.contains(&&s[..2]));
    let age = id.age_on(today);
    assert!(age <= 180, "age {age}");
    assert_eq!(id.age_on(id.birth_date()), 0);
    // Masking (R-LAW-5): region prefix and the last four only, birth date and sequence hidden.
    let masked = id.masked();
    assert_eq!(masked, format!("{}**********{}", &s[..4], &s[14..]));
    assert_eq!(masked.chars().filter(|c| *c != '*').count(), 8);
    let debug = format!("{id:?}");
    assert!(
        debug.contains(&masked) && !debug.contains(&s[4..14]),
        "Debug shows only the masked form: {debug}"
    );
    // Serde carries the full number (storage only) and parses it back.
    let json = serde_json::to_string(id).expect("serialises");
    assert_eq!(json, format!("\"{s}\""));
    // Keyed hash: equal for every spelling of the same number; encryption round-trips.
    let sec = secrets();
    let hash = sec.hash_id(s);
    assert_eq!(hash.len(), 64);
    assert_eq!(hash, sec.hash_id(again.as_str()));
    let sealed = sec.encrypt_id(s);
    assert!(!sealed.contains(s));
    assert_eq!(sec.decrypt_id(&sealed).as_deref(), Some(s));
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let days = i64::from(u16::from_le_bytes([data[0], data[1]])) % 65_000;
    let today = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a date") + Duration::days(days);
    let Ok(input) = std::str::from_utf8(&data[2..]) else {
        return;
    };
    let parsed = IdNumber::parse_on(input, today);
    match (&parsed, model(input, today)) {
        (Ok(id), Ok(expected)) => {
            assert_eq!(id.as_str(), expected);
            check_valid(id, input, today);
        }
        (Err(e), Err(code)) => {
            assert_eq!(e.code(), code, "input {input:?}");
            assert_eq!(e.field(), "id_number");
            assert!(!e.message().is_empty());
        }
        (got, want) => panic!("parser {got:?} but model {want:?} for {input:?} on {today}"),
    }
    // Never panics on arbitrary text, with or without 17 digits.
    let _ = try_check_char(input);
    // The ID number as a JSON string goes through the same parser.
    if let Ok(json) = serde_json::to_string(input) {
        if let Ok(id) = serde_json::from_str::<IdNumber>(&json) {
            assert_eq!(id.as_str(), input.trim().to_ascii_uppercase());
        }
    }
});
