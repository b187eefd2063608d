//! Running hooks until the model is quiet: one hook per unit per round, failing hooks
//! retried, bounds against hooks that keep firing.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::hook::Hook;
use super::resolver;
use super::state::{cmp_units, sort_units, Unit};
use super::{HookRecord, Model, Result, SettleOptions, SettleReport, SimError};

/// What one settle has run so far.
struct Progress<'o> {
    opts: &'o SettleOptions,
    start: Instant,
    report: SettleReport,
    /// Runs per (unit, hook, remote unit).
    repeats: HashMap<(String, String, String), usize>,
    /// Retries per unit in error.
    retries: HashMap<String, u32>,
    last_print: Instant,
}

impl Progress<'_> {
    /// Counts a hook that ran; how many times its (unit, hook, remote unit) ran so far.
    fn count(&mut self, rec: &HookRecord) -> usize {
        self.report.hooks += 1;
        if !rec.succeeded() {
            self.report.failed_hooks += 1;
        }
        let key = (
            rec.unit.clone(),
            rec.hook.clone(),
            rec.remote_unit.clone().unwrap_or_default(),
        );
        let n = self.repeats.entry(key).or_insert(0);
        *n += 1;
        *n
    }

    /// The four (unit, hook, remote unit) that ran most.
    fn top_repeats(&self) -> String {
        let mut top: Vec<_> = self.repeats.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        top.iter()
            .take(4)
            .map(|((u, h, r), n)| {
                if r.is_empty() {
                    format!("{u} {h} ran {n} times")
                } else {
                    format!("{u} {h} (remote {r}) ran {n} times")
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl Model {
    /// Run hooks until none is pending (default bounds).
    pub fn settle(&mut self) -> Result<SettleReport> {
        self.settle_with(&SettleOptions::default())
    }

    /// Run hooks until none is pending: one hook per unit per round, units in name order.
    /// A failing hook is retried (up to `max_retries` times in this settle) and blocks its
    /// unit; other units go on. Errors when a unit stays in error or hooks keep firing.
    pub fn settle_with(&mut self, opts: &SettleOptions) -> Result<SettleReport> {
        let mut progress = Progress {
            opts,
            start: Instant::now(),
            report: SettleReport::default(),
            repeats: HashMap::new(),
            retries: HashMap::new(),
            last_print: Instant::now(),
        };
        loop {
            self.poll_workloads();
            let mut ran = false;
            let mut names: Vec<String> = self.state.units.keys().cloned().collect();
            sort_units(&mut names);
            for name in names {
                let Some(hook) = self.next_to_run(&name, &mut progress) else {
                    continue;
                };
                ran = true;
                let rec = self.run_hook(&name, hook)?;
                let n = progress.count(&rec);
                self.check_bounds(&progress, n)?;
                self.print_progress(&mut progress);
            }
            if !ran {
                break;
            }
        }
        progress.report.duration = progress.start.elapsed();
        self.check_stuck()?;
        Ok(progress.report)
    }

    /// The hook `name` runs next in this settle: its failed hook again (while retries
    /// are left), else what the resolver says.
    fn next_to_run(&self, name: &str, progress: &mut Progress) -> Option<Hook> {
        let unit = self.state.units.get(name)?;
        match &unit.failed {
            Some(f) => {
                let n = progress.retries.entry(name.to_string()).or_insert(0);
                if *n >= progress.opts.max_retries {
                    return None;
                }
                *n += 1;
                Some(f.hook.clone())
            }
            None => resolver::next_hook(&self.state, name),
        }
    }

    /// How many units have hooks to run.
    fn busy_units(&self) -> usize {
        self.state
            .units
            .keys()
            .filter(|u| resolver::next_hook(&self.state, u).is_some())
            .count()
    }

    /// Stops a settle whose hooks keep firing: one hook run `max_repeats` times, or
    /// `max_hooks` in all.
    fn check_bounds(&self, progress: &Progress, repeats: usize) -> Result<()> {
        let opts = progress.opts;
        if repeats < opts.max_repeats && progress.report.hooks < opts.max_hooks {
            return Ok(());
        }
        let top = progress.top_repeats();
        let detail = if repeats >= opts.max_repeats {
            format!("hooks keep firing (a relation-data ping-pong?): {top}")
        } else {
            format!(
                "max_hooks ({}) reached with {} units still having hooks to run",
                opts.max_hooks,
                self.busy_units()
            )
        };
        Err(SimError::NotSettled {
            hooks: progress.report.hooks,
            detail,
        })
    }

    fn print_progress(&self, progress: &mut Progress) {
        if !progress.opts.progress || progress.last_print.elapsed() <= Duration::from_secs(2) {
            return;
        }
        progress.last_print = Instant::now();
        eprintln!(
            "settling: {} hooks in {:.1}s, {} units with pending hooks",
            progress.report.hooks,
            progress.start.elapsed().as_secs_f64(),
            self.busy_units()
        );
    }

    /// The first unit (by name) still in error, as an error.
    fn check_stuck(&self) -> Result<()> {
        let mut stuck: Vec<&Unit> = self
            .state
            .units
            .values()
            .filter(|u| u.failed.is_some())
            .collect();
        stuck.sort_by(|a, b| cmp_units(&a.name, &b.name));
        let Some(u) = stuck.first() else {
            return Ok(());
        };
        let f = u.failed.as_ref().expect("a unit in error");
        let last = self.history().iter().rev().find(|r| r.unit == u.name);
        Err(SimError::UnitInError {
            unit: u.name.clone(),
            hook: f.hook.name(),
            attempts: f.attempts,
            exit: last
                .map(|r| match r.exit_code {
                    Some(c) => format!("exit code {c}"),
                    None if r.stderr.starts_with("cannot run ") => r.stderr.clone(),
                    None => "killed".into(),
                })
                .unwrap_or_default(),
            last_error: u
                .logs
                .iter()
                .rev()
                .find(|l| l.level == "ERROR" || l.level == "CRITICAL")
                .map(|l| l.message.clone()),
        })
    }
}
