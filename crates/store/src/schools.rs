//! School data: the statistics the national assessments and data-bound targets are computed
//! from. Each import is kept as a dated snapshot (the file as uploaded and the rows accepted);
//! a correction is a new import, and the history stays. Targets such as 公办在园幼儿数占比 can
//! be bound to a figure computed from the latest snapshot, so no clerk types them each month.

use crate::{Result, Store, StoreError, now};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// What a school data file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataKind {
    /// Compulsory-education schools (优质均衡).
    Schools,
    /// Kindergartens (普及普惠).
    Kindergartens,
    /// Population aged 3–5 per county.
    Population,
}

impl DataKind {
    pub const ALL: [DataKind; 3] = [DataKind::Schools, DataKind::Kindergartens, DataKind::Population];

    pub fn key(self) -> &'static str {
        match self {
            DataKind::Schools => "schools",
            DataKind::Kindergartens => "kindergartens",
            DataKind::Population => "population",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DataKind::Schools => "义务教育学校数据",
            DataKind::Kindergartens => "幼儿园数据",
            DataKind::Population => "3至5岁人口数据",
        }
    }

    pub fn parse(s: &str) -> Option<DataKind> {
        DataKind::ALL.into_iter().find(|k| k.key() == s)
    }
}

/// source → area (county name, or 全市) → percentage.
pub type BoundFigures = std::collections::HashMap<String, std::collections::HashMap<String, f64>>;

/// The value a bound target takes for a unit: its county's figure for a district (by name),
/// the city's for every other unit.
pub fn bound_value(figures: &BoundFigures, source: &str, unit_name: &str, is_district: bool) -> Option<f64> {
    let by_area = figures.get(source)?;
    if is_district && let Some(v) = by_area.get(unit_name) {
        return Some(*v);
    }
    by_area.get(assess::preschool::CITY).copied()
}

/// One import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    pub id: i64,
    pub kind: DataKind,
    /// The date the statistics describe (统计时点).
    pub as_of: String,
    pub file_name: String,
    pub rows: i64,
    /// Bad rows left out because the importer accepted the valid ones.
    pub skipped: i64,
    pub note: String,
    pub imported_at: String,
}

/// A refused import: every problem, each naming its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub message: String,
    /// Some rows were good: the importer may accept them explicitly.
    pub valid_rows: usize,
}

/// One figure of the indicator library a target can be bound to: a formula over the school
/// data (a ratio of sums), scoped to a stage and evaluated per county and for the city.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub key: String,
    pub label: String,
    pub unit: String,
}

const PRESCHOOL_SOURCES: [(&str, &str); 3] = [
    ("preschool.public_share", "公办园在园幼儿占比"),
    ("preschool.inclusive_share", "普惠性幼儿园覆盖率"),
    ("preschool.gross_enrolment", "学前三年毛入园率"),
];

fn stage_key(stage: assess::Stage) -> &'static str {
    match stage {
        assess::Stage::Primary => "primary",
        assess::Stage::Junior => "junior",
    }
}

/// The indicator library: the preschool shares (as percentages) and, for each compulsory
/// stage, the seven resource indicators (per student or per 100 students).
pub fn sources() -> Vec<Source> {
    let mut out: Vec<Source> = PRESCHOOL_SOURCES
        .iter()
        .map(|(k, l)| Source { key: k.to_string(), label: l.to_string(), unit: "%".into() })
        .collect();
    for stage in assess::Stage::ALL {
        for i in assess::Indicator::ALL {
            out.push(Source {
                key: format!("balance.{}.{}", stage_key(stage), i.index()),
                label: format!("{}{}", stage.label(), i.name()),
                unit: i.value_unit().to_string(),
            });
        }
    }
    out
}

/// The label of a source key, if it is one.
pub fn source_label(key: &str) -> Option<String> {
    sources().into_iter().find(|s| s.key == key).map(|s| s.label)
}

fn parsed_rows(kind: DataKind, bytes: &[u8]) -> std::result::Result<(String, usize, Vec<String>), String> {
    let (json, rows, errors) = match kind {
        DataKind::Schools => {
            let p = assess::read_schools_partial(bytes).map_err(|e| e.to_string())?;
            (serde_json::to_string(&p.rows), p.rows.len(), p.errors)
        }
        DataKind::Kindergartens => {
            let p = assess::read_kindergartens_partial(bytes).map_err(|e| e.to_string())?;
            (serde_json::to_string(&p.rows), p.rows.len(), p.errors)
        }
        DataKind::Population => {
            let p = assess::read_population_partial(bytes).map_err(|e| e.to_string())?;
            (serde_json::to_string(&p.rows), p.rows.len(), p.errors)
        }
    };
    Ok((json.map_err(|e| e.to_string())?, rows, errors.iter().map(ToString::to_string).collect()))
}

impl Store {
    /// Imports a school data file as a new snapshot. A file with bad rows is refused whole,
    /// every bad row named, unless `accept_valid`: then its good rows are kept and the bad
    /// ones counted as skipped.
    pub async fn import_school_data(
        &self,
        kind: DataKind,
        as_of: chrono::NaiveDate,
        file_name: &str,
        bytes: &[u8],
        accept_valid: bool,
        note: &str,
    ) -> Result<std::result::Result<Snapshot, Refused>> {
        let (json, rows, errors) = match parsed_rows(kind, bytes) {
            Ok(x) => x,
            Err(message) => return Ok(Err(Refused { message, valid_rows: 0 })),
        };
        if rows == 0 || (!errors.is_empty() && !accept_valid) {
            let message = format!(
                "{}有 {} 处错误{}:\n{}",
                kind.label(),
                errors.len(),
                if rows > 0 { format!(",另有 {rows} 行有效;可选择只导入有效行") } else { String::new() },
                errors.join("\n")
            );
            return Ok(Err(Refused { message, valid_rows: rows }));
        }
        if note.chars().count() > 500 {
            return Err(StoreError::invalid("note", "说明不能超过 500 字"));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO school_data (kind, as_of, file_name, source, rows_json, rows, skipped, note, imported_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(kind.key())
        .bind(as_of.to_string())
        .bind(file_name)
        .bind(bytes.to_vec())
        .bind(&json)
        .bind(rows as i64)
        .bind(errors.len() as i64)
        .bind(note)
        .bind(now())
        .fetch_one(&self.pool)
        .await?
        .get(0);
        Ok(Ok(self
            .school_data_history(Some(kind))
            .await?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or(StoreError::NotFound)?))
    }

    /// Every snapshot, newest first (of one kind, or all).
    pub async fn school_data_history(&self, kind: Option<DataKind>) -> Result<Vec<Snapshot>> {
        let rows = sqlx::query(
            "SELECT id, kind, as_of, file_name, rows, skipped, note, imported_at FROM school_data \
             WHERE ($1 IS NULL OR kind = $1) ORDER BY as_of DESC, id DESC",
        )
        .bind(kind.map(|k| k.key().to_string()))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(Snapshot {
                    id: r.get(0),
                    kind: DataKind::parse(&r.get::<String, _>(1))?,
                    as_of: r.get(2),
                    file_name: r.get(3),
                    rows: r.get(4),
                    skipped: r.get(5),
                    note: r.get(6),
                    imported_at: r.get(7),
                })
            })
            .collect())
    }

    /// The rows of the latest snapshot of a kind describing a day up to `until` (any day when
    /// `None`).
    async fn latest_rows<T: serde::de::DeserializeOwned>(
        &self,
        kind: DataKind,
        until: Option<chrono::NaiveDate>,
    ) -> Result<Option<Vec<T>>> {
        let row = sqlx::query(
            "SELECT rows_json FROM school_data WHERE kind = $1 AND ($2 IS NULL OR as_of <= $2) \
             ORDER BY as_of DESC, id DESC LIMIT 1",
        )
        .bind(kind.key())
        .bind(until.map(|d| d.to_string()))
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        serde_json::from_str(&r.get::<String, _>(0))
            .map(Some)
            .map_err(|e| StoreError::invalid("school_data", format!("学校数据无法读取:{e}")))
    }

    /// 优质均衡 from the latest school data, `None` before any import.
    pub async fn balance_report(&self) -> Result<Option<assess::BalanceReport>> {
        let Some(schools) = self.latest_rows::<assess::School>(DataKind::Schools, None).await? else { return Ok(None) };
        Ok(Some(assess::balance::assess(&schools, &assess::BalanceStandard::default())))
    }

    /// 普及普惠 from the latest kindergarten and population data (describing a day up to
    /// `until`, when given), `None` before any import.
    pub async fn preschool_report(&self, until: Option<chrono::NaiveDate>) -> Result<Option<assess::PreschoolReport>> {
        let Some(kgs) = self.latest_rows::<assess::Kindergarten>(DataKind::Kindergartens, until).await? else {
            return Ok(None);
        };
        let population = self.latest_rows::<assess::Population>(DataKind::Population, until).await?.unwrap_or_default();
        Ok(Some(assess::preschool::assess(&kgs, &population, &assess::PreschoolStandard::default())))
    }

    /// Binds a target to a figure of the school data (or unbinds it with `None`).
    pub async fn bind_indicator(&self, indicator_id: i64, source: Option<&str>) -> Result<()> {
        if let Some(s) = source
            && source_label(s).is_none()
        {
            return Err(StoreError::invalid("source", format!("数据来源“{s}”无效")));
        }
        let done = sqlx::query("UPDATE indicators SET source = $1 WHERE id = $2")
            .bind(source.map(str::to_string))
            .bind(indicator_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The figures bound targets take from the data describing a day up to `until`: source →
    /// area (county name, or 全市) → percentage, to one decimal as reports give them.
    pub async fn bound_figures(&self, until: chrono::NaiveDate) -> Result<BoundFigures> {
        let mut out = BoundFigures::default();
        if let Some(schools) = self.latest_rows::<assess::School>(DataKind::Schools, Some(until)).await? {
            let mut counties: Vec<&str> = schools.iter().map(|s| s.county.as_str()).collect();
            counties.sort_unstable();
            counties.dedup();
            for stage in assess::Stage::ALL {
                for i in assess::Indicator::ALL {
                    let key = format!("balance.{}.{}", stage_key(stage), i.index());
                    let by_area = out.entry(key).or_default();
                    for area in counties.iter().map(|c| Some(*c)).chain(std::iter::once(None)) {
                        if let Some(v) = assess::balance::pooled(&schools, stage, i, area) {
                            by_area.insert(
                                area.unwrap_or(assess::preschool::CITY).to_string(),
                                (v * 100.0).round() / 100.0,
                            );
                        }
                    }
                }
            }
        }
        let Some(report) = self.preschool_report(Some(until)).await? else { return Ok(out) };
        for area in report.counties.iter().chain(std::iter::once(&report.city)) {
            for (source, value) in [
                ("preschool.public_share", area.public_share),
                ("preschool.inclusive_share", area.inclusive_share),
                ("preschool.gross_enrolment", area.gross_enrolment),
            ] {
                if let Some(v) = value {
                    out.entry(source.to_string()).or_default().insert(area.county.clone(), (v * 1000.0).round() / 10.0);
                }
            }
        }
        Ok(out)
    }
}
