//! Settings from the script tag or window.ChasitorConfig, validated.
