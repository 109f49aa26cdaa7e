//! Context-free multi-armed bandits deciding per user-day.
