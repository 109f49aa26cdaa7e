//! Diagnostics of a log against a target policy.
