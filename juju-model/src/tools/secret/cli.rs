//! The command lines of the secret tools.

use serde_json::{json, Map, Value};

use super::{SecretAdd, SecretGet, SecretSet};
use crate::cli::{boolean, decode_base64, emit, no_extra, parse, settings_file, val, with_fmt};
use crate::cli::{Io, Parsed, Res, FMT};
use crate::error::{quote, ToolError};
use crate::model::Bag;
use crate::names::parse_secret_id;
use crate::tools::HookContext;

/// The flags `secret-add` and `secret-set` share (`secretUpsertCommand.SetFlags`).
const UPSERT: [crate::cli::Flag; 6] = [
    val(&["label"]),
    val(&["description"]),
    val(&["expire"]),
    val(&["rotate"]),
    val(&["owner"]),
    val(&["file"]),
];

/// Content from `key=value`, `key#base64=<base64>` and `key#file=<path>` arguments, then
/// the `--file`'s keys over them (`secrets.CreateSecretData`, `ReadSecretData`).
fn content(p: &Parsed, args: &[String], io: &Io) -> Result<Bag, ToolError> {
    let mut out = Bag::new();
    for a in args {
        let Some((lhs, v)) = a.split_once('=') else {
            return Err(ToolError::usage(format!(
                "key value {} not valid",
                quote(a)
            )));
        };
        let (key, value) = if let Some(k) = lhs.strip_suffix("#file") {
            (k, io.read(v)?)
        } else if let Some(k) = lhs.strip_suffix("#base64") {
            let bytes = decode_base64(v).ok_or_else(|| {
                ToolError::usage(format!("invalid base64 value for key {}", quote(k)))
            })?;
            (k, String::from_utf8_lossy(&bytes).into_owned())
        } else {
            (lhs, v.to_string())
        };
        out.insert(key.to_string(), value);
    }
    if let Some(f) = p.value("file") {
        out.extend(settings_file(&io.read(f)?, "secret content")?);
    }
    Ok(out)
}

pub(crate) fn secret_add(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
    let p = parse(args, &UPSERT)?;
    let uri = cx.secret_add(&SecretAdd {
        owner: p.value("owner"),
        label: p.value("label"),
        description: p.value("description"),
        expire: p.value("expire"),
        rotate: p.value("rotate"),
        content: content(&p, &p.args, io)?,
        from_file: p.value("file").is_some(),
    })?;
    Ok(format!("{uri}\n"))
}

pub(crate) fn secret_get(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
    let p = parse(
        args,
        &with_fmt(&[
            val(&["label"]),
            boolean(&["peek"]),
            boolean(&["refresh"]),
            boolean(&["metadata"]),
        ]),
    )?;
    no_extra(&p.args, 2)?;
    let label = p.value("label");
    // The simulator's leniency: with --label, a first argument that is not a secret id
    // is the key (Juju reads it as a URI, and refuses it).
    let (id, key) = match p.args.first() {
        Some(a) if label.is_some() && parse_secret_id(a).is_none() => {
            no_extra(&p.args, 1)?;
            (None, Some(a))
        }
        Some(a) => (Some(a.as_str()), p.args.get(1)),
        None => (None, None),
    };
    let content = cx.secret_get(SecretGet {
        id,
        label,
        peek: p.flag("peek"),
        refresh: p.flag("refresh"),
    })?;
    match key {
        Some(k) => match content.get(k) {
            Some(v) => emit(&p, io, &Value::String(v.clone())),
            None => Err(ToolError::runtime(format!(
                "secret key {} not found",
                quote(k)
            ))),
        },
        None => emit(
            &p,
            io,
            &Value::Object(
                content
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect(),
            ),
        ),
    }
}

pub(crate) fn secret_set(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
    let p = parse(args, &UPSERT)?;
    let Some(id) = p.args.first() else {
        return Err(ToolError::usage("missing secret URI"));
    };
    cx.secret_set(&SecretSet {
        id,
        content: content(&p, &p.args[1..], io)?,
        label: p.value("label"),
        description: p.value("description"),
        expire: p.value("expire"),
        rotate: p.value("rotate"),
    })?;
    Ok(String::new())
}

pub(crate) fn secret_grant(cx: &mut HookContext, args: &[String], grant: bool) -> Res {
    let mut flags = vec![val(&["r", "relation"]), val(&["unit"])];
    if !grant {
        flags.push(val(&["app", "application"]));
    }
    let p = parse(args, &flags)?;
    let Some(id) = p.args.first() else {
        return Err(ToolError::usage("missing secret URI"));
    };
    no_extra(&p.args, 1)?;
    let relation = crate::tools::relation_cli::relation_flag(&p);
    if grant {
        cx.secret_grant(id, relation, p.value("unit"))?;
    } else {
        cx.secret_revoke(id, relation, p.value("app"), p.value("unit"))?;
    }
    Ok(String::new())
}

pub(crate) fn secret_remove(cx: &mut HookContext, args: &[String]) -> Res {
    let p = parse(args, &[val(&["revision"])])?;
    let Some(id) = p.args.first() else {
        return Err(ToolError::usage("missing secret URI"));
    };
    no_extra(&p.args, 1)?;
    let revision = match p.value("revision") {
        Some(r) => Some(r.parse::<u64>().map_err(|_| {
            ToolError::usage(format!(
                "invalid value {} for flag --revision: parse error",
                quote(r)
            ))
        })?),
        None => None,
    };
    cx.secret_remove(id, revision)?;
    Ok(String::new())
}

pub(crate) fn secret_ids(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
    let p = parse(args, &FMT)?;
    no_extra(&p.args, 0)?;
    emit(&p, io, &Value::from(cx.secret_ids()?))
}

pub(crate) fn secret_info_get(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
    let p = parse(args, &with_fmt(&[val(&["label"])]))?;
    no_extra(&p.args, 1)?;
    let info = cx.secret_info_get(p.args.first().map(String::as_str), p.value("label"))?;
    let mut out = Map::new();
    out.insert("revision".into(), json!(info.revision));
    out.insert("label".into(), json!(info.label.unwrap_or_default()));
    out.insert("owner".into(), json!(info.owner));
    let optional = [
        ("description", info.description),
        ("rotation", info.rotation),
        ("expiry", info.expiry),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            out.insert(k.into(), json!(v));
        }
    }
    if !info.access.is_empty() {
        let access: Vec<Value> = info
            .access
            .into_iter()
            .map(|(target, scope)| json!({"target": target, "scope": scope, "role": "view"}))
            .collect();
        out.insert("access".into(), Value::Array(access));
    }
    emit(&p, io, &json!({ info.xid: out }))
}
