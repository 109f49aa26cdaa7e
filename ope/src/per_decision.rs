//! Per-decision estimators.
