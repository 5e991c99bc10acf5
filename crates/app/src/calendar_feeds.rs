//! Calendar feeds (issue 8 item 7): secret iCalendar URLs for a staff member, a chair or room,
//! or a patient, made and revoked by whoever books (`schedule.manage` — the front desk hands a
//! patient their own link).
//!
//! The secret is 256 random bits shown once; storage keeps only its SHA-256 (the same
//! [`digest`] as API tokens), and a fetch finds the feed by that digest, so no comparison of
//! the secret itself can leak timing. A feed shows the past 30 and the next 90 days — enough
//! for a phone calendar, little enough to bound what a leaked URL reveals — including
//! cancelled appointments as `STATUS:CANCELLED` so clients remove them. What each feed may
//! say is decided in the domain ([`ketaclinic_domain::booking::ical`]): staff and chair feeds
//! never identify the patient. Each fetch is audited, since it reads the appointment book.

use std::collections::HashMap;

use jiff::SignedDuration;
use ketaclinic_domain::audit::{AuditAction, AuditEvent, AuditOutcome};
use ketaclinic_domain::booking::ical::{Audience, Feed, FeedEvent, render};
use ketaclinic_domain::booking::resource::SpaceId;
use ketaclinic_domain::ids::{CalendarFeedId, PatientId, UserId};
use ketaclinic_domain::{FieldError, ValidationErrors};
use ketaclinic_store::booking_port::{BookingQuery, BookingRecord};
use ketaclinic_store::calendar_feed_port::parse_feed_kind;
/// The stored feed records the web edge shows.
pub use ketaclinic_store::calendar_feed_port::{CalendarFeedRecord, FeedKind, feed_kind_str};

use crate::App;
use crate::actor::{ClientInfo, anonymous_event};
use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::ScheduleManage;
use crate::secrets::{digest, random_hex};

/// How the audit log names whoever fetches a feed (a calendar client holding the secret).
pub const FEED_ACTOR: &str = "calendar client (feed link)";
/// How far back a feed reaches.
const PAST_DAYS: i64 = 30;
/// How far ahead a feed reaches.
const AHEAD_DAYS: i64 = 90;

/// A feed just made, with its secret (shown once, never stored).
#[derive(Debug, Clone)]
pub struct NewFeed {
    pub record: CalendarFeedRecord,
    pub secret: String,
}

/// `SEQUENCE` for a booking: the seconds between booking and its last change. Every move,
/// cancellation or no-show sets `updated_at` later, so it only grows; an untouched booking is 0.
fn sequence(r: &BookingRecord) -> u32 {
    let secs = r.updated_at.duration_since(r.booked_at).as_secs().max(0);
    u32::try_from(secs).unwrap_or(u32::MAX)
}

fn feed_event(app_event: AuditEvent, feed: &CalendarFeedRecord) -> AuditEvent {
    let mut event = AuditEvent { resource_type: Some("CalendarFeed".to_owned()), resource_id: Some(feed.id.to_string()), ..app_event };
    event.detail = Some(format!("{} {}", feed_kind_str(feed.kind), feed.target));
    if feed.kind == FeedKind::Patient {
        event.patient_id = Some(PatientId(feed.target));
    }
    event
}

impl App {
    /// Makes a feed for the staff member, chair or room, or patient `target`.
    pub async fn create_calendar_feed(&self, grant: &Granted<ScheduleManage>, kind: &str, target: uuid::Uuid) -> AppResult<NewFeed> {
        let kind = parse_feed_kind(kind).ok_or_else(|| ValidationErrors(vec![FieldError::new("kind", "must be staff, space or patient")]))?;
        let exists = match kind {
            FeedKind::Staff => self.store.user_by_id(UserId(target)).await?.is_some(),
            FeedKind::Space => self.store.spaces().await?.iter().any(|s| s.space.id == SpaceId(target)),
            FeedKind::Patient => self.store.patient(PatientId(target)).await?.is_some(),
        };
        if !exists {
            return Err(ValidationErrors(vec![FieldError::new("target_id", "no such staff member, chair or room, or patient")]).into());
        }
        let secret = random_hex()?;
        let record = CalendarFeedRecord {
            id: CalendarFeedId(new_id()),
            token_hash: digest(&secret),
            kind,
            target,
            created_by: grant.actor().user_id,
            created_at: self.now(),
            revoked_at: None,
        };
        let event = feed_event(grant.actor().event(self, AuditAction::CalendarFeedCreated, AuditOutcome::Success), &record);
        self.store.insert_calendar_feed(&record, event).await?;
        Ok(NewFeed { record, secret })
    }

    /// Every feed, revoked or not, newest first.
    pub async fn calendar_feeds(&self, _grant: &Granted<ScheduleManage>) -> AppResult<Vec<CalendarFeedRecord>> {
        Ok(self.store.calendar_feeds().await?)
    }

    /// Revokes a feed: its URL answers 404 from now on.
    pub async fn revoke_calendar_feed(&self, grant: &Granted<ScheduleManage>, id: CalendarFeedId) -> AppResult<()> {
        let feed = self.store.calendar_feeds().await?.into_iter().find(|f| f.id == id).ok_or(AppError::NotFound)?;
        let event = feed_event(grant.actor().event(self, AuditAction::CalendarFeedRevoked, AuditOutcome::Success), &feed);
        Ok(self.store.revoke_calendar_feed(id, self.now(), event).await?)
    }

    /// The iCalendar text of the feed whose secret is `secret`; `NotFound` for an unknown or
    /// revoked secret (the two are not told apart).
    pub async fn calendar_feed_ics(&self, secret: &str, client: &ClientInfo) -> AppResult<String> {
        let feed = self.store.calendar_feed_by_hash(&digest(secret)).await?.filter(|f| f.revoked_at.is_none()).ok_or(AppError::NotFound)?;
        let now = self.now();
        let from = now.checked_sub(SignedDuration::from_hours(24 * PAST_DAYS)).unwrap_or(now);
        let to = now.checked_add(SignedDuration::from_hours(24 * AHEAD_DAYS)).unwrap_or(now);
        let mut query = BookingQuery { from, to, space: None, staff: None, patient: None };
        match feed.kind {
            FeedKind::Staff => query.staff = Some(UserId(feed.target)),
            FeedKind::Space => query.space = Some(SpaceId(feed.target)),
            FeedKind::Patient => query.patient = Some(PatientId(feed.target)),
        }
        let bookings = self.store.bookings(&query).await?;
        let spaces: HashMap<SpaceId, String> = self.store.spaces().await?.into_iter().map(|s| (s.space.id, s.space.name.as_str().to_owned())).collect();
        let name = match feed.kind {
            FeedKind::Staff => self
                .store
                .user_by_id(UserId(feed.target))
                .await?
                .map_or_else(|| "Clinic schedule".to_owned(), |u| format!("Clinic schedule: {}", u.display_name.as_str())),
            FeedKind::Space => spaces.get(&SpaceId(feed.target)).map_or_else(|| "Clinic schedule".to_owned(), |n| format!("Clinic schedule: {n}")),
            FeedKind::Patient => "Clinic appointments".to_owned(),
        };
        let events: Vec<FeedEvent> = bookings
            .iter()
            .map(|r| {
                let a = r.booking.appointment;
                FeedEvent {
                    id: r.booking.id,
                    kind: a.kind,
                    slot: a.slot,
                    status: r.booking.status,
                    location: a.space.and_then(|s| spaces.get(&s).cloned()),
                    sequence: sequence(r),
                }
            })
            .collect();
        let audience = if feed.kind == FeedKind::Patient { Audience::Patient } else { Audience::Staff };
        // The clinic has no preparation-reminder template yet; when it does, patient feeds
        // carry it here.
        let text = render(&Feed { name: &name, audience, preparation: None, stamp: now }, &events);
        let event = feed_event(anonymous_event(self, FEED_ACTOR, client, AuditAction::CalendarFeedFetched, AuditOutcome::Success), &feed);
        self.store.append_audit(vec![event]).await?;
        Ok(text)
    }
}
