//! The national county assessments computed from school data (domain.md §4):
//!
//! - [`balance`]: 县域义务教育优质均衡 (2017 办法), resource allocation — the seven indicators
//!   per school and stage, schools meeting the standard, the student-weighted 差异系数
//!   ([`cv`]) of each indicator, the county's verdict and the gap to pass;
//! - [`preschool`]: 县域学前教育普及普惠 (2020 办法) — 公办园在园幼儿占比, 普惠性幼儿园覆盖率
//!   and 学前三年毛入园率 per county and for the city, against the national thresholds and
//!   the plan's own targets;
//! - [`input`]: the rows of an xlsx or csv file (UTF-8 or GBK), every bad row named.
//!
//! Pure: bytes and rows in, serialisable results out; no files, clock or storage. Standards
//! are data with the national defaults ([`BalanceStandard`], [`PreschoolStandard`]).

pub mod balance;
pub mod cv;
pub mod input;
pub mod preschool;

pub use balance::{BalanceReport, BalanceStandard, Indicator, School, Stage, StageStandard, Thresholds};
pub use cv::{Sample, coefficient_of_variation};
pub use input::{
    InputErrors, Partial, RowError, read_kindergartens, read_kindergartens_partial, read_population,
    read_population_partial, read_schools, read_schools_partial,
};
pub use preschool::{Kindergarten, Ownership, Population, PreschoolReport, PreschoolStandard};
