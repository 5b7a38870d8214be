//! What the operating system says about this process (and a child it started).

/// Peak resident memory of this process in MB (Linux; `None` elsewhere).
pub fn peak_rss_mb() -> Option<f64> {
    peak_rss_mb_at("/proc/self/status")
}

/// Peak resident memory of another process (a server a benchmark drives) in MB (Linux).
pub fn peak_rss_mb_of(pid: u32) -> Option<f64> {
    peak_rss_mb_at(&format!("/proc/{pid}/status"))
}

fn peak_rss_mb_at(status: &str) -> Option<f64> {
    let status = std::fs::read_to_string(status).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Memory available to new allocations in bytes (`MemAvailable`, Linux; `None` elsewhere).
pub fn available_bytes() -> Option<usize> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.saturating_mul(1024))
}

/// Seconds since the Unix epoch as a civil UTC date and time: (year, month, day, hour, minute,
/// second), by Howard Hinnant's days-to-civil algorithm.
pub fn civil(secs: u64) -> (i64, i64, i64, u64, u64, u64) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
}

/// A moment as `YYYYMMDD-HHMMSS` (UTC), for folder names.
pub fn utc_stamp(secs: u64) -> String {
    let (y, m, d, h, mi, s) = civil(secs);
    format!("{y:04}{m:02}{d:02}-{h:02}{mi:02}{s:02}")
}

/// Now as RFC 3339 in UTC with milliseconds (`2026-12-03T16:46:38.123Z`), for logs.
pub fn utc_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let (y, m, d, h, mi, s) = civil(now.as_secs());
    format!(
        "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z",
        now.subsec_millis()
    )
}
