//! Every visible string, per language.
