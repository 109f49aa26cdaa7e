//! Seeded bootstrap over units.
