//! Idempotency keys: a write retried with the same key is done once.
//!
//! A client that sent a write and got no answer (a broken connection, a killed server, a
//! 503) cannot tell whether the write was done; it retries with the same `Idempotency-Key`.
//! Storing the key only after the write committed leaves a window: a kill between the two
//! lets the retry do the write again (a second 督导 created, a report saved twice). So a key
//! goes through three steps:
//!
//! 1. **claimed** before the write, with a token of this attempt ([`Store::claim_idempotency_key`]);
//! 2. **marked done inside the write's own transaction**: while the write runs under the claim
//!    ([`under_claim`]), every transaction it commits — its own [`crate::WriteTx`] or its job in
//!    a group commit — first sets `committed` on the key's row, on the condition that the row
//!    still carries this attempt's token. The mark and the write commit together or not at all;
//! 3. **answered** after the write ([`Store::answer_claim`]), so a retry gets the first answer.
//!
//! A retry finds the key answered (the answer is given again), done without an answer (the
//! process died between the write's commit and the answer: the write stands and is not
//! repeated), or claimed and not done. A claim not done for [`STALE_CLAIM`] is taken over by the
//! retry with a new token; should the first attempt still be running, its mark no longer finds
//! its token and its write is rolled back. At most one attempt's write ever commits, whatever
//! the timing, on one process or several.

use crate::{Result, Store, StoreError, now};
use sqlx::Row;

/// How long a claim whose write has not committed keeps a retry waiting before the retry
/// takes it over. Long enough for any ordinary write under load; a shorter or longer value
/// changes only how soon a retry proceeds, never how often the write is done.
pub const STALE_CLAIM: chrono::Duration = chrono::Duration::seconds(5);

/// One attempt's hold on a user's idempotency key.
#[derive(Clone, Debug)]
pub struct Claim {
    user_id: i64,
    key: String,
    /// Random, per attempt: the write's transaction marks the key only while it is this.
    token: String,
}

/// What claiming a key found.
#[derive(Debug)]
pub enum KeyUse {
    /// The key is new (or its stale claim was taken over): run the write under this claim.
    Fresh(Claim),
    /// The key was used before, for `request` (a fingerprint the caller compares with its own).
    Earlier { request: String, state: Earlier },
}

/// Where an earlier use of a key stands.
#[derive(Debug, PartialEq, Eq)]
pub enum Earlier {
    /// The write was done and answered: the answer, to give again.
    Answered(String),
    /// The write was done, but its answer was lost (the process stopped in between).
    DoneUnanswered,
    /// The write is running (or its attempt died less than [`STALE_CLAIM`] ago).
    InFlight,
}

tokio::task_local! {
    /// The claim the current request's writes mark (see the module).
    static CLAIM: Claim;
}

/// Runs `write` with its transactions marking `claim` as done when they commit.
pub async fn under_claim<F: std::future::Future>(claim: Claim, write: F) -> F::Output {
    CLAIM.scope(claim, write).await
}

/// The claim the running task's writes mark, if it runs [`under_claim`]. Read on the task that
/// asks for the write: a group commit runs its jobs on a task of its own.
pub(crate) fn current_claim() -> Option<Claim> {
    CLAIM.try_with(Claim::clone).ok()
}

/// Marks `claim`'s key as done, inside the transaction on `conn` that is about to commit the
/// write. Refused (so the transaction is rolled back) when the claim was taken over by a retry.
pub(crate) async fn mark_done(conn: &mut sqlx::AnyConnection, claim: &Claim) -> Result<()> {
    let marked =
        sqlx::query("UPDATE idempotency_keys SET committed = 1 WHERE user_id = $1 AND key = $2 AND claim = $3")
            .bind(claim.user_id)
            .bind(&claim.key)
            .bind(&claim.token)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    if marked == 0 {
        return Err(StoreError::Conflict("同一 Idempotency-Key 的请求已由一次重试接手执行,本次未重复执行".to_string()));
    }
    Ok(())
}

impl Store {
    /// Claims this user's idempotency `key` for `request` (what the caller binds the key to:
    /// method, path and a hash of the body), or says how its earlier use stands.
    pub async fn claim_idempotency_key(&self, user_id: i64, key: &str, request: &str) -> Result<KeyUse> {
        let token = {
            use rand::RngExt;
            let bytes: [u8; 16] = rand::rng().random();
            hex::encode(bytes)
        };
        let claim = Claim { user_id, key: key.to_string(), token };
        let mut tx = self.write_tx().await?;
        // `response` is '' until the answer is stored (the column predates claims and is NOT NULL).
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (user_id, key, request, response, created_at, claim, committed) \
             VALUES ($1, $2, $3, '', $4, $5, 0) ON CONFLICT (user_id, key) DO NOTHING",
        )
        .bind(user_id)
        .bind(key)
        .bind(request)
        .bind(now())
        .bind(&claim.token)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            tx.commit().await?;
            return Ok(KeyUse::Fresh(claim));
        }
        let row = sqlx::query(
            "SELECT request, response, committed, created_at, claim FROM idempotency_keys WHERE user_id = $1 AND key = $2",
        )
        .bind(user_id)
        .bind(key)
        .fetch_one(&mut *tx)
        .await?;
        let (bound, response, committed): (String, String, i64) = (row.get(0), row.get(1), row.get(2));
        let (claimed_at, old_token): (String, String) = (row.get(3), row.get(4));
        let state = if !response.is_empty() {
            Earlier::Answered(response)
        } else if committed != 0 {
            Earlier::DoneUnanswered
        } else {
            Earlier::InFlight
        };
        let stale = chrono::DateTime::parse_from_rfc3339(&claimed_at)
            .map(|at| chrono::Utc::now().signed_duration_since(at) > STALE_CLAIM)
            .unwrap_or(true);
        if state == Earlier::InFlight && stale && bound == request {
            // Taken over only from the token read, and only while not done: of two retries
            // taking over at once, one wins; a mark committing meanwhile makes this find nothing.
            let taken = sqlx::query(
                "UPDATE idempotency_keys SET claim = $1, created_at = $2 \
                 WHERE user_id = $3 AND key = $4 AND claim = $5 AND committed = 0",
            )
            .bind(&claim.token)
            .bind(now())
            .bind(user_id)
            .bind(key)
            .bind(&old_token)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            if taken == 1 {
                return Ok(KeyUse::Fresh(claim));
            }
            return Ok(KeyUse::Earlier { request: bound, state: Earlier::InFlight });
        }
        drop(tx);
        Ok(KeyUse::Earlier { request: bound, state })
    }

    /// Stores the answer to the write made under `claim`, for retries to get again.
    pub async fn answer_claim(&self, claim: &Claim, response: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE idempotency_keys SET response = $1 WHERE user_id = $2 AND key = $3 AND claim = $4")
            .bind(response)
            .bind(claim.user_id)
            .bind(&claim.key)
            .bind(&claim.token)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// Gives up a claim whose write failed and committed nothing, so that a retry runs at once
    /// (a write that committed keeps its key: a retry must not repeat it).
    pub async fn release_claim(&self, claim: &Claim) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND claim = $3 AND committed = 0")
            .bind(claim.user_id)
            .bind(&claim.key)
            .bind(&claim.token)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }
}
