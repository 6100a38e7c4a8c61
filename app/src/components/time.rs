//! Times in the console (SPEC §4): the server writes each moment in UTC, marked as
//! such, so a page without JavaScript is exact; with JavaScript, one island
//! (`LocalTimes`, in the console's frame) rewrites every `<time data-local>` into the
//! browser's time zone once the page is hydrated.

use leptos::prelude::*;

use crate::dto::When;

/// A moment: exact (`3 Dec 2026, 08:17 UTC`), or with `relative` "5 minutes ago" and
/// the exact moment in its `title`.
#[component]
pub fn Time(at: When, #[prop(optional)] relative: bool) -> impl IntoView {
    let exact = exact(&at);
    if relative {
        leptos::either::Either::Left(view! {
            <time datetime=at.iso data-local="ago" title=exact>{at.ago}</time>
        })
    } else {
        leptos::either::Either::Right(
            view! { <time datetime=at.iso data-local="exact">{exact}</time> },
        )
    }
}

/// The exact moment: in UTC on the server; in the browser (an island that renders
/// again there) at once in its time zone.
fn exact(at: &When) -> String {
    #[cfg(feature = "hydrate")]
    if let Some(local) = local_text(&at.iso) {
        return local;
    }
    at.utc.clone()
}

/// Rewrites the page's server-written times into the browser's time zone. Shows
/// nothing; each rewritten `<time>` gets `data-localized`.
#[island]
pub fn LocalTimes() -> impl IntoView {
    Effect::new(|| {
        #[cfg(feature = "hydrate")]
        localize_document();
    });
    view! { <span hidden data-hydrated=crate::components::island::hydrated_marker()></span> }
}

#[cfg(feature = "hydrate")]
fn localize_document() {
    let times = document().get_elements_by_tag_name("time");
    for i in 0..times.length() {
        let Some(time) = times.item(i) else { continue };
        let (Some(mode), Some(iso)) = (
            time.get_attribute("data-local"),
            time.get_attribute("datetime"),
        ) else {
            continue;
        };
        let Some(local) = local_text(&iso) else {
            continue;
        };
        let _ = if mode == "ago" {
            time.set_attribute("title", &local)
        } else {
            time.set_text_content(Some(&local));
            Ok(())
        };
        let _ = time.set_attribute("data-localized", "true");
    }
}

/// `Dec 3, 2026, 5:17 PM GMT+9`, in the browser's language and time zone.
#[cfg(feature = "hydrate")]
fn local_text(iso: &str) -> Option<String> {
    use leptos::wasm_bindgen::JsValue;
    let date = js_sys::Date::new(&JsValue::from_str(iso));
    if date.get_time().is_nan() {
        return None;
    }
    let options = js_sys::Object::new();
    for (key, value) in [
        ("year", "numeric"),
        ("month", "short"),
        ("day", "numeric"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("timeZoneName", "short"),
    ] {
        js_sys::Reflect::set(&options, &key.into(), &value.into()).ok()?;
    }
    Some(date.to_locale_string("default", &options).into())
}
