//! Reading and writing logs in the CSV schema.
