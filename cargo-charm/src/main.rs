//! `cargo charm`: see the crate README.

fn main() {
    let argv = cargo_charm::hookclient::argv_lossy(std::env::args_os());
    if let Some(tool) = argv
        .first()
        .and_then(|a| cargo_charm::hookclient::tool_name(a))
    {
        std::process::exit(cargo_charm::hookclient::run_tool(tool, &argv[1..]));
    }
    std::process::exit(cargo_charm::cli::main(argv));
}
