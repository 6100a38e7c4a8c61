//! One write to one user: events with gap-free sequences, the new user row, and the
//! codes and outbox mails that go with them, committed in one transaction.

use serde_json::Value;

use crate::clock::Timestamp;
use crate::ids::UserId;
use crate::model::{Details, Event, User, UserState};
use crate::store::{Op, Write};

/// Event types (SPEC §1; the names are part of the audit format).
pub mod event {
    pub const HUMAN_ADDED: &str = "user.human.added";
    pub const MACHINE_ADDED: &str = "user.machine.added";
    pub const EMAIL_CHANGED: &str = "user.human.email.changed";
    pub const EMAIL_CODE_ADDED: &str = "user.human.email.code.added";
    pub const EMAIL_CODE_SENT: &str = "user.human.email.code.sent";
    pub const EMAIL_VERIFIED: &str = "user.human.email.verified";
    pub const EMAIL_VERIFICATION_FAILED: &str = "user.human.email.verification.failed";
    pub const INIT_CODE_ADDED: &str = "user.human.initialization.code.added";
    pub const INIT_CODE_SENT: &str = "user.human.initialization.code.sent";
    pub const INIT_CHECK_SUCCEEDED: &str = "user.human.initialization.check.succeeded";
    pub const INIT_CHECK_FAILED: &str = "user.human.initialization.check.failed";
    pub const INVITE_CODE_ADDED: &str = "user.human.invite.code.added";
    pub const INVITE_CODE_SENT: &str = "user.human.invite.code.sent";
    pub const INVITE_CHECK_SUCCEEDED: &str = "user.human.invite.check.succeeded";
    pub const INVITE_CHECK_FAILED: &str = "user.human.invite.check.failed";
    pub const PASSWORD_CHANGED: &str = "user.human.password.changed";
    pub const DEACTIVATED: &str = "user.deactivated";
    pub const REACTIVATED: &str = "user.reactivated";
    pub const LOCKED: &str = "user.locked";
    pub const UNLOCKED: &str = "user.unlocked";
    pub const REMOVED: &str = "user.removed";

    /// Every type, in the order of a user's life (the console's filter lists them).
    pub const ALL: [&str; 21] = [
        HUMAN_ADDED,
        MACHINE_ADDED,
        EMAIL_CHANGED,
        EMAIL_CODE_ADDED,
        EMAIL_CODE_SENT,
        EMAIL_VERIFIED,
        EMAIL_VERIFICATION_FAILED,
        INIT_CODE_ADDED,
        INIT_CODE_SENT,
        INIT_CHECK_SUCCEEDED,
        INIT_CHECK_FAILED,
        INVITE_CODE_ADDED,
        INVITE_CODE_SENT,
        INVITE_CHECK_SUCCEEDED,
        INVITE_CHECK_FAILED,
        PASSWORD_CHANGED,
        DEACTIVATED,
        REACTIVATED,
        LOCKED,
        UNLOCKED,
        REMOVED,
    ];

    /// Events that do not change the user's data, so reads do not report them.
    pub fn changes_data(event_type: &str) -> bool {
        !matches!(
            event_type,
            EMAIL_CODE_ADDED
                | EMAIL_CODE_SENT
                | EMAIL_VERIFICATION_FAILED
                | INIT_CODE_ADDED
                | INIT_CODE_SENT
                | INIT_CHECK_FAILED
                | INVITE_CODE_ADDED
                | INVITE_CODE_SENT
                | INVITE_CHECK_FAILED
        )
    }
}

pub struct UserChange {
    user: User,
    /// The user as read, before this change (what ends sessions is decided from it).
    before: (crate::model::UserState, Option<String>),
    expected_sequence: i64,
    creator: Option<UserId>,
    now: Timestamp,
    events: Vec<Event>,
    ops: Vec<Op>,
}

impl UserChange {
    pub fn new(user: User, creator: Option<UserId>, now: Timestamp) -> Self {
        let password = user.human().and_then(|h| h.password_hash.clone());
        UserChange {
            before: (user.state, password),
            expected_sequence: user.sequence,
            user,
            creator,
            now,
            events: Vec::new(),
            ops: Vec::new(),
        }
    }

    pub fn user(&self) -> &User {
        &self.user
    }

    pub fn user_mut(&mut self) -> &mut User {
        &mut self.user
    }

    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Appends an event as the user's next sequence.
    pub fn event(&mut self, event_type: &str, payload: Value) -> &mut Self {
        self.user.sequence += 1;
        if event::changes_data(event_type) {
            self.user.change_sequence = self.user.sequence;
            self.user.changed_at = self.now;
        }
        self.events.push(Event {
            user_id: self.user.id,
            sequence: self.user.sequence,
            event_type: event_type.to_owned(),
            payload,
            creator: self.creator,
            created_at: self.now,
            via: Some(crate::via::current()),
        });
        self
    }

    pub fn op(&mut self, op: Op) -> &mut Self {
        self.ops.push(op);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// For a user that does not exist yet: one write that inserts its final row
    /// together with its events and ops.
    pub(crate) fn into_insert(self) -> (Write, Details) {
        let (mut write, details) = self.into_write();
        for op in &mut write.ops {
            if let Op::UpdateUser { user, .. } = op {
                *op = Op::InsertUser(user.clone());
            }
        }
        (write, details)
    }

    /// Whether this change must end the user's console sessions (SPEC §7): its
    /// password changed, or it can no longer sign in (deactivated, locked, removed).
    fn ends_sessions(&self) -> bool {
        let (state_before, password_before) = &self.before;
        let password = self.user.human().and_then(|h| h.password_hash.as_ref());
        let shut_out = matches!(
            self.user.state,
            UserState::Inactive | UserState::Locked | UserState::Deleted
        );
        password != password_before.as_ref() || (shut_out && self.user.state != *state_before)
    }

    /// The write, and the `details` a write reports (its last event).
    pub(crate) fn into_write(self) -> (Write, Details) {
        let ends_sessions = self.ends_sessions();
        let user_id = self.user.id;
        let details = Details {
            sequence: self.user.sequence,
            change_date: self.now,
            resource_owner: self.user.org_id,
            creation_date: None,
        };
        let mut ops = vec![Op::UpdateUser {
            user: self.user,
            expected_sequence: self.expected_sequence,
        }];
        if !self.events.is_empty() {
            ops.push(Op::AppendEvents(self.events));
        }
        if ends_sessions {
            ops.push(Op::EndSessions { user_id });
        }
        ops.extend(self.ops);
        (Write { ops }, details)
    }
}
