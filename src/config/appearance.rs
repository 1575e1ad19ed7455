//! How the widget looks and speaks: the launcher's side, the theme, the language and the label
//! overrides (`labels`). The rest of the look (accent, font, radius, sizes) is [`super::options`].

use super::ConfigError;
use crate::labels::Labels;
use serde_json::Value;

/// Where the launcher sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    Right,
    Left,
}

impl Position {
    pub fn as_str(&self) -> &'static str {
        match self {
            Position::Right => "right",
            Position::Left => "left",
        }
    }
}

/// The widget's colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
    /// Follows the visitor's system setting (`prefers-color-scheme`).
    Auto,
}

impl Theme {
    pub fn as_str(&self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::Auto => "auto",
        }
    }
}

pub(super) fn is_language_tag(v: &str) -> bool {
    v.len() <= 35
        && v.split(['-', '_']).all(|part| {
            !part.is_empty() && part.len() <= 8 && part.chars().all(|c| c.is_ascii_alphanumeric())
        })
        && v.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

pub(super) fn label_overrides(json: &str, labels: &mut Labels) -> Result<(), ConfigError> {
    const S: &str = "labels";
    let value: Value = serde_json::from_str(json).map_err(|e| {
        ConfigError::new(
            S,
            format!("is not valid JSON ({e}): give a JSON object of labels"),
        )
    })?;
    let Value::Object(map) = value else {
        return Err(ConfigError::new(
            S,
            "is not a JSON object: give labels such as {\"launcher\":\"Talk to us\"}",
        ));
    };
    for (key, v) in map {
        let Value::String(text) = v else {
            return Err(ConfigError::new(
                S,
                format!("label {key:?} must be a string"),
            ));
        };
        if !labels.set(&key, &text) {
            return Err(ConfigError::new(
                S,
                format!(
                    "has an unknown label {key:?}: known labels are {}",
                    Labels::KEYS.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::{base, error, with};
    use super::super::Config;
    use super::*;

    #[test]
    fn enumerations_are_checked() {
        assert_eq!(error(&with(&[("position", "top")])).setting, "position");
        assert_eq!(error(&with(&[("theme", "pink")])).setting, "theme");
        assert_eq!(
            error(&with(&[("api-version", "v56")])).setting,
            "api-version"
        );
        assert_eq!(error(&with(&[("language", "en US")])).setting, "language");
        assert_eq!(
            error(&with(&[("max-message-length", "0")])).setting,
            "max-message-length"
        );
        assert_eq!(
            error(&with(&[("max-message-length", "lots")])).setting,
            "max-message-length"
        );
        let c = Config::from_pairs(
            &with(&[
                ("position", "LEFT"),
                ("theme", "dark"),
                ("language", "de-DE"),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(c.position, Position::Left);
        assert_eq!(c.theme, Theme::Dark);
        assert_eq!(c.language.as_deref(), Some("de-DE"));
    }

    #[test]
    fn labels_can_be_overridden_and_unknown_labels_are_refused() {
        let c =
            Config::from_pairs(&with(&[("labels", r#"{"launcher":"Talk to us"}"#)]), None).unwrap();
        assert_eq!(c.labels.launcher(), "Talk to us");
        let e = error(&with(&[("labels", r#"{"nope":"x"}"#)]));
        assert_eq!(e.setting, "labels");
        assert!(e.to_string().contains("\"nope\""), "{e}");
        assert_eq!(
            error(&with(&[("labels", r#"{"launcher":1}"#)])).setting,
            "labels"
        );
        assert_eq!(error(&with(&[("labels", "[]")])).setting, "labels");
    }

    #[test]
    fn the_browser_language_picks_the_labels_unless_a_language_is_set() {
        let english = Labels::for_language("en");
        let german = Labels::for_language("de-DE");
        assert_ne!(english, german);
        assert_eq!(Config::from_pairs(&base(), None).unwrap().labels, english);
        assert_eq!(
            Config::from_pairs(&base(), Some("de-DE")).unwrap().labels,
            german
        );
        let set = Config::from_pairs(&with(&[("language", "en-GB")]), Some("de-DE")).unwrap();
        assert_eq!(set.labels, english);
        assert_eq!(set.language.as_deref(), Some("en-GB"));
    }
}
