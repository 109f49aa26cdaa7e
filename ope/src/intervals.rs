//! Intervals without resampling.
