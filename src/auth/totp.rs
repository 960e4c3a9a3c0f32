//! Time-based one-time passwords (RFC 6238, the codes of authenticator apps): HMAC-SHA1 over
//! 30-second steps, six digits, a step either side accepted for clocks that drift.

use hmac::{Hmac, Mac};
use rand::Rng;
use sha1::Sha1;

/// Seconds per code.
pub const STEP_SECONDS: u64 = 30;
const DIGITS: u32 = 6;
/// Steps accepted before and after the current one.
const DRIFT: u64 = 1;

/// A new secret: 160 random bits, as RFC 4226 recommends.
pub fn new_secret() -> Vec<u8> {
    rand::rng().random::<[u8; 20]>().to_vec()
}

/// The secret as people type it into an app: base32 in groups of four.
pub fn display(secret: &[u8]) -> String {
    let plain = data_encoding::BASE32_NOPAD.encode(secret);
    plain
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn uri(secret: &[u8], account: &str, issuer: &str) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        enc(issuer).replace('+', "%20"),
        enc(account).replace('+', "%20"),
        data_encoding::BASE32_NOPAD.encode(secret),
        enc(issuer).replace('+', "%20"),
    )
}

/// The code for one time step (HOTP of RFC 4226 with the step as counter).
pub fn code_at(secret: &[u8], step: u64) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(&step.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    binary % 10_u32.pow(DIGITS)
}

/// The time step of a moment (seconds since 1970).
pub fn step_of(unix_seconds: u64) -> u64 {
    unix_seconds / STEP_SECONDS
}

/// The step whose code `typed` is, if it is one of the accepted steps around `now_step` and
/// later than `last_used` (a code works once: no replay within its 30 seconds).
pub fn verify(secret: &[u8], typed: &str, now_step: u64, last_used: Option<u64>) -> Option<u64> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != DIGITS as usize || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let typed: u32 = digits.parse().ok()?;
    (now_step.saturating_sub(DRIFT)..=now_step + DRIFT)
        .filter(|step| last_used.is_none_or(|last| *step > last))
        .find(|step| code_at(secret, *step) == typed)
}

/// The QR code of `text` as one SVG path (`M x y h1 v1 h-1 z` per dark module) and its size in
/// modules, so a template can draw it without any markup from outside.
pub fn qr_path(text: &str) -> Option<(String, usize)> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let width = code.width();
    let mut path = String::new();
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == qrcode::Color::Dark {
            // A quiet zone of 4 modules around the code.
            path.push_str(&format!("M{} {}h1v1h-1z", i % width + 4, i / width + 4));
        }
    }
    Some((path, width + 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SHA1 test vectors of RFC 6238, appendix B (8 digits there; the last 6 here).
    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, expected) in [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(
                code_at(secret, step_of(time)),
                expected % 1_000_000,
                "{time}"
            );
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_only_once() {
        let secret = b"12345678901234567890";
        let now = step_of(1111111111);
        let code = format!("{:06}", code_at(secret, now - 1));
        assert_eq!(verify(secret, &code, now, None), Some(now - 1));
        assert_eq!(verify(secret, &code, now, Some(now - 1)), None, "replayed");
        let old = format!("{:06}", code_at(secret, now - 2));
        assert_eq!(verify(secret, &old, now, None), None, "too old");
        assert_eq!(verify(secret, "12 34 5", now, None), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(verify(secret, &spaced, now, None), Some(now - 1));
    }

    #[test]
    fn the_secret_reads_as_base32_and_the_qr_code_is_a_path() {
        assert_eq!(
            display(b"12345678901234567890"),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
        let uri = uri(b"12345678901234567890", "an@vlaanderen.be", "regie");
        assert!(uri.starts_with("otpauth://totp/regie:an%40vlaanderen.be?secret=GEZDGNBV"));
        let (path, size) = qr_path(&uri).unwrap();
        assert!(size > 21 && path.starts_with('M') && !path.contains('<'));
    }
}
