//! Leptos components. They read signals and send intents; they never build HTTP requests.

mod app;
mod mount;

pub use app::App;
pub use mount::{mount_in_shadow, WIDGET_CSS};
