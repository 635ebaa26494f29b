//! The `duban` command.

mod outline;

use clap::{Parser, Subcommand, ValueEnum};
use plan::{Directory, ParseError};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The Yingtan bureau's unit directory, shipped with the program so a fresh machine needs
/// nothing else; `--units FILE` reads another authority's.
const DEFAULT_UNITS: &str = include_str!("../../../data/units/yingtan.toml");
/// The demo plan: 《2024年鹰潭市教育工作要点》 as published.
const DEMO_PLAN: &[u8] = include_bytes!("../../../data/plans/yingtan-2024-education-work-plan.txt");

#[derive(Parser)]
#[command(
    name = "duban",
    version,
    about = "督办:工作要点从印发到年终考评的全程督办系统"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 演示:解析内置的《2024年鹰潭市教育工作要点》并打印提纲
    Demo,
    /// 工作要点文件
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
}

#[derive(Subcommand)]
enum PlanCommand {
    /// 解析工作要点文件(txt、docx、html、xlsx、csv),输出结构化结果
    Parse {
        /// 要解析的文件
        file: PathBuf,
        /// 输出格式
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// 单位目录(TOML);缺省为内置的鹰潭市教育局单位目录
        #[arg(long)]
        units: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Json,
    Text,
}

/// Exit status for bad input, as promised in the CLI's documentation.
const BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo => demo(),
        Command::Plan {
            command:
                PlanCommand::Parse {
                    file,
                    format,
                    units,
                },
        } => parse_file(&file, format, units.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("错误:{message}");
            ExitCode::from(BAD_INPUT)
        }
    }
}

fn load_directory(path: Option<&Path>) -> Result<Directory, String> {
    let text = match path {
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| format!("无法读取单位目录 {}:{e}", p.display()))?,
        None => DEFAULT_UNITS.to_string(),
    };
    Directory::from_toml(&text)
        .map_err(|e| format!("单位目录格式错误:{}", e.lines().next().unwrap_or("")))
}

fn parse_file(path: &Path, format: OutputFormat, units: Option<&Path>) -> Result<(), String> {
    let directory = load_directory(units)?;
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("无法读取文件 {}:{}", path.display(), io_reason(&e)))?;
    if meta.is_dir() {
        return Err(format!("{} 是目录,不是文件", path.display()));
    }
    // Refuse oversized files before reading them into memory.
    if meta.len() > plan::MAX_INPUT_BYTES as u64 {
        return Err(ParseError::TooLarge {
            size: meta.len() as usize,
        }
        .to_string());
    }
    let bytes = std::fs::read(path)
        .map_err(|e| format!("无法读取文件 {}:{}", path.display(), io_reason(&e)))?;
    let plan = plan::parse(&bytes, &directory).map_err(|e| format!("{}:{e}", path.display()))?;
    match format {
        OutputFormat::Json => {
            let json = serde_json::to_string_pretty(&plan).map_err(|e| e.to_string())?;
            println!("{json}");
        }
        OutputFormat::Text => print!("{}", outline::render(&plan)),
    }
    Ok(())
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "文件不存在".into(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限".into(),
        _ => e.to_string(),
    }
}

fn demo() -> Result<(), String> {
    let directory = load_directory(None)?;
    let plan = plan::parse(DEMO_PLAN, &directory).map_err(|e| e.to_string())?;
    print!("{}", outline::render(&plan));
    println!();
    println!("(督办服务尚在建设中:目前 demo 打印内置工作要点的解析提纲。)");
    Ok(())
}
