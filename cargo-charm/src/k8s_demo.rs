//! `cargo charm demo --k8s`: the `greeter` example, a Kubernetes charm, in the simulator
//! with a real Pebble: its workload (`greeter-server`, the package's second binary) is
//! the container's image.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::pack::charm_dir;
use crate::sim::Model;
use crate::workspace::Workspace;

/// Builds `greeter` and deploys one unit serving on a free local port (not settled).
pub fn model() -> Result<Model> {
    let ws = Workspace::load()?;
    eprintln!("building greeter ...");
    let charms = ws.charms(&["greeter".to_string()], true).map_err(|e| {
        Error::Invalid(format!(
            "the Kubernetes demo needs the workspace package greeter (examples/greeter): {e}"
        ))
    })?;
    let greeter = &charms[0];
    let base = ws.target_dir.join("charms").join("demo-k8s");
    charm_dir(
        &greeter.binary,
        &greeter.charmcraft_yaml,
        &base.join("greeter"),
    )?;
    let server = greeter
        .binary
        .parent()
        .unwrap_or(Path::new("."))
        .join("greeter-server");
    let bin = base.join("image/usr/bin");
    std::fs::create_dir_all(&bin)
        .and_then(|()| std::fs::copy(&server, bin.join("greeter-server")))
        .map_err(|e| Error::Invalid(format!("{}: {e}", server.display())))?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| Error::Invalid(format!("no free local port: {e}")))?;
    let mut m = Model::new("demo-k8s").map_err(|e| Error::Invalid(e.to_string()))?;
    m.deploy("greeter", base.join("greeter"), 1, [("port", port)])
        .and_then(|()| m.set_container_image("greeter", "greeter", base.join("image")))
        .map_err(|e| Error::Invalid(e.to_string()))?;
    Ok(m)
}

/// Settles, then again while the container's Pebble reports the server coming up (its
/// started notice), for at most 20 s.
pub fn settle(m: &mut Model) -> crate::sim::Result<()> {
    let start = Instant::now();
    m.settle()?;
    while start.elapsed() < Duration::from_secs(20)
        && m.unit_status("greeter/0")?.status != "active"
    {
        if m.wait_workload_events(Duration::from_secs(1)) > 0 {
            m.settle()?;
        }
    }
    Ok(())
}
