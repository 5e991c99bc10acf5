//! Bulk Data export jobs (FHIR Bulk Data Access IG, issue 7): the registry of running and
//! finished jobs, and the runner that writes one NDJSON file per resource type.
//!
//! A job reads the clinic a page of patients at a time (keyset order, see
//! `ketaclinic_app::export`), maps each patient's record to resources and appends the lines to
//! its files, so memory stays flat however large the clinic. Files live in
//! `{export_dir}/{job}/` and are deleted when the client cancels the job or when the retention
//! time after completion has passed (checked on every export request and by a timer).
//!
//! Jobs are held in this process's memory: a restart forgets them and the client starts again,
//! which the IG allows (a status request for an unknown job is a 404). With several server
//! processes in front of one PostgreSQL database, route a client's export requests to one
//! process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use jiff::{SignedDuration, Timestamp};
use ketaclinic_app::App;
use ketaclinic_app::export::ExportCursor;
use ketaclinic_app::permissions::Granted;
use ketaclinic_app::permissions::perm::BulkExport;
use ketaclinic_domain::ids::UserId;
use ketaclinic_fhir::ServerBase;
use serde::Serialize;

use crate::fhir_export_types::{ExportType, definitions, patient_resources};

/// Patients read per page: large enough that per-page costs vanish.
const PAGE: u32 = 200;
/// Lines are appended to the files whenever this many bytes are waiting, so memory stays flat
/// even when a page's patients hold hundreds of thousands of readings.
const FLUSH_BYTES: usize = 8 * 1024 * 1024;

/// What a client asked to export.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// The kick-off URL as the client sent it (echoed in the manifest).
    pub url: String,
    pub types: Vec<ExportType>,
    /// Only resources changed at or after this instant (`_since`).
    pub since: Option<Timestamp>,
}

/// One file of a finished export, as the manifest lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Output {
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub url: String,
    pub count: u64,
}

/// Where a job is.
#[derive(Debug, Clone)]
pub enum JobState {
    Running { patients: u64, resources: u64 },
    Done { finished_at: Timestamp, outputs: Vec<Output> },
    Failed { message: String },
}

/// One export job.
#[derive(Debug)]
pub struct Job {
    pub owner: UserId,
    pub request: ExportRequest,
    /// When the export started: the data is as of this instant (resources changed later are
    /// left out, as the IG asks).
    pub transaction_time: Timestamp,
    pub state: JobState,
    cancelled: Arc<AtomicBool>,
}

/// Settings of the export.
#[derive(Debug, Clone)]
pub struct ExportSettings {
    /// Where job files are written (one directory per job).
    pub dir: PathBuf,
    /// How long a finished job's files are kept.
    pub retention: SignedDuration,
    /// How many jobs may run at once (each reads the whole clinic).
    pub max_running: usize,
}

impl Default for ExportSettings {
    fn default() -> Self {
        Self { dir: std::env::temp_dir().join("ketaclinic-exports"), retention: SignedDuration::from_hours(1), max_running: 2 }
    }
}

/// Why a job could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0} exports are already running; try again when one has finished")]
    Busy(usize),
    #[error("the export directory could not be created: {0}")]
    Io(#[from] std::io::Error),
}

/// The jobs of this server process.
#[derive(Debug)]
pub struct ExportJobs {
    settings: ExportSettings,
    jobs: Mutex<HashMap<uuid::Uuid, Job>>,
}

impl ExportJobs {
    pub fn new(settings: ExportSettings) -> Self {
        Self { settings, jobs: Mutex::new(HashMap::new()) }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<uuid::Uuid, Job>> {
        // A panic while holding the lock cannot leave a job half-updated (every update is one
        // assignment), so a poisoned lock is still consistent.
        self.jobs.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn job_dir(&self, id: uuid::Uuid) -> PathBuf {
        self.settings.dir.join(id.to_string())
    }

    /// The path of a job's file for `type_`, if the job exists, belongs to `owner`, is done and
    /// produced that file.
    pub fn file(&self, id: uuid::Uuid, owner: UserId, type_: &str) -> Option<PathBuf> {
        let jobs = self.lock();
        let job = jobs.get(&id).filter(|j| j.owner == owner)?;
        match &job.state {
            JobState::Done { outputs, .. } if outputs.iter().any(|o| o.type_ == type_) => Some(self.job_dir(id).join(format!("{type_}.ndjson"))),
            _ => None,
        }
    }

    /// A snapshot of a job of `owner`'s.
    pub fn status(&self, id: uuid::Uuid, owner: UserId) -> Option<(JobState, Timestamp, String)> {
        let jobs = self.lock();
        let job = jobs.get(&id).filter(|j| j.owner == owner)?;
        Some((job.state.clone(), job.transaction_time, job.request.url.clone()))
    }

    /// Cancels a job of `owner`'s (running or finished) and deletes its files; `false` if there
    /// is no such job.
    pub fn cancel(&self, id: uuid::Uuid, owner: UserId) -> bool {
        let removed = {
            let mut jobs = self.lock();
            match jobs.get(&id) {
                Some(job) if job.owner == owner => jobs.remove(&id),
                _ => None,
            }
        };
        let Some(job) = removed else { return false };
        job.cancelled.store(true, Ordering::SeqCst);
        remove_dir(&self.job_dir(id));
        true
    }

    /// Forgets finished jobs whose retention has passed and deletes their files.
    pub fn purge(&self, now: Timestamp) {
        let expired: Vec<uuid::Uuid> = {
            let mut jobs = self.lock();
            let expired: Vec<uuid::Uuid> = jobs
                .iter()
                .filter(|(_, job)| match &job.state {
                    JobState::Done { finished_at, .. } => *finished_at + self.settings.retention <= now,
                    JobState::Failed { .. } => job.transaction_time + self.settings.retention <= now,
                    JobState::Running { .. } => false,
                })
                .map(|(id, _)| *id)
                .collect();
            for id in &expired {
                jobs.remove(id);
            }
            expired
        };
        for id in expired {
            remove_dir(&self.job_dir(id));
        }
    }

    /// Registers a job and starts it in the background; returns its id.
    pub fn start(self: &Arc<Self>, app: App, grant: Granted<BulkExport>, request: ExportRequest, base: ServerBase) -> Result<uuid::Uuid, StartError> {
        let id = uuid::Uuid::now_v7();
        let cancelled = Arc::new(AtomicBool::new(false));
        {
            let mut jobs = self.lock();
            let running = jobs.values().filter(|j| matches!(j.state, JobState::Running { .. })).count();
            if running >= self.settings.max_running {
                return Err(StartError::Busy(running));
            }
            std::fs::create_dir_all(self.job_dir(id))?;
            let job = Job {
                owner: grant.actor().user_id,
                request: request.clone(),
                transaction_time: app.now(),
                state: JobState::Running { patients: 0, resources: 0 },
                cancelled: Arc::clone(&cancelled),
            };
            jobs.insert(id, job);
        }
        let jobs = Arc::clone(self);
        tokio::spawn(async move {
            let run = Run { jobs: Arc::clone(&jobs), id, app: app.clone(), grant, request, base, cancelled: Arc::clone(&cancelled) };
            let state = match run.run().await {
                Ok(outputs) => JobState::Done { finished_at: app.now(), outputs },
                Err(message) => {
                    tracing::error!(job = %id, %message, "bulk export failed");
                    JobState::Failed { message }
                }
            };
            if cancelled.load(Ordering::SeqCst) {
                remove_dir(&jobs.job_dir(id));
                return;
            }
            jobs.set_state(id, state);
            // The timer that deletes the files once nobody has asked for them in time.
            let retention = std::time::Duration::try_from(jobs.settings.retention).unwrap_or_default();
            tokio::time::sleep(retention).await;
            jobs.purge(app.now());
        });
        Ok(id)
    }

    fn set_state(&self, id: uuid::Uuid, state: JobState) {
        if let Some(job) = self.lock().get_mut(&id) {
            job.state = state;
        }
    }
}

fn remove_dir(dir: &Path) {
    if let Err(e) = std::fs::remove_dir_all(dir)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(dir = %dir.display(), error = %e, "could not delete export files");
    }
}

/// One running export.
struct Run {
    jobs: Arc<ExportJobs>,
    id: uuid::Uuid,
    app: App,
    grant: Granted<BulkExport>,
    request: ExportRequest,
    base: ServerBase,
    cancelled: Arc<AtomicBool>,
}

/// Lines waiting to be appended, per type, and how many of each type were written so far.
#[derive(Default)]
struct Tally {
    lines: HashMap<ExportType, Vec<u8>>,
    /// Bytes waiting in `lines`.
    waiting: usize,
    counts: Vec<(ExportType, u64)>,
    resources: u64,
}

impl Tally {
    fn add(&mut self, type_: ExportType, resource: &ketaclinic_fhir::Resource) -> Result<(), String> {
        let buf = self.lines.entry(type_).or_default();
        let before = buf.len();
        serde_json::to_writer(&mut *buf, resource).map_err(|e| e.to_string())?;
        buf.push(b'\n');
        self.waiting += buf.len() - before;
        match self.counts.iter_mut().find(|(t, _)| *t == type_) {
            Some((_, n)) => *n += 1,
            None => self.counts.push((type_, 1)),
        }
        self.resources += 1;
        Ok(())
    }

    /// Appends what is waiting to the job's files.
    async fn flush(&mut self, dir: &Path) -> Result<(), String> {
        self.waiting = 0;
        append(dir.to_path_buf(), std::mem::take(&mut self.lines)).await
    }
}

impl Run {
    /// Whether a resource that last changed at `changed` belongs in the export.
    fn keep(&self, changed: Timestamp, until: Timestamp) -> bool {
        changed <= until && self.request.since.is_none_or(|since| changed >= since)
    }

    async fn run(&self) -> Result<Vec<Output>, String> {
        let dir = self.jobs.job_dir(self.id);
        let until = self.app.now();
        let mut tally = Tally::default();
        for (type_, changed, resource) in definitions(&self.request.types, &self.base) {
            if self.keep(changed, until) {
                tally.add(type_, &resource)?;
            }
        }
        let mut patients = 0u64;
        let mut after: Option<ExportCursor> = None;
        loop {
            if self.cancelled.load(Ordering::SeqCst) {
                return Ok(Vec::new());
            }
            let page = self.app.export_page(&self.grant, after.as_ref(), PAGE).await.map_err(|e| e.to_string())?;
            for exported in &page.patients {
                for (type_, changed, resource) in patient_resources(exported, &self.request.types, &self.base) {
                    if self.keep(changed, until) {
                        tally.add(type_, &resource)?;
                    }
                }
                if tally.waiting >= FLUSH_BYTES {
                    tally.flush(&dir).await?;
                }
            }
            patients += u64::try_from(page.patients.len()).unwrap_or(u64::MAX);
            tally.flush(&dir).await?;
            self.jobs.set_state(self.id, JobState::Running { patients, resources: tally.resources });
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let mut counts = tally.counts;
        counts.sort_by_key(|(t, _)| ExportType::ALL.iter().position(|r| r == t));
        let file_url = |t: ExportType| format!("{}/$export-file/{}/{}.ndjson", self.base.fhir(), self.id, t.as_str());
        Ok(counts.into_iter().map(|(t, count)| Output { type_: t.as_str(), url: file_url(t), count }).collect())
    }
}

/// Appends a page's lines to the job's files, off the async workers.
async fn append(dir: PathBuf, lines: HashMap<ExportType, Vec<u8>>) -> Result<(), String> {
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        for (type_, bytes) in lines {
            let path = dir.join(format!("{}.ndjson", type_.as_str()));
            let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
            file.write_all(&bytes)?;
        }
        Ok::<(), std::io::Error>(())
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("writing the export files: {e}"))
}
