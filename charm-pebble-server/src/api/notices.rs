//! `/v1/notices` (`api_notices.go`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};

use super::CALLER_UID;
use crate::daemon::{notice_json, Daemon};
use crate::http::{Request, Response};
use crate::{duration, PebbleEvent};

struct NoticeFilter {
    user: Option<Option<u32>>,
    types: Vec<String>,
    keys: Vec<String>,
    after: Option<SystemTime>,
}

impl NoticeFilter {
    fn matches(&self, n: &crate::daemon::NoticeRec) -> bool {
        let user_ok = match self.user {
            None => true, // users=all
            Some(uid) => n.user_id.is_none() || n.user_id == uid,
        };
        user_ok
            && (self.types.is_empty() || self.types.contains(&n.kind))
            && (self.keys.is_empty() || self.keys.contains(&n.key))
            && self.after.is_none_or(|a| n.last_repeated > a)
    }
}

fn parse_time(t: &str) -> Option<SystemTime> {
    // RFC 3339 in UTC with optional fraction, as this server and Go write it.
    let t = t.strip_suffix('Z')?;
    let (date, time) = t.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>());
    let (y, mo, da) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut h = hms.split(':').map(|x| x.parse::<u64>());
    let (hh, mm, ss) = (h.next()?.ok()?, h.next()?.ok()?, h.next()?.ok()?);
    let nanos: u32 = format!("{frac:0<9}")[..9].parse().ok()?;
    // days_from_civil.
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + da - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = u64::try_from(era * 146_097 + doe - 719_468).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::new(days * 86_400 + hh * 3600 + mm * 60 + ss, nanos))
}

pub(super) fn get(d: &Daemon, req: &Request) -> Response {
    let user = if req.has_query("users") {
        if req.has_query("user-id") {
            return Response::error(400, r#"cannot use both "users" and "user-id" parameters"#);
        }
        if req.query("users") != Some("all") {
            return Response::error(400, r#"invalid "users" filter: must be "all""#);
        }
        None
    } else if let Some(u) = req.query("user-id") {
        match u.parse::<u32>() {
            Ok(u) => Some(Some(u)),
            Err(e) => return Response::error(400, format!(r#"invalid "user-id" filter: {e}"#)),
        }
    } else {
        Some(Some(CALLER_UID))
    };
    const TYPES: &[&str] = &["change-update", "custom", "warning"];
    let asked = req.query_list("types");
    let types: Vec<String> = asked
        .iter()
        .filter(|t| TYPES.contains(&t.as_str()))
        .cloned()
        .collect();
    if !asked.is_empty() && types.is_empty() {
        return Response::sync(json!([]));
    }
    let after = match req.query("after").filter(|a| !a.is_empty()) {
        None => None,
        Some(a) => match parse_time(a) {
            Some(t) => Some(t),
            None => return Response::error(400, format!(r#"invalid "after" timestamp: {a:?}"#)),
        },
    };
    let filter = NoticeFilter {
        user,
        types,
        keys: req.query_list("keys"),
        after,
    };
    let timeout = match req
        .query("timeout")
        .filter(|t| !t.is_empty())
        .map(duration::parse)
    {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => return Response::error(400, format!("invalid timeout: {e}")),
    };
    let st = d.lock();
    let st = match timeout.filter(|t| !t.is_zero()) {
        Some(t) => {
            d.wait_until(st, Some(Instant::now() + t), |s| {
                s.shutting_down || s.notices.iter().any(|n| filter.matches(n))
            })
            .0
        }
        None => st,
    };
    let list: Vec<Value> = st
        .notices
        .iter()
        .filter(|n| filter.matches(n))
        .map(notice_json)
        .collect();
    Response::sync(json!(list))
}

/// Pebble's custom notice key rule (`customKeyRegexp`).
fn valid_key(key: &str) -> bool {
    let word = |s: &str| {
        !s.is_empty()
            && s.split('-').all(|w| {
                !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
    };
    let Some((domain, path)) = key.split_once('/') else {
        return false;
    };
    domain.split('.').count() >= 2 && domain.split('.').all(word) && path.split('/').all(word)
}

pub(super) fn post(d: &Daemon, req: &Request) -> Response {
    let payload = match req.json() {
        Ok(v) => v,
        Err(r) => return r,
    };
    let s = |k: &str| payload.get(k).and_then(Value::as_str).unwrap_or_default();
    if s("action") != "add" {
        return Response::error(400, format!("invalid action {:?}", s("action")));
    }
    if s("type") != "custom" {
        return Response::error(
            400,
            format!(
                r#"invalid type {:?} (can only add "custom" notices)"#,
                s("type")
            ),
        );
    }
    let key = s("key");
    if !valid_key(key) {
        return Response::error(
            400,
            format!(r#"invalid key {key:?} (must be in "example.com/path" format)"#),
        );
    }
    if key.len() > 256 {
        return Response::error(400, "key must be 256 bytes or less");
    }
    let repeat_after = match payload
        .get("repeat-after")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
    {
        None => None,
        Some(r) => match duration::parse(r) {
            Ok(d) => Some(d),
            Err(e) => return Response::error(400, format!("invalid repeat-after: {e}")),
        },
    };
    let data_json = payload.get("data").cloned().unwrap_or(Value::Null);
    if data_json.to_string().len() > 4096 {
        return Response::error(400, "total size of data must be 4096 bytes or less");
    }
    let data: BTreeMap<String, String> = match data_json {
        Value::Null => BTreeMap::new(),
        v => match serde_json::from_value(v) {
            Ok(m) => m,
            Err(e) => return Response::error(400, format!("cannot decode notice data: {e}")),
        },
    };
    let mut st = d.lock();
    let (id, repeated) = st.add_notice(Some(CALLER_UID), "custom", key, data, repeat_after);
    d.cond.notify_all();
    drop(st);
    if repeated {
        d.emit(PebbleEvent::CustomNotice {
            id: id.to_string(),
            key: key.to_string(),
        });
    }
    Response::sync(json!({"id": id.to_string()}))
}

pub(super) fn get_one(d: &Daemon, id: &str) -> Response {
    let st = d.lock();
    match st.notices.iter().find(|n| n.id.to_string() == id) {
        Some(n) => Response::sync(notice_json(n)),
        None => Response::error(404, format!("cannot find notice with ID {id:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_keys_follow_pebbles_regexp() {
        for ok in ["example.com/db-ready", "a.b.c/x/y-z", "canonical.com/a1"] {
            assert!(valid_key(ok), "{ok}");
        }
        for bad in [
            "example/x",
            "Example.com/x",
            "example.com",
            "example.com/",
            "a..b/x",
            "a.b/-x",
        ] {
            assert!(!valid_key(bad), "{bad}");
        }
    }

    #[test]
    fn parses_our_own_timestamps() {
        let t = SystemTime::UNIX_EPOCH + Duration::new(1_709_251_199, 123_456_789);
        assert_eq!(parse_time(&crate::daemon::rfc3339(t)), Some(t));
        assert_eq!(
            parse_time("2024-01-01T00:00:00Z"),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200))
        );
        assert_eq!(parse_time("yesterday"), None);
    }
}
