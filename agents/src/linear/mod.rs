//! Linear contextual bandits deciding per user-day.
