//! The first screens: 工作台 (`home_pages.rs`) and the 驾驶舱 dashboard (`api.rs`, `pages.rs`).

pub mod api;
pub mod home_pages;
pub mod pages;
