//! Unit tests of the validator rules.
