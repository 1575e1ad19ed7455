//! Browser IO: fetch, timers, sessionStorage, tab lock.
