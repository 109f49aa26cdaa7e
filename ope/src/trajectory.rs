//! Per-trajectory estimators.
