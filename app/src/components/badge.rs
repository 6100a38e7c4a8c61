use leptos::prelude::*;

use crate::dto::EmailStatus;

/// Verified / unverified / pending, in words and colour (never colour alone).
#[component]
pub fn EmailBadge(status: EmailStatus) -> impl IntoView {
    let (class, label) = match status {
        EmailStatus::Verified => ("badge badge-verified", "verified"),
        EmailStatus::Unverified => ("badge badge-unverified", "unverified"),
        EmailStatus::Pending => ("badge badge-pending", "pending"),
        EmailStatus::None => ("badge badge-none", "no email"),
    };
    view! { <span class=class data-testid="email-badge">{label}</span> }
}
