//! duban's rules, free of I/O, clocks and storage so they can be tested exhaustively:
//! reporting periods, pace (序时进度), progress towards a target, ratio roll-up, and status
//! (已完成 / 超序时 / 序时推进 / 滞后 / 未启动 / 逾期). "Today" is always a parameter. Every
//! figure a user sees is computed by one function here.

pub mod bulletin;
pub mod csv_file;
pub mod pace;
pub mod period;
pub mod ratio;
pub mod rectification;
pub mod scoring;
pub mod status;
pub mod target;
pub mod time;
pub mod visibility;
pub mod words;

pub use pace::{linear_pace, milestone_pace};
pub use period::{Period, PeriodError};
pub use ratio::Ratio;
pub use status::{
    Assessment, AssignmentFacts, Colour, Milestone, Status, StatusCounts, TargetFact, Thresholds, assess, roll_up,
};
pub use target::{
    Comparator, TargetSpec, expected_value, is_count_unit, progress, reached, target_pace, validate_value,
};
