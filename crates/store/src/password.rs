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

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        let h = super::hash("Duban@2024");
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("Duban@2024", &h));
        assert!(!super::verify("duban@2024", &h));
        assert!(!super::verify("x", "not a hash"));
    }
}
