//! The front end's files: content-hashed names cached for a year, precompressed
//! copies, and pages that point at the hashed names (server/src/assets.rs).

use crate::helpers::Fetch;
use crate::helpers::{spawn_app_with, Backend};

const BUILD: &str = "mailroom-0123456789abcdef";

/// A site root like scripts/build-site.sh leaves it.
fn built_site() -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(
        site.path().join("assets.env"),
        format!("MAILROOM_ASSETS={BUILD}\n"),
    )
    .unwrap();
    std::fs::write(
        pkg.join(format!("{BUILD}.js")),
        "export function hydrate() {}\n",
    )
    .unwrap();
    std::fs::write(pkg.join(format!("{BUILD}.js.br")), b"brotli bytes").unwrap();
    std::fs::write(pkg.join(format!("{BUILD}.css")), "body {}\n").unwrap();
    std::fs::write(pkg.join("mailroom.css"), "body {}\n").unwrap();
    site
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_files_are_immutable_and_pages_point_at_them() {
    let site = built_site();
    let root = site.path().to_owned();
    let app = spawn_app_with(Backend::Sqlite, move |config| config.site_root = root)
        .await
        .unwrap();

    let page = app.fetch("/login").await;
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("/pkg/{BUILD}.css")), "{html}");
    assert!(html.contains(&format!("/pkg/{BUILD}.js")), "{html}");
    assert!(html.contains(&format!("/pkg/{BUILD}_bg.wasm")), "{html}");
    // Islands: the sign-in form is the page's only hydrated part.
    assert!(html.contains("<leptos-island"), "{html}");

    let script = app.fetch(&format!("/pkg/{BUILD}.js")).await;
    assert_eq!(script.status(), 200);
    assert_eq!(
        script.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );

    let compressed = app
        .client
        .get(app.url(&format!("/pkg/{BUILD}.js")))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.headers()["content-encoding"], "br");
    assert_eq!(compressed.bytes().await.unwrap().as_ref(), b"brotli bytes");

    // A name without the hash may get new content: revalidated.
    let plain = app.fetch("/pkg/mailroom.css").await;
    assert_eq!(plain.status(), 200);
    assert_eq!(
        plain.headers()["cache-control"],
        "public, max-age=300, must-revalidate"
    );

    let missing = app.fetch("/pkg/mailroom-ffffffffffffffff.js").await;
    assert_eq!(missing.status(), 404);
    assert!(missing.headers().get("cache-control").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_build_id_the_plain_names_are_used() {
    let site = tempfile::tempdir().unwrap();
    let root = site.path().to_owned();
    let app = spawn_app_with(Backend::Sqlite, move |config| config.site_root = root)
        .await
        .unwrap();
    let html = app.client.get(app.url("/login")).text_body().await;
    assert!(html.contains("/pkg/mailroom.css"), "{html}");
    assert!(html.contains("/pkg/mailroom_bg.wasm"), "{html}");
}
