//! The event log: a small simulation of app sessions, written day by day.
//!
//! A global clock advances by a random gap (at least 1 ms) per event, so every
//! event has its own `ts`, files are time-ordered, and `ts` strictly increases
//! per user. A few sessions run concurrently (enough that a user's consecutive
//! events are about a song apart); each event goes to a random one of them.
//! Memory is O(users + sessions), never O(events).

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use super::catalog::{Artist, Catalog, Song};
use super::json::{push_i64, push_opt_fixed5, push_str, push_u64};
use super::rng::{stream_key, Rng};
use super::vocab::{FEMALE_NAMES, MALE_NAMES, SURNAMES, UNKNOWN, USER_AGENTS, USER_LOCATIONS};
use super::{GenConfig, Limits};

/// 2018-11-01T00:00:00Z, the month of the sample.
const START_MS: i64 = 1_541_030_400_000;
const DAY_MS: i64 = 86_400_000;
/// Small runs span a month, like the sample.
const MIN_DAYS: u64 = 30;
/// Target time between a user's consecutive events: about one song.
const USER_STEP_MS: u64 = 210_000;
const NEVER: i64 = i64::MAX;
const STREAM_EVENTS: u64 = 10;
/// Extra day `n` draws from stream `STREAM_EXTRA_DAYS + n`.
const STREAM_EXTRA_DAYS: u64 = 1_000;
/// Share of users whose level changes during an extra day.
const P_LEVEL_CHANGE_A_DAY: f64 = 0.05;
/// The sample has about 83 events per user.
const EVENTS_PER_USER: u64 = 83;
const P_START_LOGGED_OUT: f64 = 0.08;

fn default_users(events: u64) -> u64 {
    events.div_ceil(EVENTS_PER_USER).max(1)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Page {
    NextSong,
    Home,
    Login,
    Logout,
    Settings,
    SaveSettings,
    Help,
    About,
    Upgrade,
    SubmitUpgrade,
    Downgrade,
    SubmitDowngrade,
    Error,
}

impl Page {
    fn name(self) -> &'static str {
        match self {
            Page::NextSong => "NextSong",
            Page::Home => "Home",
            Page::Login => "Login",
            Page::Logout => "Logout",
            Page::Settings => "Settings",
            Page::SaveSettings => "Save Settings",
            Page::Help => "Help",
            Page::About => "About",
            Page::Upgrade => "Upgrade",
            Page::SubmitUpgrade => "Submit Upgrade",
            Page::Downgrade => "Downgrade",
            Page::SubmitDowngrade => "Submit Downgrade",
            Page::Error => "Error",
        }
    }

    /// Method and status as the sample logs them: state changes are PUTs
    /// answered by a redirect, except NextSong.
    fn method_status(self) -> (&'static str, u64) {
        match self {
            Page::NextSong => ("PUT", 200),
            Page::Login
            | Page::Logout
            | Page::SaveSettings
            | Page::SubmitUpgrade
            | Page::SubmitDowngrade => ("PUT", 307),
            Page::Error => ("GET", 404),
            _ => ("GET", 200),
        }
    }
}

/// Non-song pages of a logged-in step, with probabilities; NextSong takes the
/// rest. `Upgrade` means Downgrade for paid users.
const LOGGED_IN_PAGES: &[(Page, f64)] = &[
    (Page::Home, 0.035),
    (Page::Logout, 0.012),
    (Page::Upgrade, 0.009),
    (Page::Settings, 0.007),
    (Page::Help, 0.005),
    (Page::About, 0.003),
    (Page::Error, 0.0012),
];

const LOGGED_OUT_PAGES: &[(Page, f64)] = &[
    (Page::Home, 0.45),
    (Page::Login, 0.45),
    (Page::About, 0.06),
    (Page::Help, 0.04),
];

fn pick_page(rng: &mut Rng, table: &[(Page, f64)], rest: Page) -> Page {
    let mut r = rng.unit();
    for &(page, p) in table {
        if r < p {
            return page;
        }
        r -= p;
    }
    rest
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Free,
    Paid,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Free => "free",
            Level::Paid => "paid",
        }
    }
}

/// Indexes into the vocab lists keep a user at ~40 bytes.
struct User {
    first: u16,
    last: u16,
    female: bool,
    location: u8,
    agent: u8,
    registration: i64,
    level: Level,
    /// When a free user will upgrade (Upgrade → Submit Upgrade → Home).
    upgrade_at: i64,
    downgrade_at: i64,
    /// In a running session: a user has one session at a time.
    active: bool,
    /// Has a logged-in event in the files.
    seen: bool,
}

impl User {
    fn new(rng: &mut Rng, span_ms: i64) -> Self {
        let female = rng.chance(0.6);
        let names = if female { FEMALE_NAMES } else { MALE_NAMES };
        let level = if rng.chance(0.45) {
            Level::Paid
        } else {
            Level::Free
        };
        let mut user = User {
            first: rng.below(names.len() as u64) as u16,
            last: rng.below(SURNAMES.len() as u64) as u16,
            female,
            location: rng.below(USER_LOCATIONS.len() as u64) as u8,
            agent: rng.below(USER_AGENTS.len() as u64) as u8,
            registration: START_MS - 1 - rng.below(120 * DAY_MS as u64) as i64,
            level,
            upgrade_at: NEVER,
            downgrade_at: NEVER,
            active: false,
            seen: false,
        };
        // Level changes happen mid-stream, between 10% and 90% of the span.
        let at = START_MS + (span_ms as f64 * (0.1 + 0.8 * rng.unit())) as i64;
        match level {
            Level::Free if rng.chance(0.12) => user.upgrade_at = at,
            Level::Paid if rng.chance(0.05) => user.downgrade_at = at,
            _ => {}
        }
        user
    }

    /// The level the user has once the data set's level change is made.
    fn settle_level(&mut self) {
        if self.upgrade_at != NEVER {
            self.level = Level::Paid;
            self.upgrade_at = NEVER;
        }
        if self.downgrade_at != NEVER {
            self.level = Level::Free;
            self.downgrade_at = NEVER;
        }
    }

    /// A change of level (upgrade or downgrade) at `at`.
    fn schedule_level_change(&mut self, at: i64) {
        match self.level {
            Level::Free => self.upgrade_at = at,
            Level::Paid => self.downgrade_at = at,
        }
    }

    fn first_name(&self) -> &'static str {
        let names = if self.female {
            FEMALE_NAMES
        } else {
            MALE_NAMES
        };
        names[usize::from(self.first)]
    }
}

/// Pages the session must show next (e.g. Submit Upgrade, then Home).
#[derive(Clone, Copy, Default)]
struct Pending([Option<Page>; 2]);

impl Pending {
    fn push(&mut self, page: Page) {
        let slot = self.0.iter_mut().find(|s| s.is_none());
        *slot.expect("at most two pages are queued") = Some(page);
    }

    fn pop(&mut self) -> Option<Page> {
        let page = self.0[0].take();
        self.0[0] = self.0[1].take();
        page
    }

    fn is_empty(&self) -> bool {
        self.0[0].is_none()
    }
}

struct Session {
    id: u64,
    user: usize,
    item: u64,
    /// Steps left before the session may end.
    left: u32,
    logged_in: bool,
    pending: Pending,
}

/// One step of one session, before its effects are applied.
struct Event {
    session: usize,
    page: Page,
    logged_in: bool,
}

/// What was written, for the summary.
#[derive(Debug, Default)]
pub(crate) struct EventStats {
    pub(crate) events: u64,
    pub(crate) next_song: u64,
    pub(crate) matched: u64,
    pub(crate) users: u64,
    pub(crate) files: u64,
    pub(crate) bytes: u64,
}

struct Sim<'a> {
    rng: Rng,
    catalog: &'a Catalog,
    match_rate: f64,
    users: Vec<User>,
    sessions: Vec<Session>,
    last_session_id: u64,
    /// The current play (a catalogue song or an unknown one), reused.
    song: Song,
    artist: Artist,
    matched: bool,
    stats: EventStats,
}

impl<'a> Sim<'a> {
    fn new(config: &GenConfig, catalog: &'a Catalog, users: u64, clock: &Clock) -> Self {
        let mut rng = Rng::new(stream_key(config.seed, STREAM_EVENTS));
        let users: Vec<User> = (0..users)
            .map(|_| User::new(&mut rng, clock.span_ms))
            .collect();
        let concurrent = (USER_STEP_MS / clock.mean_gap).clamp(1, (users.len() as u64 / 4).max(1));
        let mut sim = Sim {
            rng,
            catalog,
            match_rate: config.match_rate,
            users,
            sessions: Vec::with_capacity(concurrent as usize),
            last_session_id: 0,
            song: Song::default(),
            artist: Artist::default(),
            matched: false,
            stats: EventStats::default(),
        };
        for _ in 0..concurrent {
            let session = sim.new_session();
            sim.sessions.push(session);
        }
        sim
    }

    fn new_session(&mut self) -> Session {
        let user = self.pick_idle_user();
        self.users[user].active = true;
        self.last_session_id += 1;
        let logged_in = !self.rng.chance(P_START_LOGGED_OUT);
        let mut pending = Pending::default();
        if !logged_in || self.rng.chance(0.2) {
            pending.push(Page::Home);
        }
        // Product of three uniforms: mostly short sessions, some long ones.
        let r = self.rng.unit() * self.rng.unit() * self.rng.unit();
        Session {
            id: self.last_session_id,
            user,
            item: 0,
            left: 1 + (r * 70.0) as u32,
            logged_in,
            pending,
        }
    }

    /// A skewed pick (heavy users), falling back to a scan: fewer sessions
    /// than users run at once, so an idle user always exists.
    fn pick_idle_user(&mut self) -> usize {
        let n = self.users.len() as u64;
        for _ in 0..8 {
            let u = self.rng.skewed(n) as usize;
            if !self.users[u].active {
                return u;
            }
        }
        let start = self.rng.below(n);
        (0..n)
            .map(|k| ((start + k) % n) as usize)
            .find(|&u| !self.users[u].active)
            .expect("fewer sessions than users")
    }

    fn step(&mut self, ts: i64) -> Event {
        let session = self.rng.below(self.sessions.len() as u64) as usize;
        let page = self.choose_page(session, ts);
        if page == Page::NextSong {
            self.pick_play();
        }
        Event {
            session,
            page,
            logged_in: self.sessions[session].logged_in,
        }
    }

    fn choose_page(&mut self, s: usize, ts: i64) -> Page {
        let session = &mut self.sessions[s];
        if let Some(page) = session.pending.pop() {
            return page;
        }
        if !session.logged_in {
            return pick_page(&mut self.rng, LOGGED_OUT_PAGES, Page::Home);
        }
        let user = &self.users[session.user];
        if user.level == Level::Free && user.upgrade_at <= ts {
            session.pending.push(Page::SubmitUpgrade);
            session.pending.push(Page::Home);
            return Page::Upgrade;
        }
        if user.level == Level::Paid && user.downgrade_at <= ts {
            session.pending.push(Page::SubmitDowngrade);
            session.pending.push(Page::Home);
            return Page::Downgrade;
        }
        match pick_page(&mut self.rng, LOGGED_IN_PAGES, Page::NextSong) {
            Page::Upgrade if user.level == Level::Paid => Page::Downgrade,
            page => page,
        }
    }

    /// A catalogue song (hot songs first) with probability `match_rate`,
    /// otherwise a song made of words the catalogue never uses.
    fn pick_play(&mut self) {
        self.matched = self.catalog.songs > 0 && self.rng.chance(self.match_rate);
        if self.matched {
            let i = self.rng.skewed(self.catalog.songs);
            self.catalog.song(i, &mut self.song);
            self.catalog.artist(self.song.artist, &mut self.artist);
        } else {
            UNKNOWN.title(&mut self.rng, &mut self.song.title);
            UNKNOWN.artist_name(&mut self.rng, &mut self.artist.name);
            let spread = 180 * 100_000;
            self.song.duration_e5 =
                (30 * 100_000 + self.rng.below(spread) + self.rng.below(spread)) as i64;
        }
    }

    /// One JSON line, keys in the sample's order.
    fn render(&self, e: &Event, ts: i64, buf: &mut Vec<u8>) {
        let session = &self.sessions[e.session];
        let user = &self.users[session.user];
        let (song, li) = (e.page == Page::NextSong, e.logged_in);
        let (method, status) = e.page.method_status();
        buf.extend_from_slice(b"{\"artist\":");
        push_opt_str(buf, song.then_some(self.artist.name.as_str()));
        buf.extend_from_slice(b",\"auth\":");
        push_str(buf, if li { "Logged In" } else { "Logged Out" }, true);
        buf.extend_from_slice(b",\"firstName\":");
        push_opt_str(buf, li.then(|| user.first_name()));
        buf.extend_from_slice(b",\"gender\":");
        push_opt_str(buf, li.then_some(if user.female { "F" } else { "M" }));
        buf.extend_from_slice(b",\"itemInSession\":");
        push_u64(buf, session.item);
        buf.extend_from_slice(b",\"lastName\":");
        push_opt_str(buf, li.then(|| SURNAMES[usize::from(user.last)]));
        buf.extend_from_slice(b",\"length\":");
        push_opt_fixed5(buf, song.then_some(self.song.duration_e5));
        buf.extend_from_slice(b",\"level\":");
        push_str(buf, user.level.name(), true);
        buf.extend_from_slice(b",\"location\":");
        push_opt_str(buf, li.then(|| USER_LOCATIONS[usize::from(user.location)]));
        buf.extend_from_slice(b",\"method\":");
        push_str(buf, method, true);
        buf.extend_from_slice(b",\"page\":");
        push_str(buf, e.page.name(), true);
        buf.extend_from_slice(b",\"registration\":");
        if li {
            // Logged as a float, like the sample.
            push_i64(buf, user.registration);
            buf.extend_from_slice(b".0");
        } else {
            buf.extend_from_slice(b"null");
        }
        buf.extend_from_slice(b",\"sessionId\":");
        push_u64(buf, session.id);
        buf.extend_from_slice(b",\"song\":");
        push_opt_str(buf, song.then_some(self.song.title.as_str()));
        buf.extend_from_slice(b",\"status\":");
        push_u64(buf, status);
        buf.extend_from_slice(b",\"ts\":");
        push_i64(buf, ts);
        buf.extend_from_slice(b",\"userAgent\":");
        push_opt_str(buf, li.then(|| USER_AGENTS[usize::from(user.agent)]));
        buf.extend_from_slice(b",\"userId\":\"");
        if li {
            push_u64(buf, session.user as u64 + 1);
        }
        buf.extend_from_slice(b"\"}\n");
    }

    /// The event's effects on session and user, after it is written.
    fn apply(&mut self, e: &Event) {
        self.count(e);
        let session = &mut self.sessions[e.session];
        let user = &mut self.users[session.user];
        user.seen |= e.logged_in;
        session.item += 1;
        session.left = session.left.saturating_sub(1);
        match e.page {
            Page::Login => {
                session.logged_in = true;
                session.pending.push(Page::Home);
            }
            // Half the users leave after logging out.
            Page::Logout => {
                session.logged_in = false;
                if self.rng.chance(0.5) {
                    session.left = 0;
                }
            }
            Page::Settings if self.rng.chance(0.2) => session.pending.push(Page::SaveSettings),
            Page::SubmitUpgrade => {
                user.level = Level::Paid;
                user.upgrade_at = NEVER;
            }
            Page::SubmitDowngrade => {
                user.level = Level::Free;
                user.downgrade_at = NEVER;
            }
            _ => {}
        }
        if session.left == 0 && session.pending.is_empty() {
            user.active = false;
            self.sessions[e.session] = self.new_session();
        }
    }

    fn count(&mut self, e: &Event) {
        self.stats.events += 1;
        if e.page == Page::NextSong {
            self.stats.next_song += 1;
            self.stats.matched += u64::from(self.matched);
        }
    }
}

fn push_opt_str(buf: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => push_str(buf, s, true),
        None => buf.extend_from_slice(b"null"),
    }
}

/// The global clock: strictly increasing, `mean_gap` ms per event on average.
struct Clock {
    now: i64,
    mean_gap: u64,
    span_ms: i64,
}

impl Clock {
    /// Spreads `events` over whole days at about `per_day` events a day.
    fn new(events: u64, per_day: u64) -> Self {
        let days = events.div_ceil(per_day.max(1)).max(MIN_DAYS);
        let span_ms = days * DAY_MS as u64;
        Clock {
            now: START_MS,
            mean_gap: (span_ms / events.max(1)).max(1),
            span_ms: span_ms as i64,
        }
    }

    fn tick(&mut self, rng: &mut Rng) -> i64 {
        self.now += 1 + rng.below(2 * self.mean_gap - 1) as i64;
        self.now
    }

    fn jump_to(&mut self, ts: i64) -> i64 {
        self.now = self.now.max(ts);
        self.now
    }
}

/// `log_data/YYYY/MM/YYYY-MM-DD-events.json`, one open file at a time.
struct DayFiles {
    dir: PathBuf,
    day: i64,
    file: Option<BufWriter<File>>,
    in_file: u64,
    cap: u64,
    files: u64,
    bytes: u64,
}

impl DayFiles {
    fn is_full(&self, day: i64) -> bool {
        self.file.is_some() && self.day == day && self.in_file >= self.cap
    }

    fn write(&mut self, ts: i64, line: &[u8]) -> io::Result<()> {
        let day = ts.div_euclid(DAY_MS);
        if self.file.is_none() || self.day != day {
            self.open(day)?;
        }
        let file = self.file.as_mut().expect("opened above");
        file.write_all(line)?;
        self.in_file += 1;
        self.bytes += line.len() as u64;
        Ok(())
    }

    fn open(&mut self, day: i64) -> io::Result<()> {
        self.close()?;
        let (y, m, d) = civil_from_days(day);
        let dir = self.dir.join(format!("{y:04}")).join(format!("{m:02}"));
        fs::create_dir_all(&dir)?;
        let file = File::create(dir.join(format!("{y:04}-{m:02}-{d:02}-events.json")))?;
        self.day = day;
        self.in_file = 0;
        self.files += 1;
        self.file = Some(BufWriter::with_capacity(1 << 20, file));
        Ok(())
    }

    /// Flushes explicitly: dropping a BufWriter would swallow write errors.
    fn close(&mut self) -> io::Result<()> {
        if let Some(file) = self.file.take() {
            file.into_inner().map_err(io::IntoInnerError::into_error)?;
        }
        Ok(())
    }
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`), to name files without a date library.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Writes `log_data/`; see the module docs of [`super`].
pub(crate) fn write_events(
    config: &GenConfig,
    catalog: &Catalog,
    out: &std::path::Path,
    limits: &Limits,
) -> io::Result<EventStats> {
    let mut clock = Clock::new(config.events, limits.events_per_day);
    let users = config.users.unwrap_or_else(|| default_users(config.events));
    let sim = Sim::new(config, catalog, users, &clock);
    write_stream(sim, &mut clock, out, limits, config.events)
}

/// Writes `log_data/` of one more day of `events` events, the `extra`-th
/// (from 1) after the data set `config` generates: the same users (their
/// level changes of the data set made), the same catalogue, events of their
/// own random stream, every `ts` later than the data set's. A day leaves a
/// day's gap after the data set, whose last event may pass its span by
/// some minutes.
pub(crate) fn write_extra_day(
    config: &GenConfig,
    catalog: &Catalog,
    out: &std::path::Path,
    limits: &Limits,
    (extra, events): (u64, u64),
) -> io::Result<EventStats> {
    let span = Clock::new(config.events, limits.events_per_day).span_ms;
    let start = START_MS + span + extra as i64 * DAY_MS;
    let mut clock = Clock {
        now: start,
        // Ends about a tenth before midnight: the day stays one day.
        mean_gap: (DAY_MS as u64 * 9 / 10 / events.max(1)).max(1),
        span_ms: span,
    };
    let users = config.users.unwrap_or_else(|| default_users(config.events));
    let mut sim = Sim::new(config, catalog, users, &clock);
    sim.rng = Rng::new(stream_key(config.seed, STREAM_EXTRA_DAYS + extra));
    let Sim { users, rng, .. } = &mut sim;
    for user in users.iter_mut() {
        user.settle_level();
        // A few users change level during the day, as during the data set.
        if rng.chance(P_LEVEL_CHANGE_A_DAY) {
            user.schedule_level_change(start + rng.below(DAY_MS as u64 * 8 / 10) as i64);
        }
    }
    // Session ids after the data set's (it has at most one per event).
    sim.last_session_id = config.events + extra * events.max(1);
    let concurrent = sim.sessions.len();
    sim.sessions.clear();
    for _ in 0..concurrent {
        let session = sim.new_session();
        sim.sessions.push(session);
    }
    write_stream(sim, &mut clock, out, limits, events)
}

/// `events` events of `sim` on `clock`, into day files below `out`.
fn write_stream(
    mut sim: Sim<'_>,
    clock: &mut Clock,
    out: &std::path::Path,
    limits: &Limits,
    events: u64,
) -> io::Result<EventStats> {
    let dir = out.join("log_data");
    fs::create_dir_all(&dir)?;
    let mut files = DayFiles {
        dir,
        day: 0,
        file: None,
        in_file: 0,
        cap: limits.max_events_per_file.max(1),
        files: 0,
        bytes: 0,
    };
    let mut line = Vec::with_capacity(1024);
    for _ in 0..events {
        let mut ts = clock.tick(&mut sim.rng);
        let day = ts.div_euclid(DAY_MS);
        if files.is_full(day) {
            ts = clock.jump_to((day + 1) * DAY_MS);
        }
        let event = sim.step(ts);
        line.clear();
        sim.render(&event, ts, &mut line);
        files.write(ts, &line)?;
        sim.apply(&event);
    }
    files.close()?;
    let mut stats = sim.stats;
    stats.users = sim.users.iter().filter(|u| u.seen).count() as u64;
    stats.files = files.files;
    stats.bytes = files.bytes;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(START_MS / DAY_MS), (2018, 11, 1));
        assert_eq!(civil_from_days(17_896), (2018, 12, 31));
        assert_eq!(civil_from_days(17_897), (2019, 1, 1));
        assert_eq!(civil_from_days(18_321), (2020, 2, 29));
    }
}
