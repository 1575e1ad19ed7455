//! The API the widget speaks (`api`, or inferred from `es-developer-name`) and that API's own
//! settings, checked: Live Agent's `endpoint`, `deployment-id`, `button-id` and `api-version`,
//! Enhanced Chat's `scrt-url` and `es-developer-name`, and the `org-id` both need.

use super::{keyword, ConfigError};

/// The API version sent as `X-LIVEAGENT-API-VERSION` unless `data-api-version` says otherwise.
pub const DEFAULT_API_VERSION: &str = "56";

/// Which Salesforce chat API the widget speaks (`data-api`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// Legacy Chat, the Live Agent REST API (`data-endpoint`, `data-deployment-id`,
    /// `data-button-id`).
    LiveAgent,
    /// Enhanced Chat, Messaging for In-App and Web (`data-scrt-url`, `data-es-developer-name`).
    Miaw,
}

/// The settings of the API the widget speaks (the other API's are empty).
pub(super) struct ApiSettings {
    pub(super) api: Api,
    pub(super) endpoint: String,
    pub(super) org_id: String,
    pub(super) deployment_id: String,
    pub(super) button_id: String,
    pub(super) es_developer_name: String,
    pub(super) api_version: String,
}

/// Which API, and its settings: every one given is checked, whichever API it belongs to; then
/// the API's own ones must be there.
pub(super) fn read<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<ApiSettings, ConfigError> {
    let inferred = if get("es-developer-name").is_some() {
        Api::Miaw
    } else {
        Api::LiveAgent
    };
    let api = keyword(
        "api",
        get("api"),
        &[("liveagent", Api::LiveAgent), ("miaw", Api::Miaw)],
        inferred,
    )?;
    #[cfg(not(feature = "miaw"))]
    if api == Api::Miaw {
        return Err(ConfigError::new(
            "api",
            "is \"miaw\" (Enhanced Chat), but this build of the widget speaks Live Agent only: load the build with Enhanced Chat",
        ));
    }
    #[cfg(not(feature = "live-agent"))]
    if api == Api::LiveAgent {
        return Err(ConfigError::new(
            "api",
            "is Live Agent (no data-es-developer-name), but this build of the widget speaks Enhanced Chat only: load the build with Live Agent",
        ));
    }
    let checked =
        |setting, check: fn(&'static str, Option<&str>) -> Result<String, ConfigError>| {
            get(setting).map(|v| check(setting, Some(v))).transpose()
        };
    let given = [
        checked("endpoint", endpoint)?,
        checked("deployment-id", id)?,
        checked("button-id", id)?,
        checked("scrt-url", endpoint)?,
        checked("es-developer-name", developer_name)?,
    ];
    let org_id = id("org-id", get("org-id"))?;
    let [la_endpoint, deployment_id, button_id, scrt_url, es_developer_name] = given;
    // A value checked above, or the check's "is missing" error.
    let need =
        |setting,
         value: Option<String>,
         check: fn(&'static str, Option<&str>) -> Result<String, ConfigError>| {
            value.map_or_else(|| check(setting, None), Ok)
        };
    let (endpoint, deployment_id, button_id, es_developer_name) = match api {
        Api::LiveAgent => (
            need("endpoint", la_endpoint, endpoint)?,
            need("deployment-id", deployment_id, id)?,
            need("button-id", button_id, id)?,
            String::new(),
        ),
        Api::Miaw => (
            need("scrt-url", scrt_url, endpoint)?,
            String::new(),
            String::new(),
            need("es-developer-name", es_developer_name, developer_name)?,
        ),
    };

    let api_version = match get("api-version") {
        None => DEFAULT_API_VERSION.to_string(),
        Some(v) if !v.is_empty() && v.len() <= 4 && v.chars().all(|c| c.is_ascii_digit()) => {
            v.to_string()
        }
        Some(v) => {
            return Err(ConfigError::new(
                "api-version",
                format!("is {v:?}: give the API version as a number such as \"56\""),
            ))
        }
    };
    Ok(ApiSettings {
        api,
        endpoint,
        org_id,
        deployment_id,
        button_id,
        es_developer_name,
        api_version,
    })
}

/// The API's base URL: `endpoint` (Live Agent) or `scrt-url` (Enhanced Chat).
fn endpoint(setting: &'static str, value: Option<&str>) -> Result<String, ConfigError> {
    let example = if setting == "endpoint" {
        "\"https://example.com/chat/rest\" or \"/chat/rest\""
    } else {
        "\"https://yourorg.my.salesforce-scrt.com\""
    };
    let Some(v) = value else {
        return Err(ConfigError::new(
            setting,
            if setting == "endpoint" {
                "is missing: set it on the script tag to your Chat API endpoint, e.g. \"/chat/rest\""
            } else {
                "is missing: set it on the script tag to your deployment's SCRT2 URL (Setup → Embedded Service Deployments), e.g. \"https://yourorg.my.salesforce-scrt.com\""
            },
        ));
    };
    let bad = |why: &str| {
        Err(ConfigError::new(
            setting,
            format!(
                "is {v:?}: {why}; use an http(s) URL or a path starting with \"/\", e.g. {example}"
            ),
        ))
    };
    if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("it contains spaces");
    }
    if v.contains('?') || v.contains('#') {
        return bad("it has a query or fragment");
    }
    let lower = v.to_ascii_lowercase();
    let rest = if let Some(r) = lower.strip_prefix("https://") {
        Some(r)
    } else {
        lower.strip_prefix("http://")
    };
    match rest {
        Some(r) => {
            let host = r.split('/').next().unwrap_or_default();
            if host.is_empty() {
                return bad("it has no host");
            }
        }
        None => {
            if !v.starts_with('/') {
                return bad("it is neither an http(s) URL nor a path");
            }
        }
    }
    let trimmed = v.trim_end_matches('/');
    Ok(if trimmed.is_empty() {
        String::new()
    } else {
        trimmed.to_string()
    })
}

fn id(setting: &'static str, value: Option<&str>) -> Result<String, ConfigError> {
    match value {
        None => Err(ConfigError::new(
            setting,
            "is missing: set it on the script tag",
        )),
        Some(v) if v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric()) => {
            Ok(v.to_string())
        }
        Some(v) => Err(ConfigError::new(
            setting,
            format!("is {v:?}: it must be a Salesforce id, letters and digits only"),
        )),
    }
}

/// An Embedded Service deployment's API name: letters, digits and underscores.
fn developer_name(setting: &'static str, value: Option<&str>) -> Result<String, ConfigError> {
    const S: &str = "es-developer-name";
    debug_assert_eq!(setting, S);
    match value {
        None => Err(ConfigError::new(
            S,
            "is missing: set it to your Custom Client deployment's API name (Setup → Embedded Service Deployments)",
        )),
        Some(v)
            if v.len() <= 80
                && v.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            Ok(v.to_string())
        }
        Some(v) => Err(ConfigError::new(
            S,
            format!("is {v:?}: it must be the deployment's API name, letters, digits and underscores, e.g. \"Chat_Demo\""),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{base, error, with};
    use super::super::Config;
    use super::*;

    #[test]
    fn ids_must_be_alphanumeric() {
        let e = error(&with(&[("data-deployment-id", "572-000")]));
        assert_eq!(e.setting, "deployment-id");
        assert!(e.to_string().contains("letters and digits"), "{e}");
        let e = error(&with(&[("orgId", "00D<script>")]));
        assert_eq!(e.setting, "org-id");
    }

    #[test]
    fn the_endpoint_is_an_http_url_or_a_path() {
        for good in [
            "/chat/rest",
            "http://localhost:8470/chat/rest",
            "HTTPS://x.example/chat/rest/",
        ] {
            assert!(
                Config::from_pairs(&with(&[("endpoint", good)]), None).is_ok(),
                "{good}"
            );
        }
        for bad in [
            "chat/rest",
            "ftp://x/chat",
            "javascript:alert(1)",
            "https:///chat",
            "/chat rest",
            "/chat/rest?x=1",
        ] {
            let e = error(&with(&[("endpoint", bad)]));
            assert_eq!(e.setting, "endpoint", "{bad}");
            assert!(
                e.to_string().starts_with("chasitor: data-endpoint is"),
                "{e}"
            );
        }
    }

    #[test]
    fn enhanced_chat_needs_its_own_settings_and_is_inferred_from_the_developer_name() {
        let miaw = [
            ("data-scrt-url", "https://acme.my.salesforce-scrt.com/"),
            ("data-org-id", "00D000000000001"),
            ("data-es-developer-name", "Chasitor_Demo"),
        ];
        let c = Config::from_pairs(&miaw, None).unwrap();
        assert_eq!(c.api, Api::Miaw);
        assert_eq!(c.endpoint, "https://acme.my.salesforce-scrt.com");
        assert_eq!(c.es_developer_name, "Chasitor_Demo");
        assert_eq!((c.deployment_id.as_str(), c.button_id.as_str()), ("", ""));
        // A path on the page's origin works too (a relay, or the simulator).
        let c = Config::from_pairs(
            &[
                ("scrt-url", "/"),
                ("org-id", "00D1"),
                ("api", "MIAW"),
                ("es-developer-name", "X"),
            ],
            None,
        )
        .unwrap();
        assert_eq!((c.api, c.endpoint.as_str()), (Api::Miaw, ""));
        // Each one missing is named.
        for missing in ["data-scrt-url", "data-org-id"] {
            let pairs: Vec<_> = miaw
                .iter()
                .filter(|(n, _)| *n != missing)
                .copied()
                .collect();
            let e = Config::from_pairs(&pairs, None).unwrap_err();
            assert_eq!(e.attribute(), missing);
            assert!(e.to_string().contains("is missing"), "{e}");
        }
        let e = Config::from_pairs(
            &[
                ("api", "miaw"),
                ("scrt-url", "https://x.example"),
                ("org-id", "00D1"),
            ],
            None,
        )
        .unwrap_err();
        assert_eq!(e.setting, "es-developer-name");
        assert!(e.to_string().contains("API name"), "{e}");
        // Live Agent settings are not needed for Enhanced Chat, and the other way round; an
        // explicit data-api wins over the inference.
        let mut la = base();
        la.push(("data-es-developer-name".into(), "Chasitor_Demo".into()));
        assert_eq!(
            Config::from_pairs(&la, None).unwrap_err().setting,
            "scrt-url"
        );
        la.push(("data-api".into(), "liveagent".into()));
        assert_eq!(Config::from_pairs(&la, None).unwrap().api, Api::LiveAgent);
    }
}
