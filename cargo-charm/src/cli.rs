//! The `cargo charm` command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::sim::{Model, SettleOptions};

/// Build, pack and simulate Juju charms written in Rust.
#[derive(Debug, Parser)]
#[command(name = "cargo charm", bin_name = "cargo charm", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum VcsArg {
    Git,
    None,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Make a new charm crate: an endpoint and a handler, its `dispatch` binary, a Scenario
    /// test, its charmcraft.yaml and a model file (added to this workspace's members when
    /// run inside the charm-rs workspace).
    New {
        /// The charm's name (lowercase letters, digits and `-`).
        name: String,
        /// Where to make it (default: `./<name>`).
        #[arg(long)]
        path: Option<PathBuf>,
        /// Depend on charm-runtime at this path, and add the crate to no workspace
        /// (default: by path inside the charm-rs workspace, else by version).
        #[arg(long, value_name = "DIR")]
        charm_runtime: Option<PathBuf>,
        /// Version control for the new crate, as `cargo new --vcs`: `git` (the default)
        /// runs `git init` and writes a `.gitignore` unless it is inside a git work tree.
        #[arg(long, value_enum, default_value = "git")]
        vcs: VcsArg,
    },
    /// Deploy the model described in a YAML file, settle it and print its status.
    Sim {
        /// The model file.
        model: PathBuf,
        /// Print each hook as it runs.
        #[arg(long, short)]
        verbose: bool,
        /// Keep the model directory (unit charm dirs) and print its path.
        #[arg(long)]
        keep: bool,
        /// Give up after this many hooks.
        #[arg(long, default_value_t = SettleOptions::default().max_hooks)]
        max_hooks: usize,
        /// Also draw the settled model as an SVG picture in this file.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
    },
    /// Build the example charms, deploy database x2, mailserver x1, webapp x3, integrate,
    /// settle and print the status (the model file: `target/charms/demo/model.yaml`).
    Demo {
        /// Print each hook as it runs.
        #[arg(long, short)]
        verbose: bool,
        /// Also draw the settled model as an SVG picture in this file.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        /// The Kubernetes demo instead: the `greeter` charm with its workload run by a
        /// real Pebble.
        #[arg(long, conflicts_with = "ecosystem")]
        k8s: bool,
        /// The ecosystem demo instead: blog x2 with a database from minipg
        /// (`postgresql_client`) and a certificate per unit from minica
        /// (`tls-certificates`), model `demo-ecosystem`.
        #[arg(long)]
        ecosystem: bool,
    },
    /// Deploy and settle a model (a YAML file, or `demo` or `demo-ecosystem`), then run
    /// an action on a unit and print its outcome, as `juju run` does.
    RunAction {
        /// The model file, or a demo's model: `demo`, `demo-ecosystem`.
        model: String,
        /// The unit, e.g. `database/0`.
        unit: String,
        /// The action, e.g. `backup`.
        action: String,
        /// Parameters as `key=value`; a value that parses as JSON is taken as JSON
        /// (`keep=3`), anything else as a string.
        params: Vec<String>,
        /// Print each hook as it runs.
        #[arg(long, short)]
        verbose: bool,
        /// Then settle the model and print the hooks the action caused and the status.
        #[arg(long)]
        settle: bool,
    },
    /// Write each charm package's charmcraft.yaml from `<binary> charmcraft-yaml`.
    Yaml {
        /// Fail if a file is stale instead of writing it.
        #[arg(long)]
        check: bool,
        /// Charm packages (default: every workspace binary that answers `charmcraft-yaml`).
        #[arg(short, long = "package")]
        package: Vec<String>,
    },
    /// Build in release, statically linked, for each platform the charm declares, and
    /// pack `target/charms/<name>_<platform>.charm`, as `charmcraft pack` names it.
    Pack {
        /// Charm packages (default: every charm package of the workspace).
        #[arg(short, long = "package")]
        package: Vec<String>,
        /// Also lay each charm out as the directory `target/charms/<name>/`, what a model
        /// file for `cargo charm sim` names.
        #[arg(long)]
        dir: bool,
    },
}

/// Run the CLI with `argv` (as `cargo-charm charm <sub>` or `cargo-charm <sub>`);
/// returns the exit code.
pub fn main(mut argv: Vec<String>) -> i32 {
    if argv.get(1).map(String::as_str) == Some("charm") {
        argv.remove(1);
    }
    let cli = match Cli::try_parse_from(&argv) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    match run(cli.command) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

fn run(cmd: Cmd) -> Result<(), Box<dyn std::error::Error>> {
    match cmd {
        Cmd::Sim {
            model,
            verbose,
            keep,
            max_hooks,
            svg,
        } => {
            let mut m = Model::from_yaml(&model)?;
            m.set_verbose(verbose);
            if keep {
                eprintln!("model directory: {}", m.keep_work_dir().display());
            }
            settle_and_print(&mut m, max_hooks, svg.as_deref())
        }
        Cmd::Demo {
            verbose,
            svg,
            k8s,
            ecosystem,
        } => {
            let mut m = if k8s {
                crate::k8s_demo::model()?
            } else if ecosystem {
                crate::demo::ECOSYSTEM.model()?
            } else {
                crate::demo::DEMO.model()?
            };
            m.set_verbose(verbose);
            if k8s {
                crate::k8s_demo::settle(&mut m)?;
            }
            settle_and_print(&mut m, SettleOptions::default().max_hooks, svg.as_deref())
        }
        Cmd::RunAction {
            model,
            unit,
            action,
            params,
            verbose,
            settle,
        } => run_action(&model, &unit, &action, &params, verbose, settle),
        Cmd::Yaml { check, package } => Ok(crate::charmcraft_yaml::yaml(check, &package)?),
        Cmd::New {
            name,
            path,
            charm_runtime,
            vcs,
        } => new(&name, path.as_deref(), charm_runtime, vcs),
        Cmd::Pack { package, dir } => {
            let out = crate::pack::pack(&package, dir)?;
            for p in &out.charms {
                println!("packed {} ({} bytes)", p.path.display(), p.size);
            }
            for d in &out.dirs {
                println!("laid out {}", d.display());
            }
            Ok(())
        }
    }
}

/// `cargo charm run-action`: settles the model, runs the action on the unit, reports it;
/// with `settle`, settles again and reports what followed.
fn run_action(
    model: &str,
    unit: &str,
    action: &str,
    params: &[String],
    verbose: bool,
    settle: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut m = match crate::demo::Demo::named(model) {
        Some(demo) => demo.model()?,
        None => Model::from_yaml(model)?,
    };
    m.set_verbose(verbose);
    m.settle_with(&SettleOptions {
        progress: true,
        ..SettleOptions::default()
    })?;
    let outcome = m.run_action(unit, action, action_params(params)?)?;
    for line in &outcome.logs {
        eprintln!("{line}");
    }
    print!("{}", action_report(unit, &outcome));
    if settle {
        let before = m.history().len();
        let res = m.settle();
        print!("{}", m.after_action_report(before));
        res?;
    }
    if outcome.status == "completed" {
        Ok(())
    } else {
        Err(format!("action {action} on {unit} failed: {}", outcome.message).into())
    }
}

/// `cargo charm new`: lays out the charm and says what to run next.
fn new(
    name: &str,
    path: Option<&std::path::Path>,
    charm_runtime: Option<PathBuf>,
    vcs: VcsArg,
) -> Result<(), Box<dyn std::error::Error>> {
    let vcs = match vcs {
        VcsArg::Git => crate::new::Vcs::Git,
        VcsArg::None => crate::new::Vcs::None,
    };
    let made = crate::new::create(
        name,
        path,
        charm_runtime.map(crate::new::Runtime::Path),
        vcs,
    )?;
    println!("created charm `{}` in {}", made.name, made.dir.display());
    match &made.workspace {
        Some(ws) => {
            println!("added it to the workspace members in {}", ws.display());
            println!(
                "next: cargo test -p {0}, then cargo charm pack -p {0}",
                made.name
            );
        }
        None => println!(
            "next: cd {}, cargo test, then cargo charm pack",
            made.dir.display()
        ),
    }
    Ok(())
}

fn settle_and_print(
    m: &mut Model,
    max_hooks: usize,
    svg: Option<&std::path::Path>,
) -> Result<(), Box<dyn std::error::Error>> {
    let opts = SettleOptions {
        progress: true,
        max_hooks,
        ..SettleOptions::default()
    };
    let res = m.settle_with(&opts);
    print!("{}", m.status_table());
    if let Some(path) = svg {
        m.write_svg(path)?;
        eprintln!("picture: {}", path.display());
    }
    let report = res?;
    eprintln!(
        "settled: {} hooks ({} failed) in {:.2}s",
        report.hooks,
        report.failed_hooks,
        report.duration.as_secs_f64()
    );
    Ok(())
}

/// `key=value` arguments as an action's parameters.
fn action_params(args: &[String]) -> Result<serde_json::Value, String> {
    let mut params = serde_json::Map::new();
    for arg in args {
        let (key, value) = arg
            .split_once('=')
            .ok_or_else(|| format!("parameter {arg:?} is not `key=value`"))?;
        let value = serde_json::from_str(value)
            .unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
        params.insert(key.to_string(), value);
    }
    Ok(serde_json::Value::Object(params))
}

/// What `juju run` prints for a finished action: its status, message and results.
fn action_report(unit: &str, outcome: &crate::sim::ActionOutcome) -> String {
    let mut out = format!("{unit}:\n  status: {}\n", outcome.status);
    if !outcome.message.is_empty() {
        out.push_str(&format!("  message: {}\n", outcome.message));
    }
    if outcome.results.as_object().is_some_and(|r| !r.is_empty()) {
        let yaml = serde_saphyr::to_string(&outcome.results).unwrap_or_default();
        out.push_str("  results:\n");
        for line in yaml.lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_params_take_json_where_it_parses() {
        let p = action_params(&["path=/srv/x".into(), "keep=3".into()]).unwrap();
        assert_eq!(p, serde_json::json!({"path": "/srv/x", "keep": 3}));
        assert!(action_params(&["oops".into()])
            .unwrap_err()
            .contains("key=value"));
    }
}
