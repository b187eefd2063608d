//! The `juju status`-like table.

use super::{Model, JUJU_VERSION};

fn columns(rows: &[Vec<String>]) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; n];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(c);
            } else {
                line.push_str(c);
                line.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn s(v: impl ToString) -> String {
    v.to_string()
}

pub(crate) fn render(m: &Model) -> String {
    let mut out = columns(&[
        vec![s("Model"), s("Controller"), s("Cloud/Region"), s("Version")],
        vec![s(m.name()), s("sim"), s("local/local"), s(JUJU_VERSION)],
    ]);
    out.push('\n');
    let mut apps = vec![vec![
        s("App"),
        s("Version"),
        s("Status"),
        s("Scale"),
        s("Charm"),
        s("Rev"),
        s("Message"),
    ]];
    let mut units = vec![vec![
        s("Unit"),
        s("Workload"),
        s("Agent"),
        s("Machine"),
        s("Address"),
        s("Ports"),
        s("Message"),
    ]];
    for app in m.applications() {
        let st = m
            .app_status(&app)
            .unwrap_or_else(|_| super::Status::new("unknown", ""));
        let us = m.units(&app);
        apps.push(vec![
            app.clone(),
            m.app_version(&app).unwrap_or_default(),
            st.status.clone(),
            s(us.len()),
            m.charm_name(&app),
            s(0),
            st.message.clone(),
        ]);
        let leader = m.leader(&app);
        for u in us {
            let st = m
                .unit_status(&u)
                .unwrap_or_else(|_| super::Status::new("unknown", ""));
            let (machine, addr, ports) = m.unit_meta(&u).unwrap_or_default();
            let star = if leader.as_deref() == Some(u.as_str()) {
                "*"
            } else {
                ""
            };
            units.push(vec![
                format!("{u}{star}"),
                st.status.clone(),
                s("idle"),
                s(machine),
                addr,
                ports.join(","),
                st.message.clone(),
            ]);
        }
    }
    out.push_str(&columns(&apps));
    out.push('\n');
    out.push_str(&columns(&units));
    let rels = m.relation_rows();
    if !rels.is_empty() {
        out.push('\n');
        let mut rows = vec![vec![
            s("Integration provider"),
            s("Requirer"),
            s("Interface"),
            s("Type"),
        ]];
        for (p, r, i, t) in rels {
            rows.push(vec![p, r, i, t]);
        }
        out.push_str(&columns(&rows));
    }
    out
}
