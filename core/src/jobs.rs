//! Bulk sends from the console (SPEC §4, second stage): a verification code, or the
//! invitation again, to many users at once, as one background job. A job and its
//! items (one per user) are rows, so a restart resumes it; every process that runs
//! workers claims pending items (Postgres: `FOR UPDATE SKIP LOCKED`), so two
//! processes never work on the same item. Each item runs the same use case as the
//! console's button on one user, as the job's creator, within the send limits, and
//! records what became of it.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::clock::Timestamp;
use crate::console::UserFilter;
use crate::email_codes::CodeRequest;
use crate::error::{Code, Error, Result};
use crate::ids::{JobId, OrgId, UserId};
use crate::permissions::{Caller, Permission};
use crate::service::Mailroom;
use crate::store::{Claim, Op, Write};
use crate::target::Api;
use crate::verification::CodeDelivery;

/// At most this many users in one job.
pub const MAX_JOB_USERS: usize = 10_000;

/// What a job sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// A new verification code by mail (`SendEmailCode`).
    SendCode,
    /// The initialization mail again, to users who have not set up their account.
    ResendInvite,
}

impl JobKind {
    pub const ALL: [JobKind; 2] = [JobKind::SendCode, JobKind::ResendInvite];

    pub fn as_db(self) -> &'static str {
        match self {
            JobKind::SendCode => "send_code",
            JobKind::ResendInvite => "resend_invite",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_db() == text)
    }
}

/// What became of one user of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemOutcome {
    Sent,
    /// Skipped: over the user's send limits.
    Limited,
    /// Skipped: the address is verified already (a code), or the account is set up
    /// (an invitation).
    AlreadyDone,
    /// Skipped: the job's creator may not (any more) act on the user.
    NotAllowed,
    Failed,
}

impl ItemOutcome {
    pub const ALL: [ItemOutcome; 5] = [
        ItemOutcome::Sent,
        ItemOutcome::Limited,
        ItemOutcome::AlreadyDone,
        ItemOutcome::NotAllowed,
        ItemOutcome::Failed,
    ];

    pub fn as_db(self) -> &'static str {
        match self {
            ItemOutcome::Sent => "sent",
            ItemOutcome::Limited => "limited",
            ItemOutcome::AlreadyDone => "already_done",
            ItemOutcome::NotAllowed => "not_allowed",
            ItemOutcome::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_db() == text)
    }
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: JobId,
    pub kind: JobKind,
    pub created_by: UserId,
    pub created_at: Timestamp,
    /// The orgs of its users: its admins (`user.write` there) see it.
    pub orgs: Vec<OrgId>,
    pub total: i64,
    pub finished_at: Option<Timestamp>,
    pub dismissed_at: Option<Timestamp>,
}

/// A job and how far it got.
#[derive(Debug, Clone)]
pub struct JobProgress {
    pub job: Job,
    /// Items per outcome (`ItemOutcome::ALL` order).
    pub outcomes: Vec<(ItemOutcome, i64)>,
    /// Items not done yet.
    pub pending: i64,
    /// The creator's display name.
    pub creator: String,
    pub can_dismiss: bool,
}

/// The users a job is for: those picked, or every user matching a filter.
#[derive(Debug, Clone)]
pub enum JobUsers {
    Picked(Vec<UserId>),
    Matching(UserFilter),
}

fn no_users() -> Error {
    Error::invalid_argument("MAILROOM-JOB-EMPTY", "No users were chosen")
}

impl Mailroom {
    /// Starts a job over `users` (those the caller may read; at most `MAX_JOB_USERS`).
    pub async fn start_job(
        &self,
        caller: &Caller,
        kind: JobKind,
        users: JobUsers,
    ) -> Result<JobId> {
        let readable = |org: OrgId| caller.can(Permission::UserRead, org);
        let mut chosen: Vec<(UserId, OrgId)> = match users {
            JobUsers::Picked(ids) => {
                if ids.len() > MAX_JOB_USERS {
                    return Err(too_many(ids.len() as u64));
                }
                let mut chosen = Vec::new();
                for id in ids {
                    if let Some(user) = self.live_user(id).await? {
                        if readable(user.org_id) {
                            chosen.push((user.id, user.org_id));
                        }
                    }
                }
                chosen
            }
            JobUsers::Matching(filter) => {
                let filter = UserFilter {
                    offset: 0,
                    limit: MAX_JOB_USERS as u64,
                    ..filter
                };
                let page = self.users_page_unbounded(caller, &filter).await?;
                if page.total > MAX_JOB_USERS as u64 {
                    return Err(too_many(page.total));
                }
                page.users
                    .into_iter()
                    .map(|listed| (listed.user.id, listed.user.org_id))
                    .collect()
            }
        };
        chosen.sort_unstable_by_key(|(id, _)| id.0);
        chosen.dedup_by_key(|(id, _)| id.0);
        if chosen.is_empty() {
            return Err(no_users());
        }
        let mut orgs: Vec<OrgId> = chosen.iter().map(|(_, org)| *org).collect();
        orgs.sort_unstable();
        orgs.dedup();
        if !orgs
            .iter()
            .any(|org| caller.can(Permission::UserWrite, *org))
        {
            return Err(Error::permission_denied(
                "AUTH-5mWD2",
                "No matching permissions found",
            ));
        }
        let job = Job {
            id: JobId::generate(),
            kind,
            created_by: caller.user_id,
            created_at: self.clock.now(),
            orgs,
            total: chosen.len() as i64,
            finished_at: None,
            dismissed_at: None,
        };
        let id = job.id;
        let mut write = Write::new();
        write.push(Op::InsertJob(job));
        // A statement per thousand users: well inside both databases' bind limits.
        for users in chosen.chunks(1000) {
            write.push(Op::InsertJobItems {
                job_id: id,
                users: users.iter().map(|(user, _)| *user).collect(),
            });
        }
        self.store.commit(write).await?;
        Ok(id)
    }

    /// The jobs the caller may see (`user.write` on one of their orgs), not dismissed,
    /// newest first.
    pub async fn jobs(&self, caller: &Caller) -> Result<Vec<JobProgress>> {
        let mut shown = Vec::new();
        for job in self.store.jobs().await? {
            if self.may_see_job(caller, &job) {
                shown.push(self.progress_of(caller, job).await?);
            }
        }
        Ok(shown)
    }

    /// One job (dismissed ones too), for a caller who may see it (others: unknown).
    pub async fn job(&self, caller: &Caller, id: JobId) -> Result<JobProgress> {
        let job = self
            .store
            .job(id)
            .await?
            .filter(|job| self.may_see_job(caller, job))
            .ok_or_else(|| Error::not_found("MAILROOM-JOB", "Job not found"))?;
        self.progress_of(caller, job).await
    }

    /// Hides a job from the lists (it keeps running until done).
    pub async fn dismiss_job(&self, caller: &Caller, id: JobId) -> Result<()> {
        let progress = self.job(caller, id).await?;
        if !progress.can_dismiss {
            return Err(Error::permission_denied(
                "AUTH-5mWD2",
                "No matching permissions found",
            ));
        }
        let mut write = Write::new();
        write.push(Op::DismissJob {
            job_id: id,
            at: self.clock.now(),
        });
        self.store.commit(write).await.map(|_| ())
    }

    fn may_see_job(&self, caller: &Caller, job: &Job) -> bool {
        job.created_by == caller.user_id
            || job
                .orgs
                .iter()
                .any(|org| caller.can(Permission::UserWrite, *org))
    }

    async fn progress_of(&self, caller: &Caller, job: Job) -> Result<JobProgress> {
        let counts = self.store.job_counts(job.id).await?;
        let count = |outcome: Option<ItemOutcome>| {
            counts
                .iter()
                .filter(|(o, _)| o.as_deref().and_then(ItemOutcome::parse) == outcome)
                .map(|(_, n)| n)
                .sum::<i64>()
        };
        let creator = self
            .store
            .user(job.created_by)
            .await?
            .map(|user| user.display_name())
            .unwrap_or_else(|| format!("user {}", job.created_by));
        Ok(JobProgress {
            outcomes: ItemOutcome::ALL
                .into_iter()
                .map(|o| (o, count(Some(o))))
                .collect(),
            pending: count(None),
            creator,
            can_dismiss: job.dismissed_at.is_none() && self.may_see_job(caller, &job),
            job,
        })
    }

    /// One user of a job, as its creator: the same use case as the console's button
    /// for that user. Returns what became of it.
    async fn run_item(&self, job: &Job, user: UserId) -> ItemOutcome {
        let Ok(Some(caller)) = self.caller(job.created_by).await else {
            return ItemOutcome::NotAllowed;
        };
        let result = match job.kind {
            JobKind::SendCode => {
                match self.live_human(user).await {
                    Ok(Some(target)) if target.human().is_some_and(|h| h.email_verified) => {
                        return ItemOutcome::AlreadyDone;
                    }
                    Err(_) => return ItemOutcome::Failed,
                    _ => {}
                }
                let request = CodeRequest::New(CodeDelivery::Mail { url_template: None });
                self.send_email_code(&caller, Api::V2, user, &request)
                    .await
                    .map(|_| ())
            }
            JobKind::ResendInvite => self
                .resend_initialization(&caller, Api::V2, user, None)
                .await
                .map(|_| ()),
        };
        match result {
            Ok(()) => ItemOutcome::Sent,
            Err(err) => match err.code {
                Code::ResourceExhausted => ItemOutcome::Limited,
                Code::PermissionDenied | Code::NotFound | Code::Unauthenticated => {
                    ItemOutcome::NotAllowed
                }
                // Not initial any more (an invitation), or not a human with an
                // address: nothing to send.
                Code::FailedPrecondition | Code::InvalidArgument => ItemOutcome::AlreadyDone,
                _ => {
                    tracing::warn!(job = %job.id, %user, cause = err.internal_cause().unwrap_or_default(), "a job's send failed");
                    ItemOutcome::Failed
                }
            },
        }
    }
}

fn too_many(count: u64) -> Error {
    Error::new(
        Code::InvalidArgument,
        "MAILROOM-JOB-SIZE",
        format!("{count} users match; a job takes at most {MAX_JOB_USERS}. Narrow the filter."),
    )
}

/// Runs job items in the background (in every process whose workers run).
#[derive(Clone)]
pub struct JobWorker {
    mailroom: Mailroom,
    owner: Arc<str>,
    poll_interval: Duration,
}

/// Items claimed per round.
const ITEMS_PER_ROUND: u64 = 16;
/// A claimed item not finished within this time is claimed again (a crash).
const ITEM_LEASE_SECS: i64 = 60;

impl JobWorker {
    /// `owner`: this process's instance id (its claims are handed back at start).
    pub fn new(mailroom: Mailroom, owner: &str, poll_interval: Duration) -> Self {
        JobWorker {
            mailroom,
            owner: owner.into(),
            poll_interval,
        }
    }

    /// Runs until `shutdown` turns true; stops between items.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        if let Err(err) = self.mailroom.store.reclaim_job_items(&self.owner).await {
            tracing::warn!(
                cause = err.internal_cause().unwrap_or_default(),
                "could not hand back job items"
            );
        }
        while !*shutdown.borrow() {
            let handled = match self.run_once(&shutdown).await {
                Ok(count) => count,
                Err(err) => {
                    tracing::warn!(
                        cause = err.internal_cause().unwrap_or_default(),
                        "job round failed"
                    );
                    0
                }
            };
            if handled == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(self.poll_interval) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
    }

    /// One round: claims pending items and runs them one by one. Returns how many.
    pub async fn run_once(&self, shutdown: &watch::Receiver<bool>) -> Result<usize> {
        let mailroom = &self.mailroom;
        let now = mailroom.clock.now();
        let claimed = mailroom
            .store
            .claim_job_items(&Claim {
                now,
                lease_until: now.plus_secs(ITEM_LEASE_SECS),
                limit: ITEMS_PER_ROUND,
                owner: &self.owner,
            })
            .await?;
        let count = claimed.len();
        let mut jobs: Vec<Job> = Vec::new();
        for (job_id, user) in claimed {
            if *shutdown.borrow() {
                // Left to the lease, or to this process's next start.
                break;
            }
            if !jobs.iter().any(|j| j.id == job_id) {
                match mailroom.store.job(job_id).await? {
                    Some(job) => jobs.push(job),
                    None => continue,
                }
            }
            let Some(job) = jobs.iter().find(|j| j.id == job_id) else {
                continue;
            };
            // The job's sends are the creator's console actions.
            let outcome =
                crate::via::scope(crate::via::Via::Console, mailroom.run_item(job, user)).await;
            let at = mailroom.clock.now();
            let mut write = Write::new();
            write.push(Op::FinishJobItem {
                job_id,
                user_id: user,
                outcome: outcome.as_db(),
                at,
            });
            write.push(Op::FinishJobIfDone { job_id, at });
            mailroom.store.commit(write).await?;
        }
        Ok(count)
    }
}

/// Every pending item of every job, run now (tests drive jobs with this).
pub async fn drain(worker: &JobWorker) -> Result<usize> {
    let (_, never) = watch::channel(false);
    let mut total = 0;
    loop {
        let handled = worker.run_once(&never).await?;
        if handled == 0 {
            return Ok(total);
        }
        total += handled;
    }
}
