//! The optional settings: availability and offline contact, agent-side signals, sound, text
//! direction and the look (accent, font, radius, launcher size, z-index). Pure, like the rest of
//! [`crate::config`].

use super::{keyword, ConfigError};

/// The settings of this module, as on the script tag without `data-`.
pub const OPTION_SETTINGS: [&str; 11] = [
    "sneak-peek",
    "offline-message",
    "contact-url",
    "sound",
    "dir",
    "accent",
    "font",
    "radius",
    "launcher-size",
    "z-index",
    "load",
];

/// Enhanced Chat's own settings (a Live Agent-only build does not know them).
#[cfg(feature = "miaw")]
pub const MIAW_SETTINGS: [&str; 2] = ["user-verification", "persist"];

/// Text direction forced by the site owner (`data-dir`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Ltr,
    Rtl,
}

impl Dir {
    pub fn as_str(&self) -> &'static str {
        match self {
            Dir::Ltr => "ltr",
            Dir::Rtl => "rtl",
        }
    }
}

/// Settings beyond the chat itself, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Send what the visitor types to an agent who has sneak peek on (default true).
    pub sneak_peek: bool,
    /// Replaces the offline text (`offlineText` label) when no agent is available.
    pub offline_message: Option<String>,
    /// A contact page offered when offline: an absolute http(s) URL.
    pub contact_url: Option<String>,
    /// A short beep on a new agent message while the window is hidden (default false).
    pub sound: bool,
    /// `None`: the host page's `dir`, or the language's.
    pub dir: Option<Dir>,
    /// `--chasitor-accent`, a CSS colour.
    pub accent: Option<String>,
    /// `--chasitor-font`, a CSS font-family list.
    pub font: Option<String>,
    /// `--chasitor-radius`, a CSS length such as `12px`.
    pub radius: Option<String>,
    /// The launcher's height in px (40 to 96).
    pub launcher_size: Option<u32>,
    /// The z-index of the launcher and the window.
    pub z_index: Option<i64>,
    /// When the loader fetches the wasm (`data-load`). The loader acts on it; it is checked here
    /// so that a typo is reported like any other setting.
    pub load: Load,
    /// Enhanced Chat: the deployment is for verified customers (`data-user-verification`):
    /// nothing starts before `Chasitor.identify(token)`.
    #[cfg(feature = "miaw")]
    pub user_verification: bool,
    /// Enhanced Chat: the conversation is kept in localStorage for the access token's lifetime
    /// (`data-persist="browser"`), not in this tab's sessionStorage (`"tab"`, the default).
    #[cfg(feature = "miaw")]
    pub persist: bool,
}

/// When the loader (chasitor.js) fetches the widget's wasm; its launcher shows at once either way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Load {
    /// When the page is idle after its load event (or sooner, on intent).
    #[default]
    Idle,
    /// Only when the visitor reaches for the launcher, the page calls the API, or this tab has a
    /// chat to resume: a page whose visitors never chat downloads a few KB.
    Intent,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            sneak_peek: true,
            offline_message: None,
            contact_url: None,
            sound: false,
            dir: None,
            accent: None,
            font: None,
            radius: None,
            launcher_size: None,
            z_index: None,
            load: Load::Idle,
            #[cfg(feature = "miaw")]
            user_verification: false,
            #[cfg(feature = "miaw")]
            persist: false,
        }
    }
}

impl Options {
    /// The CSS custom properties to set on the host element, `(name, value)`.
    pub fn css_properties(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(a) = &self.accent {
            out.push(("--chasitor-accent", a.clone()));
            out.push((
                "--chasitor-accent-hover",
                format!("color-mix(in srgb, {a} 82%, black)"),
            ));
        }
        if let Some(f) = &self.font {
            out.push(("--chasitor-font", f.clone()));
        }
        if let Some(r) = &self.radius {
            out.push(("--chasitor-radius", r.clone()));
        }
        if let Some(s) = self.launcher_size {
            out.push(("--chasitor-launcher-size", format!("{s}px")));
        }
        if let Some(z) = self.z_index {
            out.push(("--chasitor-z", z.to_string()));
        }
        out
    }
}

fn boolean(setting: &'static str, v: Option<&str>, default: bool) -> Result<bool, ConfigError> {
    match v.map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "on" | "yes") => Ok(true),
        Some("false" | "0" | "off" | "no") => Ok(false),
        Some(other) => Err(ConfigError::new(
            setting,
            format!("is {other:?}: use \"true\" or \"false\""),
        )),
    }
}

/// A CSS value that cannot break out of its declaration: no `;`, braces, quotes-escapes,
/// backslashes, `url(` or control characters.
fn css_value(setting: &'static str, v: Option<&str>) -> Result<Option<String>, ConfigError> {
    let Some(v) = v else { return Ok(None) };
    let lower = v.to_ascii_lowercase();
    if v.len() > 200
        || v.chars()
            .any(|c| c.is_control() || matches!(c, ';' | '{' | '}' | '\\' | '<' | '>'))
        || lower.contains("url(")
        || lower.contains("expression(")
    {
        return Err(ConfigError::new(
            setting,
            format!("is {v:?}: give a plain CSS value (no ';', braces, backslashes or url())"),
        ));
    }
    Ok(Some(v.to_string()))
}

/// Whether `v` is an absolute http(s) URL with a host.
pub fn is_http_url(v: &str) -> bool {
    let lower = v.trim().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty()
    }) && !v.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Reads the settings of this module through `get` (trimmed, empty = absent).
pub fn parse<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Options, ConfigError> {
    let contact_url = match get("contact-url") {
        None => None,
        Some(v) if is_http_url(v) => Some(v.to_string()),
        Some(v) => {
            return Err(ConfigError::new(
                "contact-url",
                format!(
                "is {v:?}: give an absolute http(s) URL such as \"https://example.com/contact\""
            ),
            ))
        }
    };
    let dir = keyword(
        "dir",
        get("dir"),
        &[
            ("ltr", Some(Dir::Ltr)),
            ("rtl", Some(Dir::Rtl)),
            ("auto", None),
        ],
        None,
    )?;
    let launcher_size = match get("launcher-size") {
        None => None,
        Some(v) => match v.trim_end_matches("px").parse::<u32>() {
            Ok(n) if (40..=96).contains(&n) => Some(n),
            _ => {
                return Err(ConfigError::new(
                    "launcher-size",
                    format!("is {v:?}: give the launcher's height in px, from 40 to 96"),
                ))
            }
        },
    };
    let z_index = match get("z-index") {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n.abs() <= 2_147_483_647 => Some(n),
            _ => {
                return Err(ConfigError::new(
                    "z-index",
                    format!("is {v:?}: give a whole number"),
                ))
            }
        },
    };
    let load = keyword(
        "load",
        get("load"),
        &[("idle", Load::Idle), ("intent", Load::Intent)],
        Load::Idle,
    )?;
    Ok(Options {
        sneak_peek: boolean("sneak-peek", get("sneak-peek"), true)?,
        offline_message: get("offline-message").map(str::to_string),
        contact_url,
        sound: boolean("sound", get("sound"), false)?,
        dir,
        accent: css_value("accent", get("accent"))?,
        font: css_value("font", get("font"))?,
        radius: css_value("radius", get("radius"))?,
        launcher_size,
        z_index,
        load,
        #[cfg(feature = "miaw")]
        user_verification: boolean("user-verification", get("user-verification"), false)?,
        #[cfg(feature = "miaw")]
        persist: keyword(
            "persist",
            get("persist"),
            &[("tab", false), ("browser", true)],
            false,
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &'static [(&'static str, &'static str)]) -> Result<Options, ConfigError> {
        parse(|name| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v))
    }

    #[test]
    fn defaults() {
        let e = p(&[]).unwrap();
        assert_eq!(e, Options::default());
        assert!(e.sneak_peek && !e.sound);
        assert!(e.css_properties().is_empty());
    }

    #[test]
    fn values_are_read_and_checked() {
        let e = p(&[
            ("sneak-peek", "false"),
            ("sound", "true"),
            ("dir", "RTL"),
            ("accent", "#6b2fbf"),
            ("radius", "4px"),
            ("launcher-size", "64"),
            ("z-index", "10"),
            ("contact-url", "https://example.com/contact"),
            ("offline-message", "Back at 9."),
            ("load", "Intent"),
        ])
        .unwrap();
        assert!(!e.sneak_peek && e.sound);
        assert_eq!(e.load, Load::Intent);
        assert_eq!(e.dir, Some(Dir::Rtl));
        assert_eq!(
            e.contact_url.as_deref(),
            Some("https://example.com/contact")
        );
        assert_eq!(e.offline_message.as_deref(), Some("Back at 9."));
        let props = e.css_properties();
        assert!(props.contains(&("--chasitor-accent", "#6b2fbf".into())));
        assert!(props.contains(&("--chasitor-launcher-size", "64px".into())));
        assert!(props.contains(&("--chasitor-z", "10".into())));

        assert_eq!(p(&[("sound", "maybe")]).unwrap_err().setting, "sound");
        assert_eq!(
            p(&[("contact-url", "javascript:alert(1)")])
                .unwrap_err()
                .setting,
            "contact-url"
        );
        assert_eq!(
            p(&[("contact-url", "//evil.example")]).unwrap_err().setting,
            "contact-url"
        );
        assert_eq!(
            p(&[("accent", "red;} body{display:none")])
                .unwrap_err()
                .setting,
            "accent"
        );
        assert_eq!(
            p(&[("font", "x url(http://a)")]).unwrap_err().setting,
            "font"
        );
        assert_eq!(
            p(&[("launcher-size", "500")]).unwrap_err().setting,
            "launcher-size"
        );
        assert_eq!(p(&[("dir", "up")]).unwrap_err().setting, "dir");
    }

    #[test]
    fn http_urls() {
        assert!(is_http_url("http://a.example/x?y#z"));
        assert!(is_http_url("HTTPS://A.example"));
        assert!(!is_http_url("https://"));
        assert!(!is_http_url("ftp://a.example"));
        assert!(!is_http_url("javascript:alert(1)"));
        assert!(!is_http_url("https://a.example/ x"));
    }
}
