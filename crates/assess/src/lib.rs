//! The national county assessments computed from school data.
