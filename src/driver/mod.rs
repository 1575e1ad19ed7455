//! Browser IO around the engine: fetch, timers, sessionStorage, tab lock. Nothing else in the crate
//! touches them.

pub mod storage;
