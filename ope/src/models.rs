//! Reward and value models fitted on a log.
