//! Management API v1 (REST, org context from `x-zitadel-orgid`), SPEC §3.1: a file
//! per operation. (PATs: `api/pats.rs`.)

mod email;
mod initialization;
mod orgs;
mod users;

pub use email::*;
pub use initialization::*;
pub use orgs::*;
pub use users::*;

use mailroom_core::change_email::Verification;
use mailroom_core::verification::CodeDelivery;

/// v1's `isEmailVerified`: verified at once, or a code by mail with the default link.
pub(crate) fn v1_verification(is_verified: bool) -> Verification {
    if is_verified {
        Verification::Verified
    } else {
        Verification::Code(CodeDelivery::Mail { url_template: None })
    }
}
