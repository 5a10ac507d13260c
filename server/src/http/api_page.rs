//! `GET /api`: the browsable API page, Swagger UI (npm `swagger-ui-dist`, copied to
//! `web/vendor/` by `scripts/npm-tools.sh`) over this server's `/openapi.json`. Everything it
//! loads comes from this server, so it works offline; without the vendor files the page says
//! how to install them and links the document.

use warp::{Filter, Rejection, Reply};

use super::{with_state, AppState};

/// The Swagger UI files under the web directory.
pub const BUNDLE: &str = "vendor/swagger-ui-bundle.js";
/// Its style sheet.
pub const STYLE: &str = "vendor/swagger-ui.css";

const PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>abjuan API</title>
<link rel="stylesheet" href="/web/vendor/swagger-ui.css">
</head>
<body>
<div id="api"></div>
<script src="/web/vendor/swagger-ui-bundle.js"></script>
<script>
SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#api",
  deepLinking: true,
  validatorUrl: null,
  persistAuthorization: false,
});
</script>
</body>
</html>
"##;

const MISSING: &str = "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
<title>abjuan API</title><h1>abjuan API</h1>\
<p>The API page needs Swagger UI from npm: run <code>bash scripts/npm-tools.sh</code> (it copies \
it to <code>wasm-forms/web/vendor/</code>).</p>\
<p>The document itself: <a href=\"/openapi.json\">/openapi.json</a>.</p></html>";

/// The API page route.
pub fn routes(
    state: AppState,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    warp::path!("api")
        .and(warp::get())
        .and(with_state(state))
        .then(|s: AppState| async move {
            let ready = tokio::fs::metadata(s.web_dir.join(BUNDLE)).await.is_ok()
                && tokio::fs::metadata(s.web_dir.join(STYLE)).await.is_ok();
            warp::reply::html(if ready { PAGE } else { MISSING }).into_response()
        })
}
