//! The new-message sound: a short two-tone beep through WebAudio (no sound file).

use super::js::{call, get};
use leptos::prelude::set_timeout_with_handle;
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};

/// A short two-tone beep through WebAudio (no sound file). Silent where WebAudio is missing or
/// not allowed yet.
pub fn beep() {
    let global = js_sys::global();
    let Ok(ctor) = get(&global, "AudioContext").dyn_into::<js_sys::Function>() else {
        return;
    };
    let Ok(ctx) = js_sys::Reflect::construct(&ctor, &js_sys::Array::new()) else {
        return;
    };
    let play = || -> Result<(), JsValue> {
        let now = get(&ctx, "currentTime").as_f64().unwrap_or(0.0);
        let osc = call(&ctx, "createOscillator", &[])?;
        let gain = call(&ctx, "createGain", &[])?;
        let g = get(&gain, "gain");
        call(&g, "setValueAtTime", &[0.0001.into(), now.into()])?;
        call(
            &g,
            "exponentialRampToValueAtTime",
            &[0.15.into(), (now + 0.02).into()],
        )?;
        call(
            &g,
            "exponentialRampToValueAtTime",
            &[0.0001.into(), (now + 0.35).into()],
        )?;
        let f = get(&osc, "frequency");
        call(&f, "setValueAtTime", &[880.0.into(), now.into()])?;
        call(&f, "setValueAtTime", &[660.0.into(), (now + 0.15).into()])?;
        call(&osc, "connect", std::slice::from_ref(&gain))?;
        call(&gain, "connect", &[get(&ctx, "destination")])?;
        call(&osc, "start", &[now.into()])?;
        call(&osc, "stop", &[(now + 0.4).into()])?;
        Ok(())
    };
    let _ = play();
    // Free the audio context once the beep is over.
    let ctx2 = ctx.clone();
    let _ = set_timeout_with_handle(
        move || {
            let _ = call(&ctx2, "close", &[]);
        },
        Duration::from_millis(1_000),
    );
}
