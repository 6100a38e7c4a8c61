//! `rest_op!`: one REST operation, its OpenAPI entry and its axum handler, from one
//! row. Every REST handler does the same four things — authenticate the caller, take
//! its inputs, call the method function that Connect and gRPC call too, answer JSON —
//! so they are written once, here, and each operation names only what is its own:
//!
//! ```text
//! rest_op!(post "/v2/users/{userId}/email", "User Service v2", "SetEmail: …",
//!     set_email(user: user, body: body) (SetEmailRequest) -> CodeResponse =
//!     |m, caller| CodeResponse::from(super::set_email(&m, &caller, Some(user), body.parse()?).await?));
//! ```
//!
//! Inputs, in the order the handler takes them (the body last): `user` (the path's
//! `userId`), `user_and_token` (`userId` and `tokenId`), `org` (the v1 org header
//! `x-zitadel-orgid`), `body` (the raw body, parsed by the call so that its errors
//! have the documented shape). The optional `(Request)` is the body's OpenAPI schema.

macro_rules! rest_op {
    // Each input adds its OpenAPI parameter and its extractor.
    (@in [$($p:tt)*] [$($x:tt)*] [$id:ident: user $(, $($more:tt)*)?] $($rest:tt)*) => {
        $crate::api::rest_op::rest_op!(@in
            [$($p)* ("userId" = String, Path, description = "The user's id"),]
            [$($x)* axum::extract::Path($id): axum::extract::Path<String>,]
            [$($($more)*)?] $($rest)*);
    };
    (@in [$($p:tt)*] [$($x:tt)*] [$id:ident: user_and_token $(, $($more:tt)*)?] $($rest:tt)*) => {
        $crate::api::rest_op::rest_op!(@in
            [$($p)* ("userId" = String, Path, description = "The user's id"),
                ("tokenId" = String, Path, description = "The token's id"),]
            [$($x)* axum::extract::Path($id): axum::extract::Path<(String, String)>,]
            [$($($more)*)?] $($rest)*);
    };
    (@in [$($p:tt)*] [$($x:tt)*] [$id:ident: org $(, $($more:tt)*)?] $($rest:tt)*) => {
        $crate::api::rest_op::rest_op!(@in
            [$($p)* ("x-zitadel-orgid" = Option<String>, Header,
                description = "The org to act in; default: the caller's own"),]
            [$($x)* $crate::api::auth::OrgHeader($id): $crate::api::auth::OrgHeader,]
            [$($($more)*)?] $($rest)*);
    };
    (@in [$($p:tt)*] [$($x:tt)*] [$id:ident: body] $($rest:tt)*) => {
        $crate::api::rest_op::rest_op!(@in [$($p)*] [$($x)* $id: $crate::api::body::RawBody,] [] $($rest)*);
    };
    // All inputs taken: the entry and the handler.
    (@in [$($p:tt)*] [$($x:tt)*] []
        $method:ident $path:literal, $tag:literal, $summary:literal,
        $name:ident $(($req:ty))? -> $resp:ty = |$m:ident, $caller:ident| $call:expr) => {
        #[utoipa::path($method, path = $path, tag = $tag, summary = $summary, params($($p)*),
            $(request_body = $req,)?
            responses((status = 200, body = $resp), crate::api::error::StandardErrors))]
        pub async fn $name(
            axum::extract::State($m): axum::extract::State<mailroom_core::Mailroom>,
            $crate::api::auth::RestCaller($caller): $crate::api::auth::RestCaller,
            $($x)*
        ) -> Result<axum::Json<$resp>, $crate::api::error::RestError> {
            Ok(axum::Json($call))
        }
    };
    ($method:ident $path:literal, $tag:literal, $summary:literal, $name:ident($($inputs:tt)*) $($rest:tt)*) => {
        $crate::api::rest_op::rest_op!(@in [] [] [$($inputs)*] $method $path, $tag, $summary, $name $($rest)*);
    };
}
pub(crate) use rest_op;
