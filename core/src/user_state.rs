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

impl StateChange {
    pub const ALL: [StateChange; 4] = [
        StateChange::Deactivate,
        StateChange::Reactivate,
        StateChange::Lock,
        StateChange::Unlock,
    ];

    /// Why a user in `state` cannot take this change (ZITADEL's error), or `None`:
    /// the one table the API and the console's buttons follow.
    pub fn refusal(self, state: UserState) -> Option<Error> {
        let (allowed, (id, message)) = match self {
            StateChange::Deactivate => (
                matches!(state, UserState::Active | UserState::Locked),
                if state == UserState::Initial {
                    ("COMMAND-ke0fw", "Cannot deactivate a user in state initial")
                } else {
                    ("COMMAND-5M0sf", "User is already deactivated")
                },
            ),
            StateChange::Reactivate => (
                state == UserState::Inactive,
                ("COMMAND-6M0sf", "User is not deactivated"),
            ),
            StateChange::Lock => (
                matches!(state, UserState::Active | UserState::Initial),
                ("COMMAND-3NN8v", "User should be active or initial"),
            ),
            StateChange::Unlock => (
                state == UserState::Locked,
                ("COMMAND-4M0ds", "User is not locked"),
            ),
        };
        (!allowed).then(|| Error::failed_precondition(id, message))
    }

    fn outcome(self) -> (UserState, &'static str) {
        match self {
            StateChange::Deactivate => (UserState::Inactive, event::DEACTIVATED),
            StateChange::Reactivate => (UserState::Active, event::REACTIVATED),
            StateChange::Lock => (UserState::Locked, event::LOCKED),
            StateChange::Unlock => (UserState::Active, event::UNLOCKED),
        }
    }
}

/// What the console offers on a user's page: a state change, or deleting the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    State(StateChange),
    Delete,
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
            if let Some(refused) = to.refusal(user.state) {
                return Err(refused);
            }
            let (next, event_type) = to.outcome();
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

    /// Whether `caller` may change `user` at all: a live user, the permission, and
    /// the target rule (what the console's actions on a user's page follow).
    pub(crate) async fn may_change(&self, caller: &Caller, user: &User) -> Result<bool> {
        Ok(!user.is_deleted()
            && caller.can(Permission::UserWrite, user.org_id)
            && self.require_target(caller, user).await.is_ok())
    }

    /// The lifecycle changes the console offers on `user` to a caller who may change
    /// it: those its state allows. The last instance owner's guard is left to the
    /// change itself, which explains it.
    pub(crate) fn lifecycle_actions(user: &User) -> Vec<Lifecycle> {
        let mut actions: Vec<Lifecycle> = StateChange::ALL
            .into_iter()
            .filter(|change| change.refusal(user.state).is_none())
            .map(Lifecycle::State)
            .collect();
        actions.push(Lifecycle::Delete);
        actions
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
