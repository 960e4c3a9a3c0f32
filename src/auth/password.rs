//! The password policy and one-time passwords. Hashing is the base layer's
//! ([`crate::identity::hashing`]), which the state holds.

use rand::Rng;

use crate::error::Result;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;

/// A random one-time password: 20 characters from an alphabet without look-alikes (0/O, 1/l).
pub fn one_time_password() -> String {
    random_code(
        b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789",
        4,
    )
}

/// `groups` groups of five random characters of `alphabet`, joined by `-`: easier to read out
/// and type than one long string. Used for one-time passwords and recovery codes.
pub fn random_code(alphabet: &[u8], groups: usize) -> String {
    let mut rng = rand::rng();
    (0..groups)
        .map(|_| {
            (0..5)
                .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Frequently used passwords that are refused whatever their length (compared case-insensitively).
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678910",
    "111111111111",
    "000000000000",
    "qwertyuiopas",
    "qwerty123456",
    "azertyuiopqs",
    "azerty123456",
    "password1234",
    "password123!",
    "passwordpassword",
    "wachtwoord123",
    "wachtwoord1234",
    "wachtwoordwachtwoord",
    "welkom123456",
    "welkomwelkom",
    "iloveyou1234",
    "administrator",
    "administrator1",
    "letmein12345",
    "changeme1234",
    "regie1234567",
    "vlaanderen123",
    "vlaanderen2025",
    "vlaanderen2026",
    "belgie123456",
    "zomer2026zomer",
];

/// Every rule of [`check_policy`], for the hint under each field that sets a password, so a
/// person meets them before the first try (a test keeps the numbers equal to the constants).
pub const RULES_HINT: &str = "Minstens 12 en hoogstens 128 tekens. Geen veelgebruikt wachtwoord, en het mag uw naam of e-mailadres niet bevatten. Een zin van enkele woorden is sterk en makkelijk te onthouden.";

/// Checks a new password against the policy: 12 to 128 characters, no composition rules, not
/// a common password, and not containing the user's email or name. Returns a Dutch message.
pub fn check_policy(password: &str, email: &str, full_name: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(format!(
            "Kies een wachtwoord van minstens {MIN_LENGTH} tekens. Een zin van enkele woorden is sterk en makkelijk te onthouden."
        ));
    }
    if length > MAX_LENGTH {
        return Err(format!(
            "Een wachtwoord mag hoogstens {MAX_LENGTH} tekens lang zijn."
        ));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        return Err("Dit wachtwoord wordt te vaak gebruikt. Kies een ander.".into());
    }
    let email = email.trim().to_lowercase();
    let local_part = email.split('@').next().unwrap_or_default();
    if !email.is_empty()
        && (lower.contains(&email) || (local_part.len() >= 4 && lower.contains(local_part)))
    {
        return Err("Het wachtwoord mag uw e-mailadres niet bevatten.".into());
    }
    let name = full_name.trim().to_lowercase();
    let name_parts_in_password = name
        .split_whitespace()
        .filter(|part| part.chars().count() >= 4)
        .any(|part| lower.contains(part));
    let compact_name: String = name.split_whitespace().collect();
    if !compact_name.is_empty() && (lower.contains(&compact_name) || name_parts_in_password) {
        return Err("Het wachtwoord mag uw naam niet bevatten.".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hint_states_the_rules_the_policy_checks() {
        assert!(RULES_HINT.contains(&format!(
            "Minstens {MIN_LENGTH} en hoogstens {MAX_LENGTH} tekens"
        )));
        assert!(RULES_HINT.contains("veelgebruikt"));
        assert!(RULES_HINT.contains("mag uw naam of e-mailadres niet bevatten"));
        let long_enough = "a".repeat(MIN_LENGTH);
        assert!(check_policy(&long_enough[1..], "a@b.be", "An Peeters").is_err());
        assert!(check_policy(&"a".repeat(MAX_LENGTH + 1), "a@b.be", "An Peeters").is_err());
        // The bounds the hint names are the policy's own: both ends are allowed.
        let sentence = "zonnige dagen aan zee ".repeat(6);
        assert!(check_policy(&sentence[..MIN_LENGTH], "a@b.be", "An Peeters").is_ok());
        assert!(check_policy(&sentence[..MAX_LENGTH], "a@b.be", "An Peeters").is_ok());
    }

    #[test]
    fn short_and_overlong_passwords_are_refused() {
        assert!(check_policy("kort", "a@b.be", "An Peeters").is_err());
        assert!(check_policy(&"x".repeat(129), "a@b.be", "An Peeters").is_err());
        assert!(check_policy("paard batterij niet", "a@b.be", "An Peeters").is_ok());
        // 64 characters is allowed; no composition rules.
        assert!(check_policy(&"zonnige dagen ".repeat(5)[..64], "a@b.be", "An Peeters").is_ok());
    }

    #[test]
    fn common_passwords_and_personal_details_are_refused() {
        assert!(check_policy("Wachtwoord123", "a@b.be", "An Peeters").is_err());
        assert!(check_policy("an.peeters@gent.be!!", "an.peeters@gent.be", "An Peeters").is_err());
        assert!(check_policy("mijn peeters-wachtwoord", "x@gent.be", "An Peeters").is_err());
    }

    #[test]
    fn one_time_passwords_pass_the_policy_and_differ() {
        let a = one_time_password();
        let b = one_time_password();
        assert_ne!(a, b);
        assert_eq!(a.len(), 23);
        assert!(check_policy(&a, "a@b.be", "An Peeters").is_ok());
    }
}
