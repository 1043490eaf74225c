//! rvs-unixctl: the control socket that `ovs-appctl` talks to — JSON-RPC 1.0 over a
//! Unix socket, one request per command: `{"method": CMD, "params": [ARGS...]}`,
//! answered with the command's text as `result` or an error text as `error`.
//!
//! It owns the command table ([`Commands`], with OVS's argument-count checks and
//! `list-commands` layout), the server ([`server`]) that hands requests to its owner
//! (so that commands run where the state they read lives), the client ([`client`]) and
//! OVS's rules for finding a daemon's socket from its name ([`client::resolve_target`]).
//!
//! Threads: the server's accept and connection tasks run on the owner's tokio
//! runtime; requests reach the owner through a channel.
#![forbid(unsafe_code)]

pub mod client;
pub mod server;

use std::collections::BTreeMap;

pub use server::{Request, UnixctlServer};

/// One registered command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSpec {
    /// Usage text shown by `list-commands` (the arguments).
    pub usage: String,
    /// Fewest arguments.
    pub min_args: usize,
    /// Most arguments.
    pub max_args: usize,
}

/// The commands a server answers.
#[derive(Debug, Clone, Default)]
pub struct Commands {
    map: BTreeMap<String, CommandSpec>,
}

impl Commands {
    /// A table with OVS's built-in `list-commands` and `version`.
    pub fn new() -> Commands {
        let mut c = Commands::default();
        c.register("list-commands", "", 0, 0);
        c.register("version", "", 0, 0);
        c
    }

    /// Adds a command.
    pub fn register(&mut self, name: &str, usage: &str, min_args: usize, max_args: usize) {
        self.map.insert(
            name.to_string(),
            CommandSpec {
                usage: usage.to_string(),
                min_args,
                max_args,
            },
        );
    }

    /// Checks a request as OVS's unixctl server does, with its error texts.
    pub fn check(&self, method: &str, n_args: usize) -> Result<(), String> {
        let Some(spec) = self.map.get(method) else {
            return Err(format!(
                "\"{method}\" is not a valid command (use \"list-commands\" to see a list of valid commands)"
            ));
        };
        if n_args < spec.min_args {
            return Err(format!(
                "\"{method}\" command requires at least {} arguments",
                spec.min_args
            ));
        }
        if n_args > spec.max_args {
            return Err(format!(
                "\"{method}\" command takes at most {} arguments",
                spec.max_args
            ));
        }
        Ok(())
    }

    /// The output of `list-commands`.
    pub fn list(&self) -> String {
        let mut s = String::from("The available commands are:\n");
        for (name, spec) in &self.map {
            s.push_str(&format!("  {name:<23} {}\n", spec.usage));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_and_lists_like_ovs() {
        let mut c = Commands::new();
        c.register("fdb/show", "bridge", 1, 1);
        assert_eq!(
            c.check("bogus", 0).unwrap_err(),
            "\"bogus\" is not a valid command (use \"list-commands\" to see a list of valid commands)"
        );
        assert_eq!(
            c.check("fdb/show", 0).unwrap_err(),
            "\"fdb/show\" command requires at least 1 arguments"
        );
        assert_eq!(
            c.check("fdb/show", 2).unwrap_err(),
            "\"fdb/show\" command takes at most 1 arguments"
        );
        assert!(c.check("fdb/show", 1).is_ok());
        assert_eq!(
            c.list(),
            "The available commands are:\n  fdb/show                bridge\n  list-commands           \n  version                 \n"
        );
    }
}
