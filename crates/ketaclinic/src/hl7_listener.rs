//! The HL7 v2 MLLP listener for patient monitors (`serve --hl7-listen ADDR`, `[hl7]` config).
//!
//! One task per connection; each connection answers its messages in order, one ACK per
//! message (MLLP is request/response). Limits per connection: a message larger than
//! `hl7.max_message_bytes` is answered AR and the connection closed (its framing can no longer
//! be trusted); a connection silent for `hl7.idle_timeout_seconds` is closed. Only peers in
//! `hl7.allowed_peers` (default loopback) are served: anyone who can reach the port could
//! otherwise inject vitals. A refused peer is closed at once and logged by address only.
//!
//! The listener records as one staff account (`hl7.account`), resolved at start: the server
//! refuses to start when it is missing, disabled or lacks `clinical.write`. A change to that
//! account (role, disabling) takes effect at the next start.
//!
//! Logs never carry PHI: no MRN, no value, no message text — the peer address, the message
//! control id (MSH-10, a sender's sequence number) and the outcome.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use ketaclinic_app::monitor_feed::{MonitorOutcome, MonitorReading, MonitorReadings, ObservedAt};
use ketaclinic_app::permissions::perm;
use ketaclinic_app::{Actor, App, AppError, AuthVia, ClientInfo, Permission};
use ketaclinic_domain::session::Vitals;
use ketaclinic_hl7v2::ack::{AckCode, AckError, AckInfo, build_ack};
use ketaclinic_hl7v2::{Deframer, FrameError, MappedReading, Received, frame, receive};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::config::Hl7Config;

/// Connections served at once; more are closed at once (and logged).
const MAX_CONNECTIONS: usize = 512;
/// Bytes read from the socket at a time.
const READ_CHUNK: usize = 16 * 1024;

/// An allowed peer network (`10.0.0.0/8`, `192.168.1.20`, `::1`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerNet {
    addr: IpAddr,
    prefix: u8,
}

impl FromStr for PeerNet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (ip, prefix) = match s.split_once('/') {
            Some((ip, p)) => (ip, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = ip.parse().map_err(|_| format!("{s:?} is not an IP address or CIDR network"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("{s:?}: prefix must be 0 to {max}"))?,
        };
        Ok(Self { addr: addr.to_canonical(), prefix })
    }
}

impl PeerNet {
    /// Whether `ip` is in this network (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32_u32.saturating_sub(u32::from(self.prefix))).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128_u32.saturating_sub(u32::from(self.prefix))).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Parses `hl7.allowed_peers`.
pub fn parse_peers(list: &[String]) -> anyhow::Result<Vec<PeerNet>> {
    list.iter().map(|p| p.parse::<PeerNet>().map_err(|e| anyhow::anyhow!("hl7.allowed_peers: {e}"))).collect()
}

/// The staff account the feed records as; refuses a missing, disabled or unpermitted one.
pub async fn resolve_actor(app: &App, email: &str) -> anyhow::Result<Actor> {
    let email = email.trim();
    if email.is_empty() {
        bail!("--hl7-listen needs hl7.account (KETACLINIC_HL7__ACCOUNT): the staff account, with clinical.write, the monitor feed records as");
    }
    let grant = app.authorize::<perm::UserManage>(&Actor::console()).await?;
    let user = app.user_by_email(&grant, email).await.map_err(|e| match e {
        AppError::NotFound => anyhow::anyhow!("hl7.account: no staff account {email}"),
        other => anyhow::anyhow!("hl7.account {email}: {other}"),
    })?;
    if user.disabled {
        bail!("hl7.account {email} is disabled");
    }
    if !app.allows(user.role, Permission::ClinicalWrite) {
        bail!("hl7.account {email} has role {}, which lacks clinical.write (use a nurse or prescriber account)", user.role.as_str());
    }
    Ok(Actor {
        user_id: user.id,
        email: user.email.as_str().to_owned(),
        display_name: user.display_name.as_str().to_owned(),
        role: user.role,
        via: AuthVia::Device,
        csrf_token: None,
        client: ClientInfo::new(None, Some("ketaclinic hl7 listener")),
    })
}

/// What every connection shares.
#[derive(Debug)]
struct Shared {
    app: App,
    actor: Actor,
    peers: Vec<PeerNet>,
    max_message_bytes: usize,
    idle: Duration,
    acks: AtomicU64,
}

/// A running listener: wait for it after the shutdown signal.
#[derive(Debug)]
pub struct Running {
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Waits until the listener and its connections have finished (at most `grace`).
    pub async fn finish(self, grace: Duration) {
        if tokio::time::timeout(grace, self.task).await.is_err() {
            tracing::warn!("hl7: connections still open after the grace period; closing them");
        }
    }
}

/// Resolves the account, binds `addr` and serves until `shutdown` turns true.
pub async fn start(addr: SocketAddr, config: &Hl7Config, app: App, shutdown: watch::Receiver<bool>) -> anyhow::Result<Running> {
    let peers = parse_peers(&config.allowed_peers)?;
    let actor = resolve_actor(&app, &config.account).await?;
    let listener = TcpListener::bind(addr).await.with_context(|| format!("cannot listen for HL7 on {addr}"))?;
    let local_addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        app,
        actor,
        peers,
        max_message_bytes: config.max_message_bytes,
        idle: Duration::from_secs(config.idle_timeout_seconds),
        acks: AtomicU64::new(0),
    });
    tracing::info!(%local_addr, "hl7 MLLP listener ready");
    let task = tokio::spawn(accept_loop(listener, shared, shutdown));
    Ok(Running { task })
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        // Reap finished connections so the set does not grow.
        while connections.try_join_next().is_some() {}
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(err) => {
                tracing::warn!(%err, "hl7: accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if !shared.peers.iter().any(|p| p.contains(peer.ip())) {
            tracing::warn!(peer = %peer.ip(), "hl7: connection refused, peer not in hl7.allowed_peers");
            drop(stream);
            continue;
        }
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            tracing::warn!(peer = %peer.ip(), "hl7: connection refused, too many open connections");
            drop(stream);
            continue;
        };
        let shared = shared.clone();
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            serve_connection(stream, peer, &shared, shutdown).await;
            drop(permit);
        });
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
    tracing::info!("hl7 listener stopped");
}

async fn serve_connection(mut stream: TcpStream, peer: SocketAddr, shared: &Shared, mut shutdown: watch::Receiver<bool>) {
    tracing::debug!(peer = %peer.ip(), "hl7: connection opened");
    let _ = stream.set_nodelay(true);
    let mut deframer = Deframer::new(shared.max_message_bytes);
    let mut buf = vec![0_u8; READ_CHUNK];
    loop {
        while let Some(frame_result) = deframer.next_frame() {
            let (reply, close) = match frame_result {
                Ok(body) => (handle_message(shared, &body, peer).await, false),
                Err(err) => {
                    tracing::warn!(peer = %peer.ip(), %err, "hl7: framing error");
                    let text = err.to_string();
                    let error = AckError { code: "100", name: "Segment sequence error", text: &text };
                    let ack = build_ack(&AckInfo::default(), AckCode::Reject, &next_id(shared), &now_dtm(shared), Some(&error));
                    (ack, matches!(err, FrameError::TooLarge { .. }))
                }
            };
            let write = tokio::time::timeout(shared.idle, stream.write_all(&frame(reply.as_bytes()))).await;
            if !matches!(write, Ok(Ok(()))) {
                tracing::debug!(peer = %peer.ip(), "hl7: could not write the ACK; closing");
                return;
            }
            if close {
                let _ = stream.shutdown().await;
                return;
            }
        }
        if *shutdown.borrow() {
            return;
        }
        let read = tokio::select! {
            r = tokio::time::timeout(shared.idle, stream.read(&mut buf)) => r,
            _ = shutdown.wait_for(|stop| *stop) => return,
        };
        match read {
            Err(_) => {
                tracing::debug!(peer = %peer.ip(), "hl7: idle timeout; closing");
                return;
            }
            Ok(Ok(0)) | Ok(Err(_)) => return,
            Ok(Ok(n)) => deframer.push(buf.get(..n).unwrap_or_default()),
        }
    }
}

/// The ACK's own control id: unique per server run and at most 20 characters (MSH-10).
fn next_id(shared: &Shared) -> String {
    let n = shared.acks.fetch_add(1, Ordering::Relaxed);
    let micros = shared.app.now().as_microsecond().unsigned_abs();
    format!("K{micros:x}{:04x}", n & 0xffff)
}

fn now_dtm(shared: &Shared) -> String {
    shared.app.now().strftime("%Y%m%d%H%M%S+0000").to_string()
}

fn reading(r: MappedReading) -> MonitorReading {
    let at = match r.at.to_timestamp(&jiff::tz::TimeZone::UTC) {
        Some(t) if r.at.offset_seconds.is_some() => ObservedAt::Instant(t),
        _ => ObservedAt::Local(r.at.civil),
    };
    let vitals = Vitals { systolic: r.systolic, diastolic: r.diastolic, heart_rate: r.heart_rate, spo2: r.spo2, resp_rate: r.resp_rate };
    MonitorReading { at, device_id: r.device_id, vitals }
}

/// One message in, one ACK out.
async fn handle_message(shared: &Shared, body: &[u8], peer: SocketAddr) -> String {
    let (info, received) = receive(body);
    let (code, condition, text) = match received {
        Received::Malformed(err) => {
            let (c, n) = err.condition();
            (AckCode::Reject, Some((c, n)), err.to_string())
        }
        Received::Unusable { error, .. } => (AckCode::Error, Some(("102", "Data type error")), error.to_string()),
        Received::Vitals { oru, readings } => {
            let mrn = oru.mrn().unwrap_or_default().to_owned();
            let mut actor = shared.actor.clone();
            actor.client = ClientInfo::new(Some(peer.ip().to_string()), Some("ketaclinic hl7 listener"));
            let msg = MonitorReadings { mrn, readings: readings.into_iter().map(reading).collect() };
            match shared.app.ingest_monitor_message(&actor, msg).await {
                Ok(MonitorOutcome::Recorded { accepted, duplicates, alerts, .. }) => {
                    tracing::debug!(peer = %peer.ip(), accepted, duplicates, alerts = alerts.len(), "hl7: readings recorded");
                    (AckCode::Accept, None, String::new())
                }
                Ok(MonitorOutcome::UnknownPatient) => (AckCode::Error, Some(("204", "Unknown key identifier")), "no patient with this MRN (PID-3)".to_owned()),
                Ok(MonitorOutcome::NoActiveSession) => {
                    (AckCode::Error, Some(("204", "Unknown key identifier")), "the patient has no open treatment session to record on".to_owned())
                }
                Ok(MonitorOutcome::Unusable(why)) => (AckCode::Error, Some(("102", "Data type error")), why),
                Err(err) => {
                    tracing::error!(peer = %peer.ip(), error = %err, "hl7: could not record the readings");
                    let text = match err {
                        AppError::Forbidden(_) => "the feed's account may not record vitals".to_owned(),
                        _ => "the server could not record the readings; send them again later".to_owned(),
                    };
                    (AckCode::Error, Some(("207", "Application internal error")), text)
                }
            }
        }
    };
    if code != AckCode::Accept {
        tracing::info!(peer = %peer.ip(), ack = code.as_str(), control_id = %info.control_id, reason = %text, "hl7: message not accepted");
    }
    let error = condition.map(|(c, n)| AckError { code: c, name: n, text: &text });
    build_ack(&info, code, &next_id(shared), &now_dtm(shared), error.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_networks() {
        let nets = parse_peers(&["127.0.0.1/32".to_owned(), "::1".to_owned(), "10.1.0.0/16".to_owned()]).unwrap();
        let allowed = |ip: &str| nets.iter().any(|n| n.contains(ip.parse().unwrap()));
        assert!(allowed("127.0.0.1"));
        assert!(allowed("::1"));
        assert!(allowed("::ffff:127.0.0.1"), "IPv4-mapped");
        assert!(allowed("10.1.200.3"));
        assert!(!allowed("10.2.0.1"));
        assert!(!allowed("127.0.0.2"));
        assert!(!allowed("192.168.1.1"));
        let any = parse_peers(&["0.0.0.0/0".to_owned()]).unwrap();
        assert!(any[0].contains("203.0.113.9".parse().unwrap()));
        for bad in ["localhost", "10.0.0.0/33", "::/129", "1.2.3.4/x", ""] {
            assert!(parse_peers(&[bad.to_owned()]).is_err(), "{bad}");
        }
    }
}
