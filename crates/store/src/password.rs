//! Password hashing with Argon2id (the PHC string keeps the salt and parameters).

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use tokio::sync::Semaphore;

/// The memory of one Argon2id computation, in KiB, and its passes over it: 7 MiB and five
/// passes, one of the settings OWASP's password storage guidance gives as equally strong
/// (19 MiB and two, the crate's default, is another; every pair of that list costs an
/// attacker the same memory × time). The smaller memory is what a server holds for a moment
/// at each sign-in, and a province's reporters sign in at the same hours as the month's
/// busiest work: 7 MiB instead of 19 keeps the server's peak 12 MB lower, for the same CPU
/// time per check (docs/benchmarks.md).
const MEMORY_KIB: u32 = 7 * 1024;
const PASSES: u32 = 5;

/// Argon2id with this version's settings, for new hashes.
fn current() -> Argon2<'static> {
    // Params::new refuses only values outside Argon2's bounds, which these are not.
    let params = Params::new(MEMORY_KIB, PASSES, 1, None).unwrap_or(Params::DEFAULT);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(password: &str) -> String {
    current().hash_password(password.as_bytes()).map(|h| h.to_string()).unwrap_or_default()
}

/// Whether `password` matches the stored hash; a malformed hash never matches. The hash
/// carries the settings it was made with, and the check uses them: a hash made with other
/// settings (an earlier version's) still verifies.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Whether a stored hash was made with this version's settings. One that was not (19 MiB and
/// two passes before 2026-12) is made again at the user's next sign-in, when the password is
/// at hand (see `Store::check_password`).
pub fn is_current(stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        h.algorithm.as_str() == "argon2id"
            && Params::try_from(&h).is_ok_and(|p| p.m_cost() == MEMORY_KIB && p.t_cost() == PASSES && p.p_cost() == 1)
    })
}

/// How many Argon2 computations a server runs at once. Each takes 7 MiB and about 20 ms of a
/// core, so a burst of sign-ins queues here rather than taking memory in proportion to its
/// size (a hundred at once would be 700 MB). One at a time still serves about 50 sign-ins a
/// second, many times a province's busiest hour (15,000 schools' reporters signing in within
/// the hour: 4 a second); two at once would put both computations' memory on the server's
/// peak when the benchmark's reporters sign in (docs/benchmarks.md).
const AT_ONCE: usize = 1;
static TURNS: Semaphore = Semaphore::const_new(AT_ONCE);

/// [`hash`] for a request: on the blocking pool, so the runtime's workers go on answering
/// other requests meanwhile, and in turn (at most [`AT_ONCE`] at a time).
pub async fn hash_in_turn(password: &str) -> String {
    let password = password.to_owned();
    in_turn(move || hash(&password)).await.unwrap_or_default()
}

/// [`verify`] for a request, as [`hash_in_turn`].
pub async fn verify_in_turn(password: &str, stored: &str) -> bool {
    let (password, stored) = (password.to_owned(), stored.to_owned());
    in_turn(move || verify(&password, &stored)).await.unwrap_or(false)
}

/// The time of a [`verify_in_turn`] against a hash no password matches, for a sign-in under a
/// name that does not exist: it then takes as long as one under a real name, so the time
/// does not tell which names exist. (Hashing a fresh password here instead would take twice
/// as long as a real check and tell exactly that.)
pub async fn spend_a_check(password: &str) {
    static NO_ONES: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| hash("no one's password"));
    let password = password.to_owned();
    in_turn(move || verify(&password, &NO_ONES)).await;
}

/// `None` only if the computation panicked (it does not on any input) or the semaphore was
/// closed (it never is). The turn goes with the computation, not with the caller: a request
/// given up half-way (the client went away) still holds it until its Argon2 has finished.
async fn in_turn<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let turn = TURNS.acquire().await.ok()?;
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        work()
    })
    .await
    .ok()
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
    use super::{check_policy, hash, hash_in_turn, in_turn, is_current, verify, verify_in_turn};
    use std::sync::mpsc;
    use std::time::Duration;

    /// A sign-in whose client went away half-way must not let the next Argon2 start beside
    /// its own, still running: that is how a flood of abandoned requests would get round the
    /// limit.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_check_given_up_keeps_its_turn_until_it_has_finished() {
        let (started, has_started) = mpsc::channel();
        let (finish, may_finish) = mpsc::channel::<()>();
        let abandoned = tokio::spawn(in_turn(move || {
            started.send(()).unwrap();
            may_finish.recv().unwrap();
        }));
        tokio::task::spawn_blocking(move || has_started.recv().unwrap()).await.unwrap();
        abandoned.abort();
        assert!(abandoned.await.unwrap_err().is_cancelled());

        let next = tokio::spawn(verify_in_turn("Duban@2024", "not a hash"));
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!next.is_finished(), "the next check waits for the abandoned one's computation");
        finish.send(()).unwrap();
        assert!(!next.await.unwrap());
    }

    /// New hashes are Argon2id at 7 MiB and five passes; a hash of the earlier settings (the
    /// crate's default, 19 MiB and two passes) still verifies and is known to be old.
    #[test]
    fn new_hashes_take_7_mib_and_older_ones_still_verify() {
        let new = hash("Duban@2024");
        assert!(new.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "{new}");
        assert!(is_current(&new) && verify("Duban@2024", &new) && !verify("Duban@2025", &new));
        use argon2::password_hash::PasswordHasher;
        let old = argon2::Argon2::default().hash_password(b"Duban@2024").expect("hashes").to_string();
        assert!(old.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{old}");
        assert!(!is_current(&old) && verify("Duban@2024", &old) && !verify("Duban@2025", &old));
        assert!(!is_current("not a hash") && !is_current(""));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_checks_at_once_all_get_their_answer() {
        let stored = hash_in_turn("Duban@2024").await;
        let checks = (0..6).map(|i| {
            let stored = stored.clone();
            tokio::spawn(async move {
                let given = if i % 2 == 0 { "Duban@2024" } else { "Duban@2025" };
                verify_in_turn(given, &stored).await
            })
        });
        let mut answers = Vec::new();
        for check in checks {
            answers.push(check.await.unwrap());
        }
        assert_eq!(answers, [true, false, true, false, true, false]);
        assert!(!verify_in_turn("Duban@2024", "not a hash").await);
    }

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
