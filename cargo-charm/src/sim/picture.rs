//! The model as a picture: one self-contained SVG file (no script, no external asset)
//! with the applications (scale, status, units, peer relations), the integrations
//! between them as edges labelled `endpoint:interface`, and a timeline of the hooks each
//! unit ran (what, for how long, what failed).
//!
//! Statuses are coloured as `juju status` colours them (`statusColors` in Juju's
//! `cmd/output/output.go`): green for good (active), yellow for busy (maintenance,
//! unknown), red for bad (blocked, error, terminated); `waiting` has no colour there
//! and is drawn grey here.
//!
//! Every element a reader may look for carries its facts as attributes: `class="app"`
//! with `data-app`, `data-status`, `data-scale`; `class="unit"` with `data-unit`,
//! `data-status`; `class="integration"` with `data-endpoints`, `data-interface`;
//! `class="lane"` with `data-unit`, holding one `class="hook ok"` (or `hook failed`)
//! `rect` per hook with `data-hook` and `data-ms`, coloured by the kind of hook
//! (lifecycle, relation, secret, action), red when it failed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::{io_err, HookRecord, Model, Result, Status};

/// Colours of `juju status`'s three highlights, and of no highlight.
const GOOD: &str = "#2e8540";
const BUSY: &str = "#c18f00";
const BAD: &str = "#cc2929";
const PLAIN: &str = "#757575";

/// The colour `juju status` gives `status` (`cmd/output/output.go`, `statusColors`).
pub(crate) fn status_colour(status: &str) -> &'static str {
    match status {
        "active" | "running" | "idle" | "started" | "executing" | "attaching" | "attached" => GOOD,
        "allocating" | "lost" | "maintenance" | "pending" | "rebooting" | "stopped" | "unknown"
        | "detaching" | "detached" => BUSY,
        "blocked" | "down" | "error" | "failed" | "terminated" => BAD,
        _ => PLAIN,
    }
}

/// Hook bars by kind: lifecycle (install, config-changed, leader-elected, ...),
/// relation, secret, action.
const KINDS: [(&str, &str); 4] = [
    ("lifecycle", "#3b6fb6"),
    ("relation", "#2a8c9e"),
    ("secret", "#d9822b"),
    ("action", "#7a5cc2"),
];

/// The colour of a hook that succeeded, by its kind.
fn hook_colour(hook: &str) -> &'static str {
    let kind = if hook.starts_with("action ") {
        3
    } else if hook.starts_with("secret-") {
        2
    } else if hook.contains("-relation-") {
        1
    } else {
        0
    };
    KINDS[kind].1
}

/// Text for XML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Not allowed in XML 1.0 at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// `s` cut to `max` characters, with an ellipsis when cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `status: message`, or the status alone.
fn status_text(s: &Status) -> String {
    if s.message.is_empty() {
        s.status.clone()
    } else {
        format!("{}: {}", s.status, s.message)
    }
}

const FONT: &str = "font-family=\"DejaVu Sans, Verdana, sans-serif\"";
/// Application boxes.
const BOX_W: f64 = 290.0;
const BOX_GAP: f64 = 60.0;
const MARGIN: f64 = 24.0;
/// Units listed in a box; the rest are counted.
const UNITS_SHOWN: usize = 8;
/// Characters of a line in a box.
const BOX_CHARS: usize = 40;
/// Timeline lanes drawn; the rest are counted.
const LANES_SHOWN: usize = 40;
/// Hooks drawn (the most recent).
const HOOKS_SHOWN: usize = 5000;
const LANE_H: f64 = 34.0;
const LABEL_W: f64 = 170.0;

/// An application as the picture shows it.
struct AppView {
    name: String,
    charm: String,
    status: Status,
    units: Vec<(String, Status, bool)>,
    peers: Vec<String>,
}

/// An integration as the picture shows it.
struct Edge {
    /// Indexes of the provider's and the requirer's applications.
    from: usize,
    to: usize,
    endpoints: String,
    interface: String,
    label: String,
}

impl Model {
    /// The model as a self-contained SVG picture (no script, no external asset): each
    /// application with its charm, scale, status and units, coloured as `juju status`
    /// colours them; the integrations as edges labelled `endpoint:interface`; one
    /// timeline lane per unit with a bar per hook it ran, as wide as it took, red when
    /// it failed. Elements carry their facts as attributes for tests: `class="app"` with
    /// `data-app`, `data-status`, `data-scale`; `class="unit"` with `data-unit`,
    /// `data-status`; `class="integration"` with `data-endpoints`, `data-interface`;
    /// `class="lane"` with `data-unit`, holding `class="hook ok"` (or `"hook failed"`)
    /// bars with `data-hook` and `data-ms`.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), cargo_charm::sim::SimError> {
    /// let mut m = cargo_charm::sim::Model::from_yaml("model.yaml")?;
    /// m.settle()?;
    /// m.write_svg("model.svg")?;
    /// # Ok(()) }
    /// ```
    pub fn to_svg(&self) -> String {
        let apps = self.app_views();
        let edges = self.edges(&apps);
        let mut svg = String::new();
        let width = (MARGIN * 2.0 + apps.len() as f64 * (BOX_W + BOX_GAP) - BOX_GAP).max(980.0);
        // Room above the boxes for the arcs of the integrations.
        let arc = |e: &Edge| 50.0 + 34.0 * (e.from.abs_diff(e.to) as f64);
        let top = 70.0 + edges.iter().map(|e| arc(e) * 0.75).fold(0.0, f64::max);
        let box_h = |a: &AppView| {
            96.0 + 20.0 * (a.units.len().min(UNITS_SHOWN) as f64)
                + if a.units.len() > UNITS_SHOWN {
                    20.0
                } else {
                    0.0
                }
                + 18.0 * a.peers.len() as f64
        };
        let boxes_bottom = top + apps.iter().map(box_h).fold(0.0, f64::max);
        let mut body = String::new();
        let x_of = |i: usize| MARGIN + i as f64 * (BOX_W + BOX_GAP);
        for (i, e) in edges.iter().enumerate() {
            let (x1, x2) = (
                x_of(e.from) + BOX_W / 2.0 + 14.0 * i as f64 % 60.0,
                x_of(e.to) + BOX_W / 2.0 - 14.0 * i as f64 % 60.0,
            );
            let h = arc(e);
            let mid = (x1 + x2) / 2.0;
            let peak = top - 0.75 * h;
            let label = esc(&e.label);
            let lw = e.label.chars().count() as f64 * 7.0 + 12.0;
            let _ = writeln!(
                body,
                "<g class=\"integration\" data-endpoints=\"{}\" data-interface=\"{}\">\
<path d=\"M {x1:.1} {top:.1} C {x1:.1} {c:.1} {x2:.1} {c:.1} {x2:.1} {top:.1}\" fill=\"none\" stroke=\"#5b6b7b\" stroke-width=\"2\"/>\
<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{lw:.1}\" height=\"20\" rx=\"4\" fill=\"#ffffff\" stroke=\"#5b6b7b\"/>\
<text x=\"{mid:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#25303b\">{label}</text></g>",
                esc(&e.endpoints),
                esc(&e.interface),
                mid - lw / 2.0,
                peak - 10.0,
                peak + 4.0,
                c = top - h,
            );
        }
        for (i, a) in apps.iter().enumerate() {
            self.draw_app(&mut body, a, x_of(i), top, box_h(a));
        }
        let timeline_top = boxes_bottom + 50.0;
        let timeline_h = self.draw_timeline(&mut body, width, timeline_top);
        let height = timeline_top + timeline_h + MARGIN;
        let failed = self.history().iter().filter(|r| !r.succeeded()).count();
        let units: usize = apps.iter().map(|a| a.units.len()).sum();
        let _ = writeln!(
            svg,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" {FONT}>\n\
<title>Model {name}</title>\n\
<rect width=\"100%\" height=\"100%\" fill=\"#fafbfc\"/>\n\
<text x=\"{MARGIN}\" y=\"34\" font-size=\"20\" font-weight=\"bold\" fill=\"#25303b\">Model {name}</text>\n\
<text x=\"{MARGIN}\" y=\"56\" font-size=\"13\" fill=\"#555\">{apps} applications · {units} units · {hooks} hooks run, {failed} failed</text>",
            name = esc(self.name()),
            apps = apps.len(),
            hooks = self.history().len(),
        );
        svg.push_str(&body);
        svg.push_str("</svg>\n");
        svg
    }

    /// Writes [`Model::to_svg`] to `path`.
    pub fn write_svg(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.to_svg()).map_err(io_err(format!(
            "cannot write the picture to {}",
            path.display()
        )))
    }

    fn app_views(&self) -> Vec<AppView> {
        let rels = self.relations();
        self.applications()
            .into_iter()
            .map(|app| {
                let leader = self.leader(&app);
                let units = self
                    .units(&app)
                    .into_iter()
                    .map(|u| {
                        let s = self
                            .unit_status(&u)
                            .unwrap_or_else(|_| Status::new("unknown", ""));
                        let lead = leader.as_deref() == Some(u.as_str());
                        (u, s, lead)
                    })
                    .collect();
                let prefix = format!("{app}:");
                let peers = rels
                    .iter()
                    .filter(|r| r.peer && !r.dying && r.endpoints[0].starts_with(&prefix))
                    .map(|r| format!("{}:{}", &r.endpoints[0][prefix.len()..], r.interface))
                    .collect();
                AppView {
                    charm: self.charm_name(&app),
                    status: self
                        .app_status(&app)
                        .unwrap_or_else(|_| Status::new("unknown", "")),
                    name: app,
                    units,
                    peers,
                }
            })
            .collect()
    }

    fn edges(&self, apps: &[AppView]) -> Vec<Edge> {
        let index = |ep: &str| {
            let app = ep.split(':').next().unwrap_or_default();
            apps.iter().position(|a| a.name == app)
        };
        self.relations()
            .into_iter()
            .filter(|r| !r.peer && !r.dying && r.endpoints.len() == 2)
            .filter_map(|r| {
                let (p, q) = (&r.endpoints[0], &r.endpoints[1]);
                let ep = |s: &str| {
                    s.split_once(':')
                        .map(|(_, e)| e.to_string())
                        .unwrap_or_default()
                };
                let (pe, qe) = (ep(p), ep(q));
                let names = if pe == qe { pe } else { format!("{qe}/{pe}") };
                Some(Edge {
                    from: index(p)?,
                    to: index(q)?,
                    endpoints: format!("{p} {q}"),
                    label: format!("{names}:{}", r.interface),
                    interface: r.interface,
                })
            })
            .collect()
    }

    fn draw_app(&self, out: &mut String, a: &AppView, x: f64, y: f64, h: f64) {
        let colour = status_colour(&a.status.status);
        let _ = writeln!(
            out,
            "<g class=\"app\" data-app=\"{name}\" data-status=\"{st}\" data-scale=\"{scale}\">\
<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{BOX_W}\" height=\"{h:.1}\" rx=\"8\" fill=\"#ffffff\" stroke=\"{colour}\" stroke-width=\"2\"/>\
<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"8\" height=\"{h:.1}\" fill=\"{colour}\"/>\
<text x=\"{tx:.1}\" y=\"{:.1}\" font-size=\"16\" font-weight=\"bold\" fill=\"#25303b\">{name}</text>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\" fill=\"#555\">charm {charm} · scale {scale}</text>\
<text x=\"{tx:.1}\" y=\"{:.1}\" font-size=\"13\" fill=\"{colour}\" font-weight=\"bold\">{text}</text>",
            y + 24.0,
            x + BOX_W - 10.0,
            y + 24.0,
            y + 46.0,
            name = esc(&a.name),
            st = esc(&a.status.status),
            scale = a.units.len(),
            charm = esc(&clip(&a.charm, 16)),
            text = esc(&clip(&status_text(&a.status), BOX_CHARS)),
            tx = x + 18.0,
        );
        let mut ly = y + 70.0;
        for (unit, s, leader) in a.units.iter().take(UNITS_SHOWN) {
            let c = status_colour(&s.status);
            let name = if *leader {
                format!("{unit}*")
            } else {
                unit.clone()
            };
            let _ = writeln!(
                out,
                "<g class=\"unit\" data-unit=\"{u}\" data-status=\"{st}\">\
<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"{c}\"/>\
<text x=\"{:.1}\" y=\"{ly:.1}\" font-size=\"12\" fill=\"#25303b\">{n}</text>\
<text x=\"{:.1}\" y=\"{ly:.1}\" font-size=\"12\" fill=\"{c}\">{t}</text></g>",
                x + 22.0,
                ly - 4.0,
                x + 34.0,
                x + 130.0,
                u = esc(unit),
                st = esc(&s.status),
                n = esc(&name),
                t = esc(&clip(&status_text(s), 24)),
            );
            ly += 20.0;
        }
        if a.units.len() > UNITS_SHOWN {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{ly:.1}\" font-size=\"12\" fill=\"#555\">… {} more units</text>",
                x + 34.0,
                a.units.len() - UNITS_SHOWN
            );
            ly += 20.0;
        }
        for p in &a.peers {
            let _ = writeln!(
                out,
                "<text class=\"peer\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#555\">peers {}</text>",
                x + 18.0,
                ly + 4.0,
                esc(p)
            );
            ly += 18.0;
        }
        out.push_str("</g>\n");
    }

    /// Draws the timeline at `top`; returns its height.
    fn draw_timeline(&self, out: &mut String, width: f64, top: f64) -> f64 {
        let all = self.history();
        let shown = &all[all.len().saturating_sub(HOOKS_SHOWN)..];
        let x0 = MARGIN + LABEL_W;
        let lane_w = width - x0 - MARGIN;
        let (start, t) = start_times(shown);
        let total = if t > 0.0 { t } else { 1.0 };
        let mut lanes: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, r) in shown.iter().enumerate() {
            lanes.entry(r.unit.as_str()).or_default().push(i);
        }
        let mut names: Vec<&str> = lanes.keys().copied().collect();
        names.sort_by(|a, b| super::state::cmp_units(a, b));
        let title = if shown.len() < all.len() {
            format!("Hook timeline (the last {} hooks)", shown.len())
        } else {
            "Hook timeline".to_string()
        };
        let _ = writeln!(
            out,
            "<g class=\"timeline\"><text x=\"{MARGIN}\" y=\"{top:.1}\" font-size=\"16\" font-weight=\"bold\" fill=\"#25303b\">{title}</text>\
<text x=\"{MARGIN}\" y=\"{:.1}\" font-size=\"12\" fill=\"#555\">one lane per unit, hooks in the order they ran, each as wide as it took ({:.0} ms in all):{legend}</text>",
            top + 20.0,
            t * 1000.0,
            legend = KINDS
                .iter()
                .chain(&[("failed", BAD)])
                .map(|(kind, colour)| format!(" <tspan fill=\"{colour}\">■</tspan> {kind}"))
                .collect::<String>(),
        );
        let axis_y = top + 34.0;
        let lanes_shown = names.len().min(LANES_SHOWN);
        draw_axis(out, (x0, axis_y), lane_w, lanes_shown, t);
        let mut y = axis_y + 8.0;
        for unit in names.iter().take(LANES_SHOWN) {
            let idx = &lanes[unit];
            let failed = idx.iter().filter(|&&i| !shown[i].succeeded()).count();
            let ms: f64 = idx
                .iter()
                .map(|&i| shown[i].duration.as_secs_f64() * 1000.0)
                .sum();
            let _ = writeln!(
                out,
                "<g class=\"lane\" data-unit=\"{u}\">\
<rect x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{lane_w:.1}\" height=\"{:.1}\" fill=\"#f0f2f5\"/>\
<text x=\"{MARGIN}\" y=\"{:.1}\" font-size=\"12\" font-weight=\"bold\" fill=\"#25303b\">{u}</text>\
<text x=\"{MARGIN}\" y=\"{:.1}\" font-size=\"10\" fill=\"{}\">{} hooks · {ms:.0} ms · {failed} failed</text>",
                LANE_H - 8.0,
                y + 12.0,
                y + 24.0,
                if failed > 0 { BAD } else { "#555" },
                idx.len(),
                u = esc(unit),
            );
            for &i in idx {
                self.draw_hook(
                    out,
                    &shown[i],
                    x0 + lane_w * start[i] / total,
                    y,
                    lane_w / total,
                );
            }
            out.push_str("</g>\n");
            y += LANE_H;
        }
        if names.len() > LANES_SHOWN {
            let _ = writeln!(
                out,
                "<text x=\"{MARGIN}\" y=\"{:.1}\" font-size=\"12\" fill=\"#555\">… {} more units</text>",
                y + 14.0,
                names.len() - LANES_SHOWN
            );
            y += 20.0;
        }
        out.push_str("</g>\n");
        y + 24.0 - top
    }

    /// One hook of a lane at `x`, `scale` pixels a second.
    fn draw_hook(&self, out: &mut String, r: &HookRecord, x: f64, y: f64, scale: f64) {
        let secs = r.duration.as_secs_f64();
        let w = (secs * scale).max(2.0);
        let ms = secs * 1000.0;
        let (class, fill) = if r.succeeded() {
            ("hook ok", hook_colour(&r.hook))
        } else {
            ("hook failed", BAD)
        };
        let remote = match r.remote_unit.as_deref() {
            Some(u) if !u.is_empty() => format!(" ({u})"),
            _ => String::new(),
        };
        let outcome = match r.exit_code {
            Some(0) => "ok".to_string(),
            Some(c) => format!("exit {c}"),
            None => "killed".to_string(),
        };
        let _ = writeln!(
            out,
            "<rect class=\"{class}\" data-hook=\"{h}\" data-ms=\"{ms:.1}\" x=\"{x:.2}\" y=\"{:.1}\" width=\"{w:.2}\" height=\"{:.1}\" fill=\"{fill}\" stroke=\"#ffffff\" stroke-width=\"0.5\">\
<title>{u} {h}{remote}: {outcome}, {ms:.1} ms, {} tool calls</title></rect>",
            y + 2.0,
            LANE_H - 12.0,
            r.tool_calls.len(),
            h = esc(&r.hook),
            u = esc(&r.unit),
            remote = esc(&remote),
        );
        // A name where it fits; a failed hook is named whatever its width.
        let label = if w >= r.hook.chars().count() as f64 * 6.0 + 6.0 {
            Some(r.hook.clone())
        } else if !r.succeeded() {
            Some(format!("✗ {}", r.hook))
        } else {
            None
        };
        if let Some(l) = label {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"{}\">{}</text>",
                x + 3.0,
                y + 16.0,
                if r.succeeded() { "#ffffff" } else { "#25303b" },
                esc(&l)
            );
        }
    }
}

/// When each hook started, in seconds from the first, and when the last ended: hooks run
/// one at a time, each starting when the one before it ended.
fn start_times(shown: &[HookRecord]) -> (Vec<f64>, f64) {
    let mut start = Vec::with_capacity(shown.len());
    let mut t = 0.0;
    for r in shown {
        start.push(t);
        t += r.duration.as_secs_f64();
    }
    (start, t)
}

/// The time axis under `lanes` lanes from `(x0, y)`, `width` wide for `t` seconds: five
/// ticks with their milliseconds.
fn draw_axis(out: &mut String, (x0, y): (f64, f64), width: f64, lanes: usize, t: f64) {
    for k in 0..=4 {
        let x = x0 + width * k as f64 / 4.0;
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#e1e4e8\"/>\
<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#777\">{:.0} ms</text>",
            y + 8.0 + LANE_H * lanes as f64,
            y + 20.0 + LANE_H * lanes as f64,
            t * 1000.0 * k as f64 / 4.0,
        );
    }
}
