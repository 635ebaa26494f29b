//! `duban user add`: how the password gets in. Never from the command line or the
//! environment (other users of the machine can read both), never a default: typed at a
//! terminal without echo (twice), or read from standard input for scripts.

use anyhow::{anyhow, bail};
use std::io::{BufRead, IsTerminal};

/// The new user's password, from standard input (`from_stdin`) or typed at the terminal.
pub fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| anyhow!("无法从标准输入读取密码:{e}"))?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        if password.is_empty() {
            bail!("标准输入中没有密码(--password-stdin 读取第一行)");
        }
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        bail!("没有终端可输入密码:请用 --password-stdin 从标准输入提供密码");
    }
    let first = rpassword::prompt_password("密码:").map_err(|e| anyhow!("无法读取密码:{e}"))?;
    // Checked before the second prompt, so a weak password is told at once.
    if let Err(why) = store::password::check_policy("", &first) {
        bail!("密码不符合要求:{why}");
    }
    let second = rpassword::prompt_password("再次输入密码:").map_err(|e| anyhow!("无法读取密码:{e}"))?;
    if first != second {
        bail!("两次输入的密码不一致");
    }
    Ok(first)
}
