//! Generic helpers for the SQL every module writes: multi-row INSERTs and the check a
//! conditional change makes. A leaf: it uses no other module of the store, so any may use it.

use crate::{Result, StoreError};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A value a column is read as, by either driver.
pub(crate) trait Column:
    for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + rusqlite::types::FromSql
{
}
impl<T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + rusqlite::types::FromSql> Column for T {}

/// A row's columns, whichever driver read it: the pool's rows (sqlx) and the rows read on
/// the calling thread on SQLite (rusqlite, see `crate::direct_read`) are decoded by the same
/// functions. A column missing or of another type is a mistake in the statement, not in the
/// data: it panics, as sqlx's `Row::get` does.
pub(crate) trait Columns {
    fn column<T: Column>(&self, name: &str) -> T;
    fn column_at<T: Column>(&self, index: usize) -> T;
}

impl Columns for sqlx::any::AnyRow {
    fn column<T: Column>(&self, name: &str) -> T {
        sqlx::Row::get(self, name)
    }
    fn column_at<T: Column>(&self, index: usize) -> T {
        sqlx::Row::get(self, index)
    }
}

impl Columns for rusqlite::Row<'_> {
    fn column<T: Column>(&self, name: &str) -> T {
        self.get(name).unwrap_or_else(|e| panic!("column {name}: {e}"))
    }
    fn column_at<T: Column>(&self, index: usize) -> T {
        self.get(index).unwrap_or_else(|e| panic!("column {index}: {e}"))
    }
}

/// The positions of a statement's columns by name, found once: rusqlite finds a column by
/// name by comparing it with each column's name in turn (ignoring case), which for the
/// report read's thirty columns was 7.5% of the server's samples in its profile.
pub(crate) fn column_positions(statement: &rusqlite::Statement<'_>) -> std::collections::HashMap<String, usize> {
    statement.column_names().into_iter().enumerate().map(|(i, name)| (name.to_string(), i)).collect()
}

/// A rusqlite row read by the positions [`column_positions`] found for its statement.
pub(crate) struct PositionedRow<'a> {
    pub row: &'a rusqlite::Row<'a>,
    pub positions: &'a std::collections::HashMap<String, usize>,
}

impl Columns for PositionedRow<'_> {
    fn column<T: Column>(&self, name: &str) -> T {
        match self.positions.get(name) {
            Some(&i) => self.row.column_at(i),
            None => panic!("column {name}: not in the statement"),
        }
    }
    fn column_at<T: Column>(&self, index: usize) -> T {
        self.row.column_at(index)
    }
}

/// Parameters per multi-row INSERT. Fewer statements save round trips through the driver,
/// but not without limit: sqlx-sqlite looks each parameter's name up by index, and SQLite
/// finds a name by walking the statement's list of names, so binding costs grow with the
/// square of the parameters in a statement (at 2,000 a statement, 70% of a province's load
/// went there, by perf). A few hundred keeps both costs small.
const PARAMS_PER_STATEMENT: usize = 240;

/// Rows per statement for rows of `width` parameters.
pub(crate) const fn rows_per_statement(width: usize) -> usize {
    PARAMS_PER_STATEMENT / width
}

/// Builds "($1, $2, …), ($n, …)" for `rows` rows of `width` parameters.
pub(crate) fn placeholders(rows: usize, width: usize) -> String {
    let mut s = String::with_capacity(rows * width * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..width {
            if c > 0 {
                s.push_str(", ");
            }
            s.push('$');
            s.push_str(&(r * width + c + 1).to_string());
        }
        s.push(')');
    }
    s
}

/// Builds "$first, $first+1, …" for `n` parameters: a list for `IN (…)`.
pub(crate) fn parameter_list(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// The one check every conditional state change makes: its `UPDATE … WHERE state = <read>
/// AND version = <read>` changed exactly the row it read, or the row was changed in between
/// and the caller lost the race (409, with `why` for the user).
pub(crate) fn expect_one(rows_affected: u64, why: &str) -> Result<()> {
    if rows_affected == 1 { Ok(()) } else { Err(StoreError::Conflict(why.to_string())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_rows_in_order() {
        assert_eq!(placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(placeholders(0, 3), "");
        assert_eq!(parameter_list(3, 2), "$3, $4");
        assert_eq!(parameter_list(1, 0), "");
        assert!(rows_per_statement(11) * 11 <= PARAMS_PER_STATEMENT);
    }
}
