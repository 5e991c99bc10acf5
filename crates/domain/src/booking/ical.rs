//! iCalendar (RFC 5545) rendering of calendar feeds (issue 8, item 7).
//!
//! A feed URL is a bearer secret that ends up in phone calendars, synced to third-party clouds
//! and shown on lock screens, so what it says is chosen for that audience:
//! - staff and chair feeds ([`Audience::Staff`]) name the appointment type and the chair or
//!   room, and **nothing that identifies the patient** — not the name, not the initials;
//! - a patient's own feed ([`Audience::Patient`]) says "Clinic appointment: …" and, when the
//!   clinic set one, the preparation reminder.
//!
//! Every event's UID is derived from the appointment id alone (`{id}@ketaclinic`), so a client
//! that fetches the feed again updates the event in place when it was moved and removes it when
//! it shows `STATUS:CANCELLED`. `SEQUENCE` grows with every change (the caller derives it from
//! the booking's last update), which clients use to prefer the newer copy.
//!
//! Times are written in UTC (`…Z`) rather than with a `TZID` and a `VTIMEZONE`: a UTC instant is
//! always valid and unambiguous (no missing or repeated wall-clock hour at a DST change), needs
//! no time zone definitions that a client could interpret differently, and every client shows it
//! in the viewer's own zone. Output uses CRLF line endings and folds lines longer than 75 octets
//! on UTF-8 character boundaries, as the RFC requires.

use jiff::Timestamp;

use super::appointment::{BookingId, BookingStatus};
use super::appointment_type::AppointmentKind;
use super::slot::Slot;

/// Who the feed is for, which decides what an event may say (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// A staff member's or a chair's feed: no patient identifiers.
    Staff,
    /// The patient's own feed.
    Patient,
}

/// One appointment as a feed shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEvent {
    pub id: BookingId,
    pub kind: AppointmentKind,
    pub slot: Slot,
    pub status: BookingStatus,
    /// The chair or room name.
    pub location: Option<String>,
    /// Bumped on every change of the booking.
    pub sequence: u32,
}

/// A whole feed: its display name, audience, and the preparation reminder for patient feeds.
#[derive(Debug, Clone, Copy)]
pub struct Feed<'a> {
    pub name: &'a str,
    pub audience: Audience,
    pub preparation: Option<&'a str>,
    /// When the feed was rendered (`DTSTAMP`).
    pub stamp: Timestamp,
}

/// The human name of an appointment kind.
pub fn kind_label(kind: AppointmentKind) -> &'static str {
    match kind {
        AppointmentKind::Consult => "Consultation",
        AppointmentKind::Evaluation => "Evaluation",
        AppointmentKind::IvKetamineSession => "IV ketamine session",
        AppointmentKind::EsketamineSession => "Esketamine session",
        AppointmentKind::IntegrationTherapy => "Integration therapy",
        AppointmentKind::FollowUp => "Follow-up",
    }
}

/// The stable UID of an appointment's event.
pub fn uid(id: BookingId) -> String {
    format!("{id}@ketaclinic")
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded at 75 octets on character boundaries and ended with CRLF
/// (RFC 5545 §3.1): continuation lines start with a space, which counts towards their 75.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

fn utc(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

fn status(s: BookingStatus) -> &'static str {
    match s {
        BookingStatus::Booked => "CONFIRMED",
        BookingStatus::Cancelled | BookingStatus::NoShow => "CANCELLED",
    }
}

/// Renders the feed with one `VEVENT` per appointment.
pub fn render(feed: &Feed<'_>, events: &[FeedEvent]) -> String {
    let mut out = String::new();
    for l in ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ketaclinic//calendar feed//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"] {
        line(&mut out, l);
    }
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(feed.name)));
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", uid(e.id)));
        line(&mut out, &format!("DTSTAMP:{}", utc(feed.stamp)));
        line(&mut out, &format!("SEQUENCE:{}", e.sequence));
        line(&mut out, &format!("DTSTART:{}", utc(e.slot.start())));
        line(&mut out, &format!("DTEND:{}", utc(e.slot.end())));
        let summary = match feed.audience {
            Audience::Staff => kind_label(e.kind).to_owned(),
            Audience::Patient => format!("Clinic appointment: {}", kind_label(e.kind)),
        };
        line(&mut out, &format!("SUMMARY:{}", escape(&summary)));
        if let Some(location) = &e.location {
            line(&mut out, &format!("LOCATION:{}", escape(location)));
        }
        if let (Audience::Patient, Some(text)) = (feed.audience, feed.preparation) {
            line(&mut out, &format!("DESCRIPTION:{}", escape(text)));
        }
        line(&mut out, &format!("STATUS:{}", status(e.status)));
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(status: BookingStatus) -> FeedEvent {
        let start: Timestamp = "2026-03-02T14:00:00Z".parse().unwrap();
        let end: Timestamp = "2026-03-02T16:00:00Z".parse().unwrap();
        FeedEvent {
            id: BookingId(uuid::Uuid::from_u128(7)),
            kind: AppointmentKind::IvKetamineSession,
            slot: Slot::new(start, end).unwrap(),
            status,
            location: Some("Chair 1, window".to_owned()),
            sequence: 3,
        }
    }

    fn feed(audience: Audience, preparation: Option<&str>) -> Feed<'_> {
        Feed { name: "Chair 1", audience, preparation, stamp: "2026-03-01T00:00:00Z".parse().unwrap() }
    }

    #[test]
    fn escapes_text() {
        assert_eq!(escape("a\\b;c,d\r\ne"), "a\\\\b\\;c\\,d\\ne");
    }

    #[test]
    fn folds_long_utf8_lines_on_character_boundaries() {
        let mut out = String::new();
        let content = format!("SUMMARY:{}", "é".repeat(60));
        line(&mut out, &content);
        let lines: Vec<&str> = out.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.len() <= 75), "{lines:?}");
        assert!(lines.iter().skip(1).all(|l| l.starts_with(' ')));
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded.trim_end(), content);
    }

    #[test]
    fn uids_are_stable_and_lines_end_in_crlf() {
        let a = render(&feed(Audience::Staff, None), &[event(BookingStatus::Booked)]);
        let mut moved = event(BookingStatus::Cancelled);
        moved.sequence = 4;
        let b = render(&feed(Audience::Staff, None), &[moved]);
        let uid_line = format!("UID:{}\r\n", uid(BookingId(uuid::Uuid::from_u128(7))));
        assert!(a.contains(&uid_line) && b.contains(&uid_line));
        assert!(b.contains("STATUS:CANCELLED\r\n") && b.contains("SEQUENCE:4\r\n"));
        assert!(a.contains("DTSTART:20260302T140000Z\r\n") && a.contains("LOCATION:Chair 1\\, window\r\n"));
        assert!(a.starts_with("BEGIN:VCALENDAR\r\n") && a.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(a.matches('\n').count(), a.matches("\r\n").count(), "every line ends in CRLF");
    }

    #[test]
    fn only_patient_feeds_say_clinic_appointment_and_preparation() {
        let staff = render(&feed(Audience::Staff, Some("Fast for 4 hours")), &[event(BookingStatus::Booked)]);
        assert!(staff.contains("SUMMARY:IV ketamine session\r\n") && !staff.contains("DESCRIPTION"));
        let patient = render(&feed(Audience::Patient, Some("Fast for 4 hours")), &[event(BookingStatus::Booked)]);
        assert!(patient.contains("SUMMARY:Clinic appointment: IV ketamine session\r\n"));
        assert!(patient.contains("DESCRIPTION:Fast for 4 hours\r\n"));
        let bare = render(&feed(Audience::Patient, None), &[event(BookingStatus::Booked)]);
        assert!(!bare.contains("DESCRIPTION"));
    }
}
