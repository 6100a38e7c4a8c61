//! Changing a user's state: v2 `DeleteUser`, `DeactivateUser`, `ReactivateUser`,
//! `LockUser`, `UnlockUser`, and the console's lifecycle actions. A user shut out
//! loses its tokens (announced to every process) and its console sessions.

use serde_json::json;

use crate::change::{event, UserChange};
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::model::{Details, User, UserState};
use crate::permissions::{Caller, Permission};
use crate::service::Mailroom;
use crate::store::Op;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateChange {
    Deactivate,
    Reactivate,
    Lock,
    Unlock,
}

impl Mailroom {
    /// v2 `DeleteUser`
    pub async fn delete_user(&self, caller: &Caller, user_id: UserId) -> Result<Details> {
        self.write_to_user(user_id, |mut turn| async move {
            let user = self.v2_user_for_write(caller, user_id).await?;
            let _owners = self.keep_an_owner(&user).await?;
            let mut change = UserChange::new(user, Some(caller.user_id), self.clock.now());
            change.user_mut().state = UserState::Deleted;
            change.event(event::REMOVED, json!({}));
            let id = change.user().id;
            for kind in [crate::code::CodeKind::Email, crate::code::CodeKind::Init] {
                change.op(Op::DeleteCode { user_id: id, kind });
            }
            let details = turn.commit(change).await?;
            // Deleted or deactivated users lose their tokens at once.
            self.auth_changed().await;
            Ok(details)
        })
        .await
    }

    /// v2 deactivate / reactivate / lock / unlock, with ZITADEL's precondition errors.
    pub async fn change_user_state(
        &self,
        caller: &Caller,
        user_id: UserId,
        to: StateChange,
    ) -> Result<Details> {
        self.write_to_user(user_id, |mut turn| async move {
            let user = self.v2_user_for_write(caller, user_id).await?;
            let (allowed, error, next, event_type) = match to {
                StateChange::Deactivate => (
                    matches!(user.state, UserState::Active | UserState::Locked),
                    if user.state == UserState::Initial {
                        ("COMMAND-ke0fw", "Cannot deactivate a user in state initial")
                    } else {
                        ("COMMAND-5M0sf", "User is already deactivated")
                    },
                    UserState::Inactive,
                    event::DEACTIVATED,
                ),
                StateChange::Reactivate => (
                    user.state == UserState::Inactive,
                    ("COMMAND-6M0sf", "User is not deactivated"),
                    UserState::Active,
                    event::REACTIVATED,
                ),
                StateChange::Lock => (
                    matches!(user.state, UserState::Active | UserState::Initial),
                    ("COMMAND-3NN8v", "User should be active or initial"),
                    UserState::Locked,
                    event::LOCKED,
                ),
                StateChange::Unlock => (
                    user.state == UserState::Locked,
                    ("COMMAND-4M0ds", "User is not locked"),
                    UserState::Active,
                    event::UNLOCKED,
                ),
            };
            if !allowed {
                return Err(Error::failed_precondition(error.0, error.1));
            }
            let _owners = match to {
                StateChange::Deactivate | StateChange::Lock => {
                    Some(self.keep_an_owner(&user).await?)
                }
                StateChange::Reactivate | StateChange::Unlock => None,
            };
            let mut change = UserChange::new(user, Some(caller.user_id), self.clock.now());
            change.user_mut().state = next;
            change.event(event_type, json!({}));
            let details = turn.commit(change).await?;
            // Deleted or deactivated users lose their tokens at once.
            self.auth_changed().await;
            Ok(details)
        })
        .await
    }

    /// SPEC §7: the instance cannot lock itself out. When `user` is an active
    /// instance owner, another active one must remain, else MAILROOM-LAST-OWNER. The
    /// returned turn (one for all instance owners in this process) is held until the
    /// write is done, so that two owners shutting each other out are ordered too.
    pub(crate) async fn keep_an_owner(
        &self,
        user: &User,
    ) -> Result<Option<tokio::sync::OwnedMutexGuard<()>>> {
        if user.state != UserState::Active {
            return Ok(None);
        }
        if !crate::permissions::holds_instance_owner(&self.store.memberships(user.id).await?) {
            return Ok(None);
        }
        // No user has id 0: its turn is the instance owners' turn.
        let turn = self.user_queue.turn(UserId::NOBODY).await;
        if self.store.active_instance_owners(user.id).await? == 0 {
            return Err(Error::failed_precondition(
                "MAILROOM-LAST-OWNER",
                "The last active instance owner cannot be deactivated, locked or deleted",
            ));
        }
        Ok(Some(turn))
    }

    /// v2: an existing user (human or machine) the caller may write.
    async fn v2_user_for_write(&self, caller: &Caller, user_id: UserId) -> Result<User> {
        let not_found = || Error::not_found("COMMAND-5m9lw", "User could not be found");
        let user = self.live_user(user_id).await?.ok_or_else(not_found)?;
        caller.require_v2(Permission::UserWrite, user.org_id)?;
        self.require_target(caller, &user).await?;
        Ok(user)
    }
}
