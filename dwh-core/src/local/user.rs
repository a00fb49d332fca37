//! Who runs the server. PostgreSQL refuses to run as root, so when dwh runs
//! as root (as in CI containers) every server command runs as an
//! unprivileged user instead, `postgres` unless `DWH_PG_USER` says otherwise.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use super::binaries::find_program;
use super::LocalError;

/// Environment variable naming the user root runs the server as.
pub const SERVER_USER_ENV: &str = "DWH_PG_USER";

const DEFAULT_SERVER_USER: &str = "postgres";

/// Where root's PATH may lack the sbin directories holding `runuser`.
const SYSTEM_DIRS: [&str; 4] = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

#[derive(Debug, Clone)]
pub(crate) enum RunAs {
    /// The current, unprivileged user runs the server.
    Current { uid: u32 },
    /// Root runs the server as this user.
    Other(ServerUser),
}

#[derive(Debug, Clone)]
pub(crate) struct ServerUser {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    switch: Switch,
}

/// The tool that runs a command as another user, best first: `runuser` is
/// made for root, `setpriv` needs no PAM, `su` is everywhere.
#[derive(Debug, Clone)]
enum Switch {
    Runuser(PathBuf),
    Setpriv(PathBuf),
    Su(PathBuf),
}

impl RunAs {
    pub fn detect() -> Result<Self, LocalError> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let euid = unsafe { libc::geteuid() };
        if euid != 0 {
            return Ok(RunAs::Current { uid: euid });
        }
        let name = std::env::var(SERVER_USER_ENV)
            .ok()
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| DEFAULT_SERVER_USER.to_owned());
        let (uid, gid) = lookup_ids(&name)?;
        let switch =
            Switch::find().ok_or_else(|| LocalError::NoUserSwitch { user: name.clone() })?;
        Ok(RunAs::Other(ServerUser {
            name,
            uid,
            gid,
            switch,
        }))
    }

    /// The uid the server runs as, which must own its directories.
    pub fn uid(&self) -> u32 {
        match self {
            RunAs::Current { uid } => *uid,
            RunAs::Other(user) => user.uid,
        }
    }

    /// `program args...`, run as the server user.
    pub fn command(&self, program: &Path, args: &[OsString]) -> tokio::process::Command {
        let mut command = match self {
            RunAs::Current { .. } => {
                let mut command = tokio::process::Command::new(program);
                command.args(args);
                command
            }
            RunAs::Other(user) => user.command(program, args),
        };
        command.stdin(Stdio::null());
        command
    }

    /// How to show `program args...` in an error message.
    pub fn describe(&self, program: &Path, args: &[OsString]) -> String {
        let line = shell_line(program.as_os_str(), args);
        let line = line.to_string_lossy();
        match self {
            RunAs::Current { .. } => line.into_owned(),
            RunAs::Other(user) => format!("{line}` as user `{}", user.name),
        }
    }
}

impl ServerUser {
    fn command(&self, program: &Path, args: &[OsString]) -> tokio::process::Command {
        match &self.switch {
            Switch::Runuser(runuser) => {
                let mut command = tokio::process::Command::new(runuser);
                command
                    .arg("-u")
                    .arg(&self.name)
                    .arg("--")
                    .arg(program)
                    .args(args);
                command
            }
            Switch::Setpriv(setpriv) => {
                let mut command = tokio::process::Command::new(setpriv);
                command
                    .arg(format!("--reuid={}", self.uid))
                    .arg(format!("--regid={}", self.gid))
                    .arg("--clear-groups")
                    .arg("--")
                    .arg(program)
                    .args(args);
                command
            }
            Switch::Su(su) => {
                // su takes one shell command line, so every word is quoted.
                let mut line = OsString::from("exec ");
                line.push(shell_line(program.as_os_str(), args));
                let mut command = tokio::process::Command::new(su);
                command
                    .arg(&self.name)
                    .args(["-s", "/bin/sh", "-c"])
                    .arg(line);
                command
            }
        }
    }
}

impl Switch {
    fn find() -> Option<Self> {
        let path = std::env::var_os("PATH");
        let find = |name| find_program(name, path.as_deref(), &SYSTEM_DIRS);
        find("runuser")
            .map(Switch::Runuser)
            .or_else(|| find("setpriv").map(Switch::Setpriv))
            .or_else(|| find("su").map(Switch::Su))
    }
}

/// The uid and gid of `name`: from /etc/passwd, else from `id`, which also
/// knows the users of NSS (LDAP, ...).
fn lookup_ids(name: &str) -> Result<(u32, u32), LocalError> {
    let missing = |problem: &str| LocalError::NoServerUser {
        user: name.to_owned(),
        problem: problem.to_owned(),
    };
    let plausible = !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if !plausible {
        return Err(missing("is not a valid user name"));
    }
    let from_passwd = std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|passwd| passwd_ids(&passwd, name));
    let Some((uid, gid)) = from_passwd.or_else(|| id_ids(name)) else {
        return Err(missing("does not exist"));
    };
    if uid == 0 {
        return Err(missing("is root"));
    }
    Ok((uid, gid))
}

/// `name:password:UID:GID:...`
fn passwd_ids(passwd: &str, name: &str) -> Option<(u32, u32)> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        if fields.next()? != name {
            return None;
        }
        let _password = fields.next()?;
        Some((fields.next()?.parse().ok()?, fields.next()?.parse().ok()?))
    })
}

fn id_ids(name: &str) -> Option<(u32, u32)> {
    let id = |flag: &str| -> Option<u32> {
        let output = std::process::Command::new("id")
            .arg(flag)
            .arg(name)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        let text = String::from_utf8(output.stdout).ok()?;
        output.status.success().then(|| text.trim().parse().ok())?
    };
    Some((id("-u")?, id("-g")?))
}

/// `'word' 'word' ...`, safe to hand to `/bin/sh`.
pub(crate) fn shell_line(program: &OsStr, args: &[OsString]) -> OsString {
    let mut line = sh_quote(program);
    for arg in args {
        line.push(" ");
        line.push(sh_quote(arg));
    }
    line
}

/// `text` as one `/bin/sh` word: as is if nothing in it is special to the
/// shell, else in single quotes, inside which nothing is special but the
/// single quote itself, written as `'\''`.
pub(crate) fn sh_quote(text: &OsStr) -> OsString {
    let plain = |byte: &u8| byte.is_ascii_alphanumeric() || b"_-./=:@%+,".contains(byte);
    if !text.is_empty() && text.as_bytes().iter().all(plain) {
        return text.to_owned();
    }
    let mut quoted = Vec::with_capacity(text.len() + 2);
    quoted.push(b'\'');
    for &byte in text.as_bytes() {
        if byte == b'\'' {
            quoted.extend_from_slice(b"'\\''");
        } else {
            quoted.push(byte);
        }
    }
    quoted.push(b'\'');
    OsString::from_vec(quoted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_the_shell() {
        let tricky = OsStr::new("it's $HOME; `rm -rf` \"x\"");
        let output = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(shell_line(
                OsStr::new("printf"),
                &["%s".into(), tricky.into()],
            ))
            .output()
            .unwrap();
        assert_eq!(output.stdout, tricky.as_bytes());
    }

    #[test]
    fn su_gets_one_quoted_command_line() {
        let user = ServerUser {
            name: "postgres".into(),
            uid: 101,
            gid: 104,
            switch: Switch::Su("/bin/su".into()),
        };
        let command = user.command(Path::new("/pg/bin/pg_ctl"), &["-D".into(), "/a b".into()]);
        let args: Vec<_> = command.as_std().get_args().collect();
        assert_eq!(
            args,
            [
                "postgres",
                "-s",
                "/bin/sh",
                "-c",
                "exec /pg/bin/pg_ctl -D '/a b'"
            ]
        );
    }

    /// Set to run the test suite as an unprivileged user: the tests that
    /// need root then say they are skipped instead of failing.
    const NOT_ROOT_OPT_OUT: &str = "DWH_TEST_NOT_ROOT";

    /// Meaningful as root only, as in CI: each available switch really
    /// runs the command as the server user. A failing detect() fails the
    /// test; not being root fails it too unless [`NOT_ROOT_OPT_OUT`] is set.
    #[tokio::test]
    async fn every_switch_runs_commands_as_the_server_user() {
        let user = match RunAs::detect() {
            Ok(RunAs::Other(user)) => user,
            Ok(RunAs::Current { uid }) => {
                assert!(
                    std::env::var_os(NOT_ROOT_OPT_OUT).is_some(),
                    "this test needs root (uid {uid}); set {NOT_ROOT_OPT_OUT}=1 to skip it"
                );
                eprintln!("skipped: not root and {NOT_ROOT_OPT_OUT} is set");
                return;
            }
            Err(e) => panic!("detecting the server user failed: {e}"),
        };
        let path = std::env::var_os("PATH");
        let find = |name| find_program(name, path.as_deref(), &SYSTEM_DIRS);
        let id = find("id").expect("id is installed");
        let switches = [
            find("runuser").map(Switch::Runuser),
            find("setpriv").map(Switch::Setpriv),
            find("su").map(Switch::Su),
        ];
        let found: Vec<Switch> = switches.into_iter().flatten().collect();
        assert!(
            !found.is_empty(),
            "none of runuser, setpriv, su is installed"
        );
        for switch in found {
            let user = ServerUser {
                switch: switch.clone(),
                ..user.clone()
            };
            let output = user.command(&id, &["-u".into()]).output().await.unwrap();
            let uid = String::from_utf8_lossy(&output.stdout);
            assert_eq!(uid.trim(), user.uid.to_string(), "{switch:?}");
        }
    }

    #[test]
    fn passwd_lines_give_ids() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\n\
                      postgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n";
        assert_eq!(passwd_ids(passwd, "postgres"), Some((101, 104)));
        assert_eq!(passwd_ids(passwd, "postgre"), None);
        assert_eq!(passwd_ids(passwd, "nobody"), None);
    }

    #[test]
    fn implausible_user_names_are_refused_before_running_id() {
        let err = lookup_ids("-u0").unwrap_err().to_string();
        assert!(err.contains("not a valid user name"), "{err}");
        assert!(err.contains("DWH_PG_USER"), "{err}");
    }
}
