//! The effective configuration: built-in defaults < `customer-snapshot.toml` < environment
//! (a `.env` file in the current folder fills in variables the real environment does not set)
//! < command-line flags. Every value remembers where it came from, so `config` can show it and a
//! bad value can be blamed on the right source.
//!
//! The file is found, in order, at `--config PATH`, at `$CUSTOMER_SNAPSHOT_CONFIG`, or as
//! `customer-snapshot.toml` in the current folder; a file named explicitly must exist, the
//! implicit one is optional. Unknown keys are an error naming the key, the file and the line.
//!
//! Secrets (`ANTHROPIC_API_KEY`) come from the environment only: a key in a file that is easy to
//! commit is a leak waiting to happen, so `ai.api_key` in the file is rejected with that reason.
//! Secrets are held in [`Secret`], whose `Debug` and `Display` never show the value.
//!
//! Merging works on the TOML tree of the defaults, so a key exists exactly when the typed tables
//! have a field for it: one definition of every key and default, whichever crate owns the type.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use snapshot_perf::bench::targets::BenchmarkConfig;
use snapshot_perf::monitor::MonitorConfig;
use snapshot_perf::monitor::config::ConfigError as MonitorConfigError;

/// File name looked for in the current folder.
pub const FILE_NAME: &str = "customer-snapshot.toml";
/// Environment variable naming the configuration file.
pub const CONFIG_ENV: &str = "CUSTOMER_SNAPSHOT_CONFIG";
/// Environment variable holding the Anthropic API key (a secret; never printed or logged).
pub const API_KEY_ENV: &str = "ANTHROPIC_API_KEY";

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

/// Environment variables (the original tool's names) and the key each one sets.
pub const ENV_KEYS: &[(&str, &str)] = &[
    ("MAX_FILE_SIZE", "process.max_file_size"),
    ("MIN_ENTITY_FREQUENCY", "process.min_entity_frequency"),
    ("MIN_ENTITY_LENGTH", "process.min_entity_length"),
    ("CHUNK_SIZE", "process.chunk_size"),
    ("LOG_LEVEL", "log.level"),
    ("LOG_FORMAT", "log.format"),
    ("DEBUG", "log.debug"),
    ("DEFAULT_MODEL", "ai.model"),
    ("MAX_TOKENS", "ai.max_tokens"),
    ("TEMPERATURE", "ai.temperature"),
    ("ANTHROPIC_BASE_URL", "ai.base_url"),
    ("CUSTOMER_SNAPSHOT_AI_CALL_LOG", "ai.call_log"),
    ("CUSTOMER_SNAPSHOT_HISTORY", "history.path"),
];

/// The whole configuration, one table per area. Commands read the typed fields; `provenance`
/// says where each came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `[process]`: limits and knobs of the transcript pipeline.
    pub process: ProcessSettings,
    /// `[monitor]`: sampling intervals and alert thresholds (also used by `healthcheck`); the
    /// monitor's own type, so its defaults have one definition.
    pub monitor: MonitorConfig,
    /// `[benchmark]`: input sizes and the performance guide's targets.
    pub benchmark: BenchmarkConfig,
    /// `[healthcheck]`: probe budget and folders.
    pub healthcheck: HealthcheckSettings,
    /// `[ai]`: the Messages API model and sampling parameters.
    pub ai: AiSettings,
    /// `[history]`: where runs, samples and alerts are stored.
    pub history: HistorySettings,
    /// `[log]`: diagnostics on stderr.
    pub log: LogSettings,
    /// Where every value came from; not part of the file format.
    #[serde(skip)]
    pub provenance: Provenance,
}

/// `[process]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProcessSettings {
    /// Largest input accepted; bigger files are rejected before reading (exit 2).
    pub max_file_size: ByteSize,
    /// A named entity must be mentioned at least this often to be reported.
    pub min_entity_frequency: u32,
    /// Entities shorter than this many characters are dropped.
    pub min_entity_length: u32,
    /// Bytes read per I/O call when streaming an input (the original tool's `CHUNK_SIZE`).
    pub chunk_size: ByteSize,
    /// Default output format of `process`.
    pub format: OutputFormat,
    /// Folder for outputs; empty means beside each input.
    pub output_dir: String,
}

impl Default for ProcessSettings {
    fn default() -> Self {
        Self {
            max_file_size: ByteSize(50 * MIB),
            min_entity_frequency: 1,
            min_entity_length: 3,
            chunk_size: ByteSize(256 * KIB),
            format: OutputFormat::Markdown,
            output_dir: String::new(),
        }
    }
}

/// Output formats of `process`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// Markdown document.
    Markdown,
    /// Self-contained HTML page.
    Html,
    /// JSON snapshot.
    Json,
}

/// `[healthcheck]`. Memory, CPU and disk limits come from `[monitor]` (critical for `live`,
/// alert for the disks in `ready`), so each threshold has one definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthcheckSettings {
    /// Budget of the whole command when `--timeout` is not given.
    pub timeout_seconds: f64,
    /// The built-in transcript must be processed within this (readiness).
    pub responsiveness_max_ms: u64,
    /// CPU is sampled over this window in the `live` probe.
    pub cpu_sample_ms: u64,
}

impl Default for HealthcheckSettings {
    fn default() -> Self {
        Self {
            timeout_seconds: 5.0,
            responsiveness_max_ms: 500,
            cpu_sample_ms: 20,
        }
    }
}

/// `[ai]`. The key is read from `ANTHROPIC_API_KEY` only, never from the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AiSettings {
    /// Model name sent to the Messages API.
    pub model: String,
    /// `max_tokens` of each request.
    pub max_tokens: u32,
    /// Sampling temperature, 0 to 1.
    pub temperature: f64,
    /// API base URL (a loopback server in tests).
    pub base_url: String,
    /// JSON lines file `process --ai` appends every call to and `monitor --listen` exports;
    /// empty means off.
    pub call_log: String,
    /// The API key, when set in the environment.
    #[serde(skip)]
    pub api_key: Option<Secret>,
}

impl Default for AiSettings {
    /// The AI client's own defaults, so each has one definition.
    fn default() -> Self {
        let ai = snapshot_ai::config::AiConfig::default();
        Self {
            model: ai.model,
            max_tokens: ai.max_tokens,
            // Through the shortest decimal form, so 0.2f32 becomes 0.2, not 0.20000000298.
            temperature: ai
                .temperature
                .to_string()
                .parse()
                .unwrap_or(f64::from(ai.temperature)),
            base_url: ai.base_url,
            call_log: String::new(),
            api_key: None,
        }
    }
}

/// `[history]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct HistorySettings {
    /// SQLite file; empty means the platform default (see [`Settings::history_path`]).
    pub path: String,
}

/// `[log]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// Most verbose level written to stderr.
    pub level: LogLevel,
    /// Line format on stderr.
    pub format: LogFormat,
    /// The original tool's `DEBUG` switch: when true the level is at least `debug`.
    pub debug: bool,
}

impl LogSettings {
    /// The level in effect once `debug` is applied.
    pub fn effective_level(&self) -> LogLevel {
        if self.debug {
            self.level.max(LogLevel::Debug)
        } else {
            self.level
        }
    }
}

/// Log levels, least verbose first.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    Default,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Errors only.
    Error,
    /// Warnings and errors (the default: results go to stdout, stderr stays quiet).
    #[default]
    Warn,
    /// Progress worth knowing (which config file was read, ...).
    Info,
    /// Details for debugging.
    Debug,
    /// Everything.
    Trace,
}

impl LogLevel {
    /// The lowercase name, as written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warn => "warn",
            Self::Info => "info",
            Self::Debug => "debug",
            Self::Trace => "trace",
        }
    }
}

/// Log line formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// A size in bytes. In the file and the environment it is a whole number of bytes or a string
/// with a binary unit: `"50MB"`, `"1.5 GiB"`, `"512k"` (K, M, G, T = 1024-based, as the original
/// tool's 50 MB = 52428800 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ByteSize(pub u64);

impl ByteSize {
    /// The number of bytes.
    pub fn bytes(self) -> u64 {
        self.0
    }

    /// Parses `"52428800"`, `"50MB"`, `"50 MiB"`, `"1.5g"`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let unit = unit.trim().to_ascii_lowercase();
        let multiplier = match unit.trim_end_matches("ib").trim_end_matches('b') {
            "" => 1,
            "k" => KIB,
            "m" => MIB,
            "g" => GIB,
            "t" => GIB * KIB,
            _ => return Err(format!("unknown unit '{unit}'")),
        };
        let value: f64 = number
            .parse()
            .map_err(|_| format!("'{number}' is not a number"))?;
        let bytes = value * multiplier as f64;
        if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
            return Err("out of range".to_owned());
        }
        Ok(Self(bytes.round() as u64))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        let (div, unit) = match b {
            b if b >= GIB => (GIB, "GiB"),
            b if b >= MIB => (MIB, "MiB"),
            b if b >= KIB => (KIB, "KiB"),
            _ => return write!(f, "{b} B"),
        };
        write!(f, "{:.1} {unit}", b as f64 / div as f64)
    }
}

const BYTE_SIZE_EXPECTED: &str =
    "a whole number of bytes or a size like \"50MB\" (units K, M, G, T; 1024-based)";

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(BYTE_SIZE_EXPECTED)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ByteSize, E> {
                Ok(ByteSize(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ByteSize, E> {
                u64::try_from(v).map(ByteSize).map_err(|_| {
                    E::custom(format!("{v} is negative; expected {BYTE_SIZE_EXPECTED}"))
                })
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ByteSize, E> {
                ByteSize::parse(v)
                    .map_err(|why| E::custom(format!("{why}; expected {BYTE_SIZE_EXPECTED}")))
            }
        }
        de.deserialize_any(Visitor)
    }
}

/// A secret string. `Debug` and `Display` show only whether it is set and a masked hint
/// (`set (sk-…abcd)`), so it cannot reach output or logs by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The value itself, for the one place that sends it (an HTTP header).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `set (sk-…abcd)`: the first three and last four characters of a long key, else nothing.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        // Short values would be mostly revealed by a hint, so they get none.
        if chars.len() < 16 {
            return "set (…)".to_owned();
        }
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("set ({head}…{tail})")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The built-in default.
    Default,
    /// The configuration file, at this line.
    File {
        /// The file.
        path: PathBuf,
        /// 1-based line of the key.
        line: usize,
    },
    /// An environment variable.
    Env {
        /// Its name.
        var: String,
        /// True when it came from `.env` rather than the real environment.
        dotenv: bool,
    },
    /// A command-line flag.
    Flag(String),
    /// Not set anywhere (only for values without a default, such as the API key).
    Unset,
}

impl Origin {
    /// `default`, `file`, `env`, `flag` or `unset`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::File { .. } => "file",
            Self::Env { .. } => "env",
            Self::Flag(_) => "flag",
            Self::Unset => "unset",
        }
    }

    /// The file and line, variable or flag, when there is one.
    pub fn detail(&self) -> Option<String> {
        match self {
            Self::Default | Self::Unset => None,
            Self::File { path, line } => Some(format!("{}:{line}", path.display())),
            Self::Env { var, dotenv: false } => Some(var.clone()),
            Self::Env { var, dotenv: true } => Some(format!("{var} (.env)")),
            Self::Flag(flag) => Some(flag.clone()),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File { path, line } => write!(f, "{}:{line}", path.display()),
            Self::Env { var, dotenv: false } => write!(f, "environment variable {var}"),
            Self::Env { var, dotenv: true } => write!(f, "{var} in .env"),
            Self::Flag(flag) => write!(f, "flag {flag}"),
            Self::Default => f.write_str("default"),
            Self::Unset => f.write_str("unset"),
        }
    }
}

/// Where the configuration came from and what looks wrong with it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Provenance {
    /// The configuration file read, if any.
    pub file: Option<PathBuf>,
    /// The origin of every key (`process.max_file_size`, ...), plus `ai.api_key`.
    pub origins: BTreeMap<String, Origin>,
    /// Problems that do not stop the tool (shown by `config` and `healthcheck --probe startup`).
    pub problems: Vec<String>,
}

/// Why the configuration could not be loaded. Each names the source and, for values, the key,
/// the value given and what is allowed.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file could not be read.
    #[error("{}: cannot read the configuration file: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("{}:{line}: not valid TOML: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// A key the configuration does not have.
    #[error("{}:{line}: unknown key '{key}' (known keys in [{table}]: {known})", path.display())]
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// Dotted key.
        key: String,
        /// The table it was found in.
        table: String,
        /// The keys that table accepts.
        known: String,
    },
    /// A key that must not be in a file.
    #[error("{}:{line}: '{key}' is not read from files: {why}", path.display())]
    Forbidden {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// Dotted key.
        key: String,
        /// Why not, and where to put it instead.
        why: &'static str,
    },
    /// A value of the wrong type or out of range.
    #[error("{origin}: invalid value {value} for '{key}': {allowed}")]
    BadValue {
        /// Dotted key.
        key: String,
        /// The value as given.
        value: String,
        /// What is allowed.
        allowed: String,
        /// Where it was given.
        origin: Origin,
    },
    /// The `.env` file could not be parsed.
    #[error("{}: {message}", path.display())]
    DotEnv {
        /// The `.env` file.
        path: PathBuf,
        /// dotenvy's message (it names the line).
        message: String,
    },
}

/// Everything [`Settings::load`] reads, gathered up front so tests can supply it. Deliberately
/// not `Debug`: the environment holds the API key.
#[derive(Clone, Default)]
pub struct Inputs {
    /// Folder searched for `customer-snapshot.toml` and `.env`.
    pub cwd: PathBuf,
    /// `--config PATH`.
    pub config_flag: Option<PathBuf>,
    /// The real environment (only the variables this module reads need be present).
    pub env: BTreeMap<String, String>,
    /// Flag overrides: (dotted key, value, flag name), applied last.
    pub flags: Vec<(String, String, String)>,
}

impl Inputs {
    /// The process's current folder and environment.
    pub fn from_process(config_flag: Option<PathBuf>) -> Result<Self, SettingsError> {
        let cwd = std::env::current_dir().map_err(|source| SettingsError::Read {
            path: PathBuf::from("."),
            source,
        })?;
        // Non-UTF-8 variables cannot be any of ours; skip them rather than fail.
        let env = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Ok(Self {
            cwd,
            config_flag,
            env,
            flags: Vec::new(),
        })
    }
}

/// One value after layering, with its origin.
struct Layered {
    tree: toml::Table,
    origins: BTreeMap<String, Origin>,
}

impl Settings {
    /// Loads the settings for this process: its folder and environment, plus the global flags.
    pub fn from_cli(global: &crate::args::GlobalArgs) -> Result<Self, SettingsError> {
        let mut inputs = Inputs::from_process(global.config.clone())?;
        if let Some(level) = global.log_level {
            inputs.flags.push((
                "log.level".into(),
                level.as_str().into(),
                "--log-level".into(),
            ));
        }
        if let Some(format) = global.log_format {
            let name = match format {
                LogFormat::Text => "text",
                LogFormat::Json => "json",
            };
            inputs
                .flags
                .push(("log.format".into(), name.into(), "--log-format".into()));
        }
        Self::load(&inputs)
    }

    /// Loads defaults < file < environment (+ `.env`) < flags, validating every value.
    pub fn load(inputs: &Inputs) -> Result<Self, SettingsError> {
        let env = merged_env(inputs)?;
        let defaults = default_tree();
        let mut origins = BTreeMap::new();
        leaf_keys(&defaults, "", &mut |key, _| {
            origins.insert(key.to_owned(), Origin::Default);
        });
        let mut layered = Layered {
            tree: defaults.clone(),
            origins,
        };
        let mut problems = Vec::new();

        let file = config_file(inputs, &env);
        if let Some((path, explicit)) = &file {
            match std::fs::read_to_string(path) {
                Ok(text) => apply_file(&mut layered, &defaults, path, &text)?,
                Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(SettingsError::Read {
                        path: path.clone(),
                        source,
                    });
                }
            }
        }
        let file_read = file
            .filter(|(path, explicit)| *explicit || path.is_file())
            .map(|(path, _)| path);

        for (var, key) in ENV_KEYS {
            // An empty variable counts as unset, as in `docker run -e NAME=` or compose files.
            if let Some((value, dotenv)) = env.get(*var).filter(|(v, _)| !v.trim().is_empty()) {
                let origin = Origin::Env {
                    var: (*var).to_owned(),
                    dotenv: *dotenv,
                };
                set_from_text(&mut layered, &defaults, key, value, origin);
            }
        }
        for (key, value, flag) in &inputs.flags {
            set_from_text(
                &mut layered,
                &defaults,
                key,
                value,
                Origin::Flag(flag.clone()),
            );
        }

        // Each overridden value is checked on its own so the error names its key and source.
        for (key, origin) in &layered.origins {
            if *origin == Origin::Default {
                continue;
            }
            let mut probe = defaults.clone();
            let Some(value) = get(&layered.tree, key).cloned() else {
                continue;
            };
            set(&mut probe, key, value.clone());
            if let Err(e) = toml::Value::Table(probe).try_into::<Settings>() {
                return Err(SettingsError::BadValue {
                    key: key.clone(),
                    value: show_value(&value),
                    allowed: serde_message(&e),
                    origin: origin.clone(),
                });
            }
        }
        let mut settings: Settings = toml::Value::Table(layered.tree.clone())
            .try_into()
            .map_err(|e| SettingsError::BadValue {
                key: "(configuration)".to_owned(),
                value: String::new(),
                allowed: serde_message(&e),
                origin: Origin::Default,
            })?;
        if let Some(err) = settings.validate().into_iter().next() {
            let (key, allowed) = err;
            let value = get(&layered.tree, &key).map(show_value).unwrap_or_default();
            // A rule on a whole table (warning ≤ critical) is blamed on whichever of its keys
            // was set by the user.
            let prefix = format!("{key}.");
            let origin = layered
                .origins
                .get(&key)
                .or_else(|| {
                    layered
                        .origins
                        .iter()
                        .find(|(k, o)| k.starts_with(&prefix) && **o != Origin::Default)
                        .map(|(_, o)| o)
                })
                .cloned()
                .unwrap_or(Origin::Default);
            return Err(SettingsError::BadValue {
                key,
                value,
                allowed,
                origin,
            });
        }

        let mut origins = layered.origins;
        match env.get(API_KEY_ENV) {
            Some((key, dotenv)) if !key.trim().is_empty() => {
                settings.ai.api_key = Some(Secret::new(key.trim().to_owned()));
                origins.insert(
                    "ai.api_key".to_owned(),
                    Origin::Env {
                        var: API_KEY_ENV.to_owned(),
                        dotenv: *dotenv,
                    },
                );
            }
            _ => {
                origins.insert("ai.api_key".to_owned(), Origin::Unset);
                problems.push(format!("{API_KEY_ENV} is not set: `process --ai` will refuse to run (nothing else needs it)"));
            }
        }
        if settings.log.debug
            && settings.log.level < LogLevel::Debug
            && origins
                .get("log.level")
                .is_some_and(|o| *o != Origin::Default)
        {
            problems.push(format!(
                "log.debug = true raises log.level = {} to debug",
                settings.log.level.as_str()
            ));
        }
        let history = settings.history_path();
        if !settings.process.output_dir.is_empty()
            && !inputs.cwd.join(&settings.process.output_dir).is_dir()
        {
            problems.push(format!(
                "process.output_dir {} is not an existing folder",
                settings.process.output_dir
            ));
        }
        let (every, report) = (settings.monitor.interval, settings.monitor.report_interval);
        if !every.is_zero() && !report.as_millis().is_multiple_of(every.as_millis()) {
            problems.push(format!(
                "monitor.report_interval ({report:?}) is not a multiple of monitor.interval ({every:?}): reports cover uneven sample counts"
            ));
        }
        if settings.history.path.is_empty() {
            settings.history.path = history.to_string_lossy().into_owned();
        }
        settings.provenance = Provenance {
            file: file_read,
            origins,
            problems,
        };
        Ok(settings)
    }

    /// The history database path: `history.path`, else the history store's default
    /// (`snapshot_perf::history::default_path`: `$XDG_DATA_HOME/customer-snapshot/
    /// history.sqlite`, else under `~/.local/share`). After [`Settings::load`] it is resolved.
    pub fn history_path(&self) -> PathBuf {
        if self.history.path.is_empty() {
            snapshot_perf::history::default_path()
        } else {
            PathBuf::from(&self.history.path)
        }
    }

    /// The AI call log, when `ai.call_log` names one.
    pub fn call_log_path(&self) -> Option<PathBuf> {
        (!self.ai.call_log.is_empty()).then(|| PathBuf::from(&self.ai.call_log))
    }

    /// The folder `process` writes to when no `-o` is given: `process.output_dir`, or "." for
    /// checks when outputs go beside the inputs.
    pub fn output_dir(&self) -> PathBuf {
        if self.process.output_dir.is_empty() {
            PathBuf::from(".")
        } else {
            PathBuf::from(&self.process.output_dir)
        }
    }

    /// Range and consistency checks: (key, what is allowed) for each violation.
    fn validate(&self) -> Vec<(String, String)> {
        let mut bad = Vec::new();
        let mut check = |ok: bool, key: &str, allowed: &str| {
            if !ok {
                bad.push((key.to_owned(), format!("expected {allowed}")));
            }
        };
        let p = &self.process;
        check(
            p.max_file_size.0 > 0,
            "process.max_file_size",
            "more than 0 bytes",
        );
        check(
            p.min_entity_frequency >= 1,
            "process.min_entity_frequency",
            "a whole number ≥ 1",
        );
        check(
            p.min_entity_length >= 1,
            "process.min_entity_length",
            "a whole number ≥ 1",
        );
        check(
            p.chunk_size.0 >= 512 && p.chunk_size.0 <= 64 * MIB,
            "process.chunk_size",
            "between 512 bytes and 64 MB",
        );
        let m = &self.monitor;
        if let Err(e) = m.validate() {
            let key = match &e {
                MonitorConfigError::BadLevel { name, .. } => format!("monitor.thresholds.{name}"),
                MonitorConfigError::ZeroMinDuration => {
                    "monitor.thresholds.min_duration_samples".to_owned()
                }
                MonitorConfigError::BadHysteresis(_) => {
                    "monitor.thresholds.hysteresis_fraction".to_owned()
                }
                MonitorConfigError::ZeroInterval => "monitor.interval".to_owned(),
            };
            check(false, &key, &e.to_string());
        }
        check(
            m.report_interval >= m.interval,
            "monitor.report_interval",
            "at least monitor.interval",
        );
        let t = &m.thresholds;
        for (name, levels) in [
            ("cpu_percent", t.cpu_percent),
            ("memory_percent", t.memory_percent),
            ("disk_percent", t.disk_percent),
        ] {
            check(
                levels.warning > 0.0
                    && levels.critical <= 100.0
                    && levels.warning <= levels.critical,
                &format!("monitor.thresholds.{name}"),
                "percentages with 0 < warning ≤ critical ≤ 100",
            );
        }
        check(
            t.disk_free_gb.critical <= t.disk_free_gb.warning,
            "monitor.thresholds.disk_free_gb",
            "critical ≤ warning (alerts fire below these)",
        );
        check(
            t.process_memory_mb.warning <= t.process_memory_mb.critical,
            "monitor.thresholds.process_memory_mb",
            "warning ≤ critical",
        );
        let b = &self.benchmark;
        check(
            !b.sizes_mb.is_empty() && b.sizes_mb.iter().all(|s| s.is_finite() && *s > 0.0),
            "benchmark.sizes_mb",
            "a non-empty list of sizes > 0",
        );
        if let Err(why) = b.targets.validate() {
            check(false, "benchmark.targets", &format!("valid rows ({why})"));
        }
        check(b.runs >= 1, "benchmark.runs", "a whole number ≥ 1");
        let h = &self.healthcheck;
        check(
            h.timeout_seconds.is_finite() && h.timeout_seconds > 0.0,
            "healthcheck.timeout_seconds",
            "a number of seconds > 0",
        );
        check(
            h.responsiveness_max_ms >= 1,
            "healthcheck.responsiveness_max_ms",
            "a whole number of milliseconds ≥ 1",
        );
        check(
            (1..=1000).contains(&h.cpu_sample_ms),
            "healthcheck.cpu_sample_ms",
            "between 1 and 1000 milliseconds",
        );
        let ai = &self.ai;
        check(!ai.model.trim().is_empty(), "ai.model", "a model name");
        check(ai.max_tokens >= 1, "ai.max_tokens", "a whole number ≥ 1");
        check(
            (0.0..=1.0).contains(&ai.temperature),
            "ai.temperature",
            "a number from 0 to 1",
        );
        check(
            ai.base_url.starts_with("http://") || ai.base_url.starts_with("https://"),
            "ai.base_url",
            "an http:// or https:// URL",
        );
        bad
    }

    /// Every key with its display value and origin, in file order of tables.
    pub fn entries(&self) -> Vec<(String, String, toml::Value, Origin)> {
        let tree = match toml::Value::try_from(self) {
            Ok(toml::Value::Table(t)) => t,
            _ => toml::Table::new(),
        };
        let mut out = Vec::new();
        leaf_keys(&tree, "", &mut |key, value| {
            let origin = self
                .provenance
                .origins
                .get(key)
                .cloned()
                .unwrap_or(Origin::Default);
            out.push((key.to_owned(), show_value(value), value.clone(), origin));
        });
        let key_origin = self
            .provenance
            .origins
            .get("ai.api_key")
            .cloned()
            .unwrap_or(Origin::Unset);
        let shown = self
            .ai
            .api_key
            .as_ref()
            .map_or_else(|| "not set".to_owned(), Secret::masked);
        out.push((
            "ai.api_key".to_owned(),
            shown.clone(),
            toml::Value::String(shown),
            key_origin,
        ));
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

/// The real environment, plus `.env` entries for variables it does not set: (value, from .env).
fn merged_env(inputs: &Inputs) -> Result<BTreeMap<String, (String, bool)>, SettingsError> {
    let mut env: BTreeMap<String, (String, bool)> = inputs
        .env
        .iter()
        .map(|(k, v)| (k.clone(), (v.clone(), false)))
        .collect();
    let path = inputs.cwd.join(".env");
    match dotenvy::from_path_iter(&path) {
        Ok(iter) => {
            for item in iter {
                let (k, v) = item.map_err(|e| SettingsError::DotEnv {
                    path: path.clone(),
                    message: dotenv_message(&e),
                })?;
                env.entry(k).or_insert((v, true));
            }
        }
        Err(e) if e.not_found() => {}
        Err(e) => {
            return Err(SettingsError::DotEnv {
                path,
                message: dotenv_message(&e),
            });
        }
    }
    Ok(env)
}

fn dotenv_message(e: &dotenvy::Error) -> String {
    match e {
        // dotenvy's own text for this case includes the offending line's content, which may be
        // a secret; report the position only.
        dotenvy::Error::LineParse(_, index) => format!("cannot parse line at character {index}"),
        other => other.to_string(),
    }
}

/// The file to read and whether it was named explicitly (then it must exist).
fn config_file(inputs: &Inputs, env: &BTreeMap<String, (String, bool)>) -> Option<(PathBuf, bool)> {
    let resolve = |p: &Path| {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            inputs.cwd.join(p)
        }
    };
    if let Some(flag) = &inputs.config_flag {
        return Some((resolve(flag), true));
    }
    if let Some((path, _)) = env.get(CONFIG_ENV).filter(|(p, _)| !p.is_empty()) {
        return Some((resolve(Path::new(path)), true));
    }
    Some((inputs.cwd.join(FILE_NAME), false))
}

fn default_tree() -> toml::Table {
    match toml::Value::try_from(Settings::default()) {
        Ok(toml::Value::Table(t)) => t,
        // The defaults are plain tables of numbers, strings and lists: always representable.
        _ => unreachable!("default settings serialize to a TOML table"),
    }
}

/// Calls `f` for every non-table value, with its dotted key. Arrays are leaves.
fn leaf_keys(table: &toml::Table, prefix: &str, f: &mut dyn FnMut(&str, &toml::Value)) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => leaf_keys(t, &key, f),
            other => f(&key, other),
        }
    }
}

fn get<'a>(table: &'a toml::Table, key: &str) -> Option<&'a toml::Value> {
    let mut parts = key.split('.');
    let first = parts.next()?;
    parts.try_fold(table.get(first)?, |v, part| v.as_table()?.get(part))
}

fn set(table: &mut toml::Table, key: &str, value: toml::Value) {
    match key.split_once('.') {
        None => {
            table.insert(key.to_owned(), value);
        }
        Some((head, rest)) => {
            if let Some(toml::Value::Table(inner)) = table.get_mut(head) {
                set(inner, rest, value);
            }
        }
    }
}

/// Reads the file's keys onto the defaults, rejecting keys the defaults do not have.
fn apply_file(
    layered: &mut Layered,
    defaults: &toml::Table,
    path: &Path,
    text: &str,
) -> Result<(), SettingsError> {
    let line_of = |offset: usize| {
        text[..offset.min(text.len())]
            .bytes()
            .filter(|b| *b == b'\n')
            .count()
            + 1
    };
    let spanned = toml::de::DeTable::parse(text).map_err(|e| SettingsError::Syntax {
        path: path.to_path_buf(),
        line: e.span().map_or(1, |s| line_of(s.start)),
        message: e.message().to_owned(),
    })?;
    walk_file(layered, defaults, spanned.get_ref(), "", path, &line_of)
}

fn walk_file(
    layered: &mut Layered,
    defaults: &toml::Table,
    table: &toml::de::DeTable<'_>,
    prefix: &str,
    path: &Path,
    line_of: &dyn Fn(usize) -> usize,
) -> Result<(), SettingsError> {
    for (k, v) in table {
        let name: &str = k.get_ref();
        let key = if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        };
        let line = line_of(k.span().start);
        if key == "ai.api_key" {
            return Err(SettingsError::Forbidden {
                path: path.to_path_buf(),
                line,
                key,
                why: "set ANTHROPIC_API_KEY in the environment or in .env instead, so the key never sits in a shared file",
            });
        }
        let Some(default) = get(defaults, &key) else {
            let parent = get(defaults, prefix)
                .and_then(toml::Value::as_table)
                .unwrap_or(defaults);
            let known: Vec<&str> = parent.keys().map(String::as_str).collect();
            return Err(SettingsError::UnknownKey {
                path: path.to_path_buf(),
                line,
                key,
                table: if prefix.is_empty() {
                    "top level".to_owned()
                } else {
                    prefix.to_owned()
                },
                known: known.join(", "),
            });
        };
        match (default, v.get_ref()) {
            (toml::Value::Table(_), toml::de::DeValue::Table(inner)) => {
                walk_file(layered, defaults, inner, &key, path, line_of)?
            }
            (toml::Value::Table(_), _) => {
                return Err(SettingsError::BadValue {
                    key,
                    value: show_value(&de_to_value(v.get_ref())),
                    allowed: "a table".to_owned(),
                    origin: Origin::File {
                        path: path.to_path_buf(),
                        line,
                    },
                });
            }
            _ => {
                let value = de_to_value(v.get_ref());
                set(&mut layered.tree, &key, value);
                layered.origins.insert(
                    key,
                    Origin::File {
                        path: path.to_path_buf(),
                        line,
                    },
                );
            }
        }
    }
    Ok(())
}

/// Converts one parsed value (with spans) into a plain TOML value.
fn de_to_value(v: &toml::de::DeValue<'_>) -> toml::Value {
    use toml::de::DeValue;
    match v {
        DeValue::String(s) => toml::Value::String(s.to_string()),
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .map(toml::Value::Integer)
            // Too big for i64: keep the digits so the type check reports the value.
            .unwrap_or_else(|_| toml::Value::String(i.as_str().to_owned())),
        DeValue::Float(f) => {
            toml::Value::Float(f.as_str().replace('_', "").parse().unwrap_or(f64::NAN))
        }
        DeValue::Boolean(b) => toml::Value::Boolean(*b),
        DeValue::Datetime(d) => toml::Value::Datetime(*d),
        DeValue::Array(items) => {
            toml::Value::Array(items.iter().map(|i| de_to_value(i.get_ref())).collect())
        }
        DeValue::Table(t) => toml::Value::Table(
            t.iter()
                .map(|(k, v)| (k.get_ref().to_string(), de_to_value(v.get_ref())))
                .collect(),
        ),
    }
}

/// Sets a key from an environment variable or flag, typed after the default's type; text that
/// does not fit stays a string so the type check reports it with the key.
fn set_from_text(
    layered: &mut Layered,
    defaults: &toml::Table,
    key: &str,
    text: &str,
    origin: Origin,
) {
    let text = text.trim();
    let value = match get(defaults, key) {
        Some(toml::Value::Integer(_)) => text
            .parse()
            .map(toml::Value::Integer)
            .unwrap_or_else(|_| toml::Value::String(text.to_owned())),
        Some(toml::Value::Float(_)) => text
            .parse()
            .map(toml::Value::Float)
            .unwrap_or_else(|_| toml::Value::String(text.to_owned())),
        Some(toml::Value::Boolean(_)) => match text.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => toml::Value::Boolean(true),
            "0" | "false" | "no" | "off" | "" => toml::Value::Boolean(false),
            _ => toml::Value::String(text.to_owned()),
        },
        // The original tool wrote levels in capitals (LOG_LEVEL=INFO).
        Some(toml::Value::String(_)) if key.starts_with("log.") => {
            toml::Value::String(text.to_ascii_lowercase())
        }
        _ => toml::Value::String(text.to_owned()),
    };
    set(&mut layered.tree, key, value);
    layered.origins.insert(key.to_owned(), origin);
}

fn show_value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// serde's message without toml's "TOML parse error" framing, which points into a document the
/// user never wrote.
fn serde_message(e: &toml::de::Error) -> String {
    let msg = e.message().trim();
    let msg = msg
        .strip_prefix("invalid type: ")
        .or_else(|| msg.strip_prefix("invalid value: "))
        .unwrap_or(msg);
    match msg.split_once(", expected ") {
        Some((got, expected)) => {
            let expected = match expected {
                "u32" => "a whole number from 0 to 4294967295",
                "u64" => "a whole number ≥ 0",
                "f64" => "a number",
                other => other,
            };
            format!("expected {expected} (got {got})")
        }
        None => msg.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(dir: &Path) -> Inputs {
        Inputs {
            cwd: dir.to_path_buf(),
            ..Inputs::default()
        }
    }

    #[test]
    fn example_file_has_every_key_and_equals_the_defaults() {
        let text = include_str!("../../../customer-snapshot.example.toml");
        let parsed: Settings = toml::from_str(text).expect("example parses");
        assert_eq!(parsed, Settings::default());
        let mut example_keys = Vec::new();
        leaf_keys(&toml::from_str(text).expect("table"), "", &mut |k, _| {
            example_keys.push(k.to_owned())
        });
        let mut default_keys = Vec::new();
        leaf_keys(&default_tree(), "", &mut |k, _| {
            default_keys.push(k.to_owned())
        });
        example_keys.sort();
        default_keys.sort();
        assert_eq!(
            example_keys, default_keys,
            "the example must list every key"
        );
    }

    #[test]
    fn layers_apply_in_order_file_env_flag() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join(FILE_NAME),
            "[process]\nmin_entity_length = 4\nmin_entity_frequency = 2\nmax_file_size = \"10MB\"\n[log]\nlevel = \"info\"\n",
        )
        .expect("write");
        let mut i = inputs(dir.path());
        i.env.insert("MIN_ENTITY_FREQUENCY".into(), "5".into());
        i.env.insert("LOG_LEVEL".into(), "DEBUG".into());
        i.flags
            .push(("log.level".into(), "trace".into(), "--log-level".into()));
        let s = Settings::load(&i).expect("loads");
        assert_eq!(s.process.min_entity_length, 4);
        assert_eq!(s.process.min_entity_frequency, 5);
        assert_eq!(s.process.max_file_size, ByteSize(10 * MIB));
        assert_eq!(s.log.level, LogLevel::Trace);
        let o = &s.provenance.origins;
        assert_eq!(
            o["process.min_entity_length"],
            Origin::File {
                path: dir.path().join(FILE_NAME),
                line: 2
            }
        );
        assert_eq!(
            o["process.min_entity_frequency"],
            Origin::Env {
                var: "MIN_ENTITY_FREQUENCY".into(),
                dotenv: false
            }
        );
        assert_eq!(o["log.level"], Origin::Flag("--log-level".into()));
        assert_eq!(o["process.chunk_size"], Origin::Default);
    }

    #[test]
    fn dotenv_fills_in_but_never_overrides_the_real_environment() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join(".env"),
            "MAX_TOKENS=100\nTEMPERATURE=0.7\nANTHROPIC_API_KEY=sk-ant-0123456789abcdef\n",
        )
        .expect("write");
        let mut i = inputs(dir.path());
        i.env.insert("MAX_TOKENS".into(), "200".into());
        let s = Settings::load(&i).expect("loads");
        assert_eq!(s.ai.max_tokens, 200);
        assert_eq!(s.ai.temperature, 0.7);
        assert_eq!(
            s.provenance.origins["ai.temperature"],
            Origin::Env {
                var: "TEMPERATURE".into(),
                dotenv: true
            }
        );
        assert_eq!(
            s.ai.api_key.as_ref().map(Secret::expose),
            Some("sk-ant-0123456789abcdef")
        );
        assert!(
            !format!("{s:?}").contains("0123456789"),
            "Debug leaks the key"
        );
    }

    #[test]
    fn toml_syntax_errors_name_file_and_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join(FILE_NAME),
            "[log]\nlevel = \"info\"\n[process\n",
        )
        .expect("write");
        let err = Settings::load(&inputs(dir.path()))
            .expect_err("syntax")
            .to_string();
        assert!(
            err.contains("customer-snapshot.toml:3: not valid TOML"),
            "{err}"
        );
    }

    #[test]
    fn empty_environment_variables_count_as_unset() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut i = inputs(dir.path());
        i.env.insert("MAX_FILE_SIZE".into(), "".into());
        i.env.insert(API_KEY_ENV.into(), " ".into());
        let s = Settings::load(&i).expect("loads");
        assert_eq!(s.process.max_file_size, ByteSize(50 * MIB));
        assert_eq!(
            s.provenance.origins["process.max_file_size"],
            Origin::Default
        );
        assert!(s.ai.api_key.is_none());
    }

    #[test]
    fn the_ai_client_sees_the_layered_values() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join(FILE_NAME),
            "[ai]\nmodel = \"claude-from-file\"\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join(".env"),
            "ANTHROPIC_API_KEY=sk-ant-from-dotenv-0000-abcd\n",
        )
        .expect("write");
        let mut i = inputs(dir.path());
        i.env.insert("MAX_TOKENS".into(), "77".into());
        let s = Settings::load(&i).expect("loads");
        // `cmd::ai::prepare` builds the client from exactly these values.
        assert_eq!(s.ai.model, "claude-from-file");
        assert_eq!(s.ai.max_tokens, 77);
        let key = s.ai.api_key.as_ref().expect("key from .env");
        assert_eq!(key.expose(), "sk-ant-from-dotenv-0000-abcd");
    }

    #[test]
    fn unknown_key_names_key_file_and_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join(FILE_NAME),
            "[monitor]\ninterval = \"5s\"\n\n[monitor.thresholds]\ncpu = 3\n",
        )
        .expect("write");
        let err = Settings::load(&inputs(dir.path()))
            .expect_err("unknown key")
            .to_string();
        assert!(err.contains("customer-snapshot.toml:5"), "{err}");
        assert!(
            err.contains("unknown key 'monitor.thresholds.cpu'"),
            "{err}"
        );
        assert!(err.contains("cpu_percent"), "lists known keys: {err}");
    }

    #[test]
    fn bad_values_name_key_value_and_what_is_allowed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut i = inputs(dir.path());
        i.env.insert("MAX_FILE_SIZE".into(), "lots".into());
        let err = Settings::load(&i).expect_err("bad size").to_string();
        assert!(
            err.contains("MAX_FILE_SIZE")
                && err.contains("process.max_file_size")
                && err.contains("\"lots\""),
            "{err}"
        );
        assert!(err.contains("50MB"), "says what is allowed: {err}");

        std::fs::write(dir.path().join(FILE_NAME), "[process]\nformat = \"xml\"\n").expect("write");
        let err = Settings::load(&inputs(dir.path()))
            .expect_err("bad format")
            .to_string();
        assert!(
            err.contains("process.format") && err.contains("xml") && err.contains("markdown"),
            "{err}"
        );

        std::fs::write(
            dir.path().join(FILE_NAME),
            "[monitor.thresholds.cpu_percent]\ncritical = 50\n",
        )
        .expect("write");
        let err = Settings::load(&inputs(dir.path()))
            .expect_err("critical below alert")
            .to_string();
        assert!(
            err.contains("monitor.thresholds.cpu_percent")
                && err.contains("50")
                && err.contains(":2"),
            "{err}"
        );
    }

    #[test]
    fn api_key_in_the_file_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join(FILE_NAME),
            "[ai]\napi_key = \"sk-ant-secret-secret\"\n",
        )
        .expect("write");
        let err = Settings::load(&inputs(dir.path()))
            .expect_err("refused")
            .to_string();
        assert!(
            err.contains("ANTHROPIC_API_KEY") && !err.contains("secret-secret"),
            "{err}"
        );
    }

    #[test]
    fn explicit_config_must_exist_implicit_need_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(
            Settings::load(&inputs(dir.path()))
                .expect("no file is fine")
                .provenance
                .file
                .is_none()
        );
        let mut i = inputs(dir.path());
        i.env.insert(CONFIG_ENV.into(), "missing.toml".into());
        let err = Settings::load(&i).expect_err("missing").to_string();
        assert!(err.contains("missing.toml"), "{err}");
    }

    #[test]
    fn byte_sizes_parse_with_binary_units() {
        assert_eq!(ByteSize::parse("52428800"), Ok(ByteSize(52_428_800)));
        assert_eq!(ByteSize::parse("50MB"), Ok(ByteSize(52_428_800)));
        assert_eq!(ByteSize::parse("50 MiB"), Ok(ByteSize(52_428_800)));
        assert_eq!(ByteSize::parse("1.5g"), Ok(ByteSize(3 * GIB / 2)));
        assert!(ByteSize::parse("5 parsecs").is_err());
        assert!(ByteSize::parse("-1").is_err());
    }

    #[test]
    fn secrets_are_masked() {
        assert_eq!(
            Secret::new("sk-ant-api03-xyzxyzxyzabcd".into()).masked(),
            "set (sk-…abcd)"
        );
        assert_eq!(Secret::new("short".into()).masked(), "set (…)");
    }
}
