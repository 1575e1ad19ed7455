//! What the core is told at start: the deployment, the site owner's choices and the browser
//! ([`Settings`]), and the debouncers' and the hand-over's timings.

use crate::live_agent::engine::EngineConfig;
#[cfg(feature = "miaw")]
use crate::miaw::engine as miaw;

/// The visitor counts as typing until this long after the last keystroke.
pub const TYPING_IDLE_MS: u64 = 2_000;
/// How long the visitor's typing must pause before the sneak peek goes.
pub const SNEAK_PEEK_DEBOUNCE_MS: u64 = 300;
/// How long a tab that gives the chat away waits after aborting its poll before the other tab
/// may poll: time for the server to see the aborted connection close.
pub const HANDOVER_PAUSE_MS: u64 = 150;

/// What the core needs to know about the deployment, the site owner's choices and the browser.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// The Chat API endpoint (a saved chat of another endpoint is not resumed).
    pub endpoint: String,
    /// The Live Agent engine's settings; for Enhanced Chat, the org id, the developer name as
    /// the deployment and no button (what a saved chat is matched against).
    pub engine: EngineConfig,
    /// Enhanced Chat: its engine's settings (none: Live Agent).
    #[cfg(feature = "miaw")]
    pub miaw: Option<miaw::Config>,
    /// The site owner allows sneak peeks.
    pub sneak_peek: bool,
    /// The new-message sound is on.
    pub sound: bool,
    /// Enhanced Chat: the chat is kept beyond the tab (localStorage): a saved chat whose access
    /// token has expired is not resumed.
    #[cfg(feature = "miaw")]
    pub persist: bool,
    /// The browser has Web Locks.
    pub web_locks: bool,
    /// This page's random id among the tabs.
    pub tab_id: String,
    /// The page's URL now (breadcrumbs go when it changes).
    pub url: String,
}

impl Settings {
    /// The chat is Live Agent's, with its availability API (`Visitor/Availability`) and custom
    /// events; Enhanced Chat has neither.
    pub(super) fn is_live_agent(&self) -> bool {
        #[cfg(feature = "miaw")]
        return self.miaw.is_none();
        #[cfg(not(feature = "miaw"))]
        true
    }
}
