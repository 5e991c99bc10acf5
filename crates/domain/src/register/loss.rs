//! Theft and significant loss (21 CFR 1301.76(b), REFERENCE §7.8): notify the local DEA Field
//! Division in writing within one business day of discovery, and file DEA Form 106
//! electronically within 45 days. Each report carries both deadlines as tasks that stay open
//! until someone records when (and with what reference) they were done.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::calendar::BusinessCalendar;
use crate::ids::{ContainerId, LedgerEntryId, LossReportId, UserId};
use crate::register::movement::LossKind;
use crate::register::quantity::Qty;

/// Days allowed to file DEA Form 106 after discovery (REFERENCE §7.8).
pub const FORM_106_DAYS: i64 = 45;

/// One of the two deadlines of a loss report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossTask {
    /// Written notice to the DEA Field Division (one business day).
    NotifyDea,
    /// DEA Form 106 filed electronically (45 days).
    Form106,
}

impl LossTask {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotifyDea => "notify_dea",
            Self::Form106 => "form_106",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "notify_dea" => Some(Self::NotifyDea),
            "form_106" => Some(Self::Form106),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::NotifyDea => "Notify the DEA Field Division in writing",
            Self::Form106 => "File DEA Form 106",
        }
    }
}

/// A task done: when, by whom, with the confirmation or reference number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskDone {
    pub at: Timestamp,
    pub by: UserId,
    pub reference: String,
}

/// A loss or theft and its deadlines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LossReport {
    pub id: LossReportId,
    pub entry_id: LedgerEntryId,
    pub container_id: ContainerId,
    pub kind: LossKind,
    pub qty: Qty,
    pub discovered_at: Timestamp,
    pub description: String,
    pub reported_by: UserId,
    pub notify_due: Timestamp,
    pub form106_due: Timestamp,
    pub notified: Option<TaskDone>,
    pub form106: Option<TaskDone>,
}

/// The two deadlines of something discovered at `discovered_at`.
pub fn deadlines(calendar: &BusinessCalendar, discovered_at: Timestamp) -> (Timestamp, Timestamp) {
    let notify = calendar.end_of_next_business_day(discovered_at);
    let form106 = discovered_at.saturating_add(SignedDuration::from_hours(24 * FORM_106_DAYS)).unwrap_or(discovered_at);
    (notify, form106)
}

impl LossReport {
    /// The task's due time and completion.
    pub fn task(&self, task: LossTask) -> (Timestamp, Option<&TaskDone>) {
        match task {
            LossTask::NotifyDea => (self.notify_due, self.notified.as_ref()),
            LossTask::Form106 => (self.form106_due, self.form106.as_ref()),
        }
    }

    /// Open tasks, earliest due first.
    pub fn open_tasks(&self) -> Vec<(LossTask, Timestamp)> {
        let mut open: Vec<_> = [LossTask::NotifyDea, LossTask::Form106]
            .into_iter()
            .filter_map(|t| {
                let (due, done) = self.task(t);
                done.is_none().then_some((t, due))
            })
            .collect();
        open.sort_by_key(|(_, due)| *due);
        open
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};
    use jiff::tz::TimeZone;

    #[test]
    fn notice_is_due_by_the_close_of_the_next_business_day() {
        let tz = TimeZone::get("America/New_York").unwrap_or(TimeZone::UTC);
        assert_eq!(tz.iana_name(), Some("America/New_York"), "system tzdb needed for this test");
        let cal = BusinessCalendar::weekdays_nine_to_five(tz.clone());
        let local = |d: jiff::civil::Date, h: i8| d.to_datetime(time(h, 0, 0, 0)).to_zoned(tz.clone()).map(|z| z.timestamp()).unwrap_or(Timestamp::UNIX_EPOCH);
        // Discovered Friday 20 Nov 2026 at 16:00: due Monday 23 Nov at 17:00.
        let (notify, form106) = deadlines(&cal, local(date(2026, 11, 20), 16));
        assert_eq!(notify, local(date(2026, 11, 23), 17));
        assert_eq!(form106, local(date(2027, 1, 4), 16), "45 days later");
        // Discovered on Saturday: still the Monday.
        assert_eq!(deadlines(&cal, local(date(2026, 11, 21), 10)).0, local(date(2026, 11, 23), 17));
    }
}
