//! DeleteUser, DeactivateUser, ReactivateUser, LockUser, UnlockUser.

use mailroom_core::permissions::Caller;
use mailroom_core::user_state::StateChange;
use mailroom_core::{Error, Mailroom};

use super::*;
use mailroom_core::model::Details;

pub async fn delete_user(
    m: &Mailroom,
    caller: &Caller,
    path_user: Option<String>,
    r: UserIdRequest,
) -> Result<Details, Error> {
    let user_id = user_id_field("DeleteUserRequest", path_user, r.user_id)?;
    m.delete_user(caller, user_id).await
}

pub async fn change_state(
    m: &Mailroom,
    caller: &Caller,
    path_user: Option<String>,
    r: UserIdRequest,
    to: StateChange,
) -> Result<Details, Error> {
    let message = match to {
        StateChange::Deactivate => "DeactivateUserRequest",
        StateChange::Reactivate => "ReactivateUserRequest",
        StateChange::Lock => "LockUserRequest",
        StateChange::Unlock => "UnlockUserRequest",
    };
    let user_id = user_id_field(message, path_user, r.user_id)?;
    m.change_user_state(caller, user_id, to).await
}
