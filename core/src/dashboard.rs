//! The console's dashboard (SPEC §4): for the orgs the caller may read, humans by
//! email group, mails by status, mails per hour over the last 24 hours and the
//! verification funnel of the last 7 days. The database counts (indexed queries,
//! `store::queries::dashboard`); this module shapes the figures and keeps them
//! while they are current (`DashboardCache`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::clock::Timestamp;
use crate::error::Result;
use crate::ids::OrgId;
use crate::model::{EmailGroup, MailStatus};
use crate::permissions::{Caller, Permission};
use crate::service::Mailroom;
use crate::store::{DashboardQuery, FunnelFigures};

/// Hours in the mails chart.
pub const CHART_HOURS: usize = 24;
/// Days the funnel looks back.
pub const FUNNEL_DAYS: i64 = 7;

const HOUR_SECS: i64 = 3600;

/// How long a counted dashboard is shown again.
const FRESH_FOR_MICROS: i64 = 1_000_000;

/// Above this many org sets the cache starts over (each is a few kilobytes).
const MAX_CACHED: usize = 256;

/// Dashboards counted lately, by the orgs they cover. Counting every user and mail
/// takes tens of milliseconds on 10,000 users, too dear for each view of a page that
/// admins keep open and reload: a count is shown again for `FRESH_FOR_MICROS` (its
/// "as of" time says when it was made), so however many views arrive, the database
/// counts at most once a second per set of orgs.
#[derive(Default)]
pub(crate) struct DashboardCache {
    counted: Mutex<HashMap<Option<Vec<OrgId>>, Arc<Dashboard>>>,
    /// One count at a time: views that arrive while it runs wait for its result
    /// instead of counting alongside it.
    counting: tokio::sync::Mutex<()>,
}

impl DashboardCache {
    fn current(&self, orgs: &Option<Vec<OrgId>>, now: Timestamp) -> Option<Arc<Dashboard>> {
        let counted = self.counted.lock().unwrap_or_else(|p| p.into_inner());
        counted
            .get(orgs)
            .filter(|board| (0..FRESH_FOR_MICROS).contains(&(now.0 - board.now.0)))
            .cloned()
    }

    fn keep(&self, orgs: Option<Vec<OrgId>>, dashboard: Arc<Dashboard>) {
        let mut counted = self.counted.lock().unwrap_or_else(|p| p.into_inner());
        if counted.len() >= MAX_CACHED {
            counted.clear();
        }
        counted.insert(orgs, dashboard);
    }
}

/// The dashboard's figures.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// Every group, in `EmailGroup::ALL` order.
    pub email_groups: Vec<(EmailGroup, i64)>,
    /// Every status, in `MailStatus::ALL` order.
    pub mail_statuses: Vec<(MailStatus, i64)>,
    /// `CHART_HOURS` whole hours, oldest first; the last is the current hour.
    pub hours: Vec<HourOfMails>,
    pub funnel: FunnelFigures,
    pub now: Timestamp,
}

/// The mails created in one hour, per status (`MailStatus::ALL` order).
#[derive(Debug, Clone)]
pub struct HourOfMails {
    pub start: Timestamp,
    pub by_status: Vec<(MailStatus, i64)>,
}

impl HourOfMails {
    pub fn total(&self) -> i64 {
        self.by_status.iter().map(|(_, n)| n).sum()
    }
}

impl Mailroom {
    /// The dashboard of the orgs whose users the caller may read.
    pub async fn dashboard(&self, caller: &Caller) -> Result<Arc<Dashboard>> {
        let mut orgs = caller.orgs_with(Permission::UserRead);
        if let Some(orgs) = &mut orgs {
            orgs.sort_unstable_by_key(|org| org.0);
        }
        let cache = &self.dashboards;
        if let Some(board) = cache.current(&orgs, self.clock.now()) {
            return Ok(board);
        }
        let _counting = cache.counting.lock().await;
        // Another view may have counted it while this one waited.
        if let Some(board) = cache.current(&orgs, self.clock.now()) {
            return Ok(board);
        }
        let board = Arc::new(self.count_dashboard(orgs.clone()).await?);
        cache.keep(orgs, board.clone());
        Ok(board)
    }

    async fn count_dashboard(&self, orgs: Option<Vec<OrgId>>) -> Result<Dashboard> {
        let now = self.clock.now();
        // Whole hours: the chart's last bar is the hour now is in.
        let this_hour = Timestamp(now.0 - now.0.rem_euclid(HOUR_SECS * 1_000_000));
        let hours_since = this_hour.plus_secs(-HOUR_SECS * (CHART_HOURS as i64 - 1));
        let figures = self
            .store
            .dashboard(&DashboardQuery {
                orgs,
                now,
                hours_since,
                funnel_since: now.plus_secs(-FUNNEL_DAYS * 24 * HOUR_SECS),
            })
            .await?;
        let count_of = |name: &str| {
            figures
                .email_states
                .iter()
                .filter(|(state, _)| state == name)
                .map(|(_, n)| *n)
                .sum::<i64>()
        };
        let email_groups = EmailGroup::ALL
            .into_iter()
            .map(|group| {
                let n = match group {
                    EmailGroup::Pending => figures.pending,
                    // The database counts the pending among the unverified.
                    EmailGroup::Unverified => (count_of("unverified") - figures.pending).max(0),
                    other => count_of(other.as_str()),
                };
                (group, n)
            })
            .collect();
        let per_status = |rows: &mut dyn Iterator<Item = (&String, i64)>| {
            let mut counts: Vec<(MailStatus, i64)> =
                MailStatus::ALL.into_iter().map(|s| (s, 0)).collect();
            for (status, n) in rows {
                if let Some(slot) = counts.iter_mut().find(|(s, _)| s.as_db() == status) {
                    slot.1 += n;
                }
            }
            counts
        };
        let mail_statuses = per_status(&mut figures.mail_statuses.iter().map(|(s, n)| (s, *n)));
        let hours = (0..CHART_HOURS as i64)
            .map(|hour| HourOfMails {
                start: hours_since.plus_secs(hour * HOUR_SECS),
                by_status: per_status(
                    &mut figures
                        .mails_per_hour
                        .iter()
                        .filter(|(h, _, _)| *h == hour)
                        .map(|(_, s, n)| (s, *n)),
                ),
            })
            .collect();
        Ok(Dashboard {
            email_groups,
            mail_statuses,
            hours,
            funnel: figures.funnel,
            now,
        })
    }
}
