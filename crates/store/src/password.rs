//! Password hashing with Argon2id (the PHC string keeps the salt and parameters).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

pub fn hash(password: &str) -> String {
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).unwrap_or_default()
}

/// Whether `password` matches the stored hash; a malformed hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 10;
/// How many of the user's latest passwords (the current one included) a new one may not repeat.
pub const HISTORY: usize = 5;

/// The password policy (等保 2.0): at least [`MIN_LENGTH`] characters, at least three of the
/// four classes (lower case, upper case, digits, other characters), and not containing the
/// user name. The message says what is missing, in words a person can act on.
pub fn check_policy(username: &str, password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(format!("密码至少 {MIN_LENGTH} 位"));
    }
    if length > 128 {
        return Err("密码不能超过 128 位".into());
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|c| **c).count() < 3 {
        return Err("密码须包含小写字母、大写字母、数字、特殊字符中的至少三类".into());
    }
    let name = username.trim().to_lowercase();
    if name.chars().count() >= 3 && password.to_lowercase().contains(&name) {
        return Err("密码不能包含用户名".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_policy;

    #[test]
    fn policy() {
        assert!(check_policy("yujiang", "Duban@2024").is_ok());
        assert!(check_policy("yujiang", "Abcdefgh12").is_ok(), "three classes suffice");
        assert_eq!(check_policy("yujiang", "Ab1@").unwrap_err(), "密码至少 10 位");
        assert!(check_policy("yujiang", "abcdefgh12").unwrap_err().contains("三类"));
        assert!(check_policy("yujiang", "ABCDEFGHIJ!").unwrap_err().contains("三类"));
        assert_eq!(check_policy("yujiang", "YuJiang@2024").unwrap_err(), "密码不能包含用户名");
        assert!(check_policy("yj", "Yj@2024abcd").is_ok(), "a very short name is not searched for");
        assert!(check_policy("x", &"Aa1!".repeat(40)).is_err());
    }

    #[test]
    fn round_trip() {
        let h = super::hash("Duban@2024");
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("Duban@2024", &h));
        assert!(!super::verify("duban@2024", &h));
        assert!(!super::verify("x", "not a hash"));
    }
}
