//! End-to-end tests of `docread::extract`: every input is generated here (docx and other
//! zips with the `zip` crate, xlsx with `rust_xlsxwriter`, GBK text with `encoding_rs`), so
//! no binary fixture is checked in.

mod support;

mod csv;
mod detection;
mod docx;
mod fuzz;
mod html;
mod texttable;
mod txt;
mod xlsx;
