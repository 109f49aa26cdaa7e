//! Reads a log from CSV in one streaming pass, validating every row, and groups its
//! rows by user in age order.

use super::schema::{self, ColumnMap};
use crate::columns::{Columns, Predictions};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Why a log could not be read. Every variant names the file; row errors name the
/// line (1 is the header) and the column.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The file could not be opened or read.
    #[error("{}: {io}", path.display())]
    Io {
        /// The log file.
        path: PathBuf,
        /// The I/O error.
        io: std::io::Error,
    },
    /// The CSV itself is malformed (a row with another number of fields, bad
    /// UTF-8 in the header).
    #[error("{}: {message}", path.display())]
    Csv {
        /// The log file.
        path: PathBuf,
        /// The CSV reader's message, with its line.
        message: String,
    },
    /// A column the log needs is not in the header.
    #[error("{}: missing column '{column}' ({why})", path.display())]
    MissingColumn {
        /// The log file.
        path: PathBuf,
        /// The file's name of the column (after mapping).
        column: String,
        /// Why it is needed.
        why: String,
    },
    /// A field's value is not what its column holds.
    #[error("{}: line {line}, column '{column}': {message}", path.display())]
    Value {
        /// The log file.
        path: PathBuf,
        /// The line, 1 being the header.
        line: u64,
        /// The file's name of the column.
        column: String,
        /// What was found and what was expected.
        message: String,
    },
    /// A user's rows do not form one episode: a duplicate or missing age, or a row
    /// after the row that ended the episode.
    #[error("{}: line {line}: {message}", path.display())]
    Episode {
        /// The log file.
        path: PathBuf,
        /// The offending row's line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The log has a header and no row.
    #[error("{}: the log has no rows: there is nothing to estimate from", path.display())]
    Empty {
        /// The log file.
        path: PathBuf,
    },
    /// The file holds nothing at all, not even a header.
    #[error(
        "{}: the file is empty: a log needs a header line naming its columns and one line \
         per decision (docs/log-schema.md)",
        path.display()
    )]
    EmptyFile {
        /// The log file.
        path: PathBuf,
    },
    /// A line is longer than [`MAX_LINE_BYTES`]; the reader stops there rather than
    /// hold it in memory.
    #[error(
        "{}: line {line} is longer than {} MiB, the most a log's line may hold: \
         it is not a log of decisions (a missing line break, or another kind of file?)",
        path.display(),
        MAX_LINE_BYTES >> 20
    )]
    LineTooLong {
        /// The log file.
        path: PathBuf,
        /// The line, 1 being the header.
        line: u64,
    },
}

/// The most bytes one line of a log may hold (16 MiB: a row of ten thousand
/// features takes a quarter of a megabyte). A longer line is refused as it is read,
/// so that a file without line breaks costs this much memory, not its size.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// The largest magnitude a reward or a reward model's prediction may have. Beyond
/// it the sums of squares that the models and the intervals take could overflow
/// the range of floating-point numbers (about 1.8e308): `1e100² × 1e100` rows is
/// still below it.
pub const MAX_MAGNITUDE: f64 = 1e100;

/// Quoted text longer than this many characters is cut in messages.
const LONGEST_SHOWN: usize = 60;

/// `text` as a message quotes it: cut to its first 40 characters and its length
/// when longer than 60, so that a garbage field of a gigabyte gives a line, not a
/// gigabyte.
pub(crate) fn shown(text: &str) -> String {
    let length = text.chars().count();
    if length <= LONGEST_SHOWN {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(40).collect();
    cut.push_str(&format!("… ({length} characters)"));
    cut
}

/// What the reader expects of a log.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions<'a> {
    /// The file's names for the schema's columns.
    pub columns: ColumnMap,
    /// The actions a logged action must be one of (a scenario's joint actions);
    /// `None` accepts any name, numbered in the order of their names.
    pub actions: Option<&'a [String]>,
    /// The features to read, by name without the `obs:` prefix, in this order (a
    /// scenario's observation layout); `None` reads every `obs:` column, in file
    /// order.
    pub features: Option<&'a [String]>,
}

/// A log in memory, column by column, rows grouped by unit and in age order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Log {
    /// The file it was read from.
    pub path: PathBuf,
    /// `starts[u]`: the first row of unit `u` (see [`Columns::starts`]).
    pub starts: Vec<usize>,
    /// The user id of each unit; empty for a log of independent decisions.
    pub users: Vec<u64>,
    /// Each row's age; empty for a log of independent decisions.
    pub ages: Vec<u32>,
    /// Each row's line in the file.
    pub lines: Vec<u64>,
    /// The action names: `actions[i]` indexes them.
    pub action_names: Vec<String>,
    /// Each row's logged action.
    pub actions: Vec<u32>,
    /// Each row's propensity.
    pub propensity: Vec<f64>,
    /// Each row's reward.
    pub reward: Vec<f64>,
    /// The feature names, without the `obs:` prefix.
    pub feature_names: Vec<String>,
    /// `rows × feature_names.len()` features, row-major.
    pub features: Vec<f32>,
    /// The target's probability of each logged action, where the log carries it.
    pub pi_e: Option<Vec<f64>>,
    /// A reward model's predictions, where the log carries them.
    pub reward_model: Option<Predictions>,
    /// The file's columns that nothing reads, as the file names them: neither a
    /// schema column nor one the schema writes for people (`signup_day`, `prob:…`),
    /// nor a feature the evaluation reads.
    pub ignored_columns: Vec<String>,
}

impl Log {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.reward.len()
    }

    /// Number of units (users, or rows for independent decisions).
    pub fn units(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// Whether the log has no user column: each row its own unit.
    pub fn independent(&self) -> bool {
        self.users.is_empty()
    }

    /// The features of row `i`.
    pub fn feature_row(&self, i: usize) -> &[f32] {
        let d = self.feature_names.len();
        &self.features[i * d..(i + 1) * d]
    }

    /// The estimators' columns for the target's probabilities `target` of the
    /// logged actions, with the log's reward model if it carries one.
    pub fn columns(&self, target: Vec<f64>) -> Columns {
        Columns {
            starts: self.starts.clone(),
            propensity: self.propensity.clone(),
            target,
            reward: self.reward.clone(),
            reward_model: self.reward_model.clone(),
            value_model: None,
        }
    }
}

/// Where each schema column sits in the file's header.
struct Header {
    user: Option<usize>,
    age: Option<usize>,
    action: usize,
    propensity: usize,
    reward: usize,
    end: Option<usize>,
    pi_e: Option<usize>,
    q_hat: Option<(usize, usize)>,
    features: Vec<usize>,
    feature_names: Vec<String>,
    names: Vec<String>,
    ignored: Vec<String>,
}

impl Header {
    fn new(path: &Path, names: Vec<String>, options: &ReadOptions<'_>) -> Result<Self, LogError> {
        if let Some(name) =
            (1..names.len()).find_map(|i| names[..i].contains(&names[i]).then_some(&names[i]))
        {
            return Err(LogError::Csv {
                path: path.into(),
                message: format!(
                    "line 1: column '{}' appears twice in the header",
                    shown(name)
                ),
            });
        }
        let map = &options.columns;
        let find = |schema: &str| {
            let file = map.file_name(schema);
            names.iter().position(|n| n == file)
        };
        let missing = |schema: &str, why: &str| LogError::MissingColumn {
            path: path.into(),
            column: shown(map.file_name(schema)),
            why: why.to_string(),
        };
        let need = |schema: &str, why: &str| find(schema).ok_or_else(|| missing(schema, why));
        let user = find(schema::USER);
        let age = match user {
            Some(_) => Some(need(
                schema::AGE,
                "a log with users needs each row's age, to order a user's decisions",
            )?),
            None => None,
        };
        let q_hat = match (find(schema::Q_HAT), find(schema::Q_HAT_TARGET)) {
            (Some(q), Some(t)) => Some((q, t)),
            (None, None) => None,
            (Some(_), None) => {
                return Err(missing(
                    schema::Q_HAT_TARGET,
                    "a reward model's predictions need both the logged action's and the target's",
                ));
            }
            (None, Some(_)) => {
                return Err(missing(
                    schema::Q_HAT,
                    "a reward model's predictions need both the logged action's and the target's",
                ));
            }
        };
        let (features, feature_names) = match options.features {
            Some(expected) => {
                let mut columns = Vec::with_capacity(expected.len());
                for name in expected {
                    let schema_name = format!("{}{name}", schema::FEATURE_PREFIX);
                    columns.push(need(&schema_name, "the target policy reads this feature")?);
                }
                (columns, expected.to_vec())
            }
            None => names
                .iter()
                .enumerate()
                .filter_map(|(i, n)| {
                    let schema_name = map.schema_name(n);
                    schema_name
                        .strip_prefix(schema::FEATURE_PREFIX)
                        .map(|f| (i, f.to_string()))
                })
                .unzip(),
        };
        let action = need(schema::ACTION, "the logged action")?;
        let propensity = need(
            schema::PROPENSITY,
            "the behaviour's probability of the logged action",
        )?;
        let reward = need(schema::REWARD, "the reward of each decision")?;
        let (end, pi_e) = (find(schema::END), find(schema::PI_E));
        let read: Vec<usize> = [
            user,
            age,
            Some(action),
            Some(propensity),
            Some(reward),
            end,
            pi_e,
        ]
        .into_iter()
        .flatten()
        .chain(q_hat.into_iter().flat_map(|(q, t)| [q, t]))
        .chain(features.iter().copied())
        .collect();
        let ignored = names
            .iter()
            .enumerate()
            .filter(|(i, name)| {
                let schema_name = map.schema_name(name);
                !read.contains(i)
                    && schema_name != schema::SIGNUP_DAY
                    && !schema_name.starts_with(schema::PROBABILITY_PREFIX)
            })
            .map(|(_, name)| shown(name))
            .collect();
        Ok(Self {
            user,
            age,
            action,
            propensity,
            reward,
            end,
            pi_e,
            q_hat,
            features,
            feature_names,
            names,
            ignored,
        })
    }
}

/// Parses the fields of one row, naming its line and column on failure.
struct Fields<'r> {
    path: &'r Path,
    names: &'r [String],
    record: &'r csv::ByteRecord,
    line: u64,
}

impl Fields<'_> {
    fn error(&self, column: usize, message: String) -> LogError {
        LogError::Value {
            path: self.path.into(),
            line: self.line,
            column: shown(&self.names[column]),
            message,
        }
    }

    fn text(&self, column: usize) -> Result<&str, LogError> {
        let bytes = self.record.get(column).unwrap_or_default();
        std::str::from_utf8(bytes)
            .map(str::trim)
            .map_err(|_| self.error(column, "not valid UTF-8".into()))
    }

    fn number(&self, column: usize) -> Result<f64, LogError> {
        let bytes = self.record.get(column).unwrap_or_default();
        if let Some(x) = plain_decimal(bytes) {
            return Ok(x);
        }
        let text = self.text(column)?;
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            Ok(x) => Err(self.error(column, format!("{x} is not a finite number"))),
            Err(_) if text.is_empty() => Err(self.error(column, "empty, expected a number".into())),
            Err(_) => Err(self.error(column, format!("'{}' is not a number", shown(text)))),
        }
    }

    fn probability(&self, column: usize, zero_allowed: bool) -> Result<f64, LogError> {
        let p = self.number(column)?;
        if !zero_allowed && p > 0.0 && p < f64::MIN_POSITIVE {
            return Err(self.error(
                column,
                format!(
                    "{p:e} is below {:e}, the smallest propensity whose importance weight \
                     (1 / propensity) is a finite number",
                    f64::MIN_POSITIVE
                ),
            ));
        }
        let ok = if zero_allowed {
            (0.0..=1.0).contains(&p)
        } else {
            p > 0.0 && p <= 1.0
        };
        if ok {
            Ok(p)
        } else {
            let range = if zero_allowed {
                "[0, 1]"
            } else {
                "(0, 1] (the behaviour must give the logged action a chance)"
            };
            Err(self.error(column, format!("{p} is outside {range}")))
        }
    }

    /// A number of magnitude at most [`MAX_MAGNITUDE`] (a reward, a model's
    /// prediction).
    fn bounded(&self, column: usize) -> Result<f64, LogError> {
        let x = self.number(column)?;
        if x.abs() > MAX_MAGNITUDE {
            return Err(self.error(
                column,
                format!(
                    "{x:e} is beyond ±{MAX_MAGNITUDE:e}, the largest magnitude onboard \
                     takes (sums of squares of larger values overflow); rescale the column"
                ),
            ));
        }
        Ok(x)
    }

    /// A feature: a number that fits the features' 32-bit floats.
    fn feature(&self, column: usize) -> Result<f32, LogError> {
        let x = self.number(column)?;
        if x.abs() > f64::from(f32::MAX) {
            return Err(self.error(
                column,
                format!(
                    "{x:e} is beyond ±{:e}, the largest feature value (features are 32-bit \
                     floats); rescale the column",
                    f32::MAX
                ),
            ));
        }
        Ok(x as f32)
    }

    fn integer(&self, column: usize) -> Result<u64, LogError> {
        let text = self.text(column)?;
        text.parse::<u64>().map_err(|_| {
            self.error(
                column,
                format!("'{}' is not a whole number ≥ 0", shown(text)),
            )
        })
    }

    fn flag(&self, column: usize) -> Result<bool, LogError> {
        match self.text(column)? {
            "1" | "true" => Ok(true),
            "0" | "false" => Ok(false),
            other => Err(self.error(column, format!("'{}' is not 0 or 1", shown(other)))),
        }
    }
}

/// The value of a plain decimal field (`-`, digits, `.`, digits) of at most 15
/// significant digits, most of a log's fields, without the general float parser;
/// `None` for anything else. Exact: the digits form an integer `m < 2⁵³` and the
/// scale a power of ten `10ᵏ` (`k ≤ 15`), both exact in f64, so the one division
/// `m / 10ᵏ` is correctly rounded, as `str::parse` is.
fn plain_decimal(bytes: &[u8]) -> Option<f64> {
    const POWERS: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    let (mut mantissa, mut count, mut scale, mut point) = (0u64, 0usize, 0usize, false);
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                count += 1;
                scale += usize::from(point);
            }
            b'.' if !point => point = true,
            _ => return None,
        }
        if count > 15 {
            return None;
        }
    }
    if count == 0 {
        return None;
    }
    let value = mantissa as f64 / POWERS[scale];
    Some(if negative { -value } else { value })
}

/// Rows in file order, before grouping by unit.
#[derive(Default)]
struct Rows {
    unit: Vec<u32>,
    ages: Vec<u32>,
    ends: Vec<bool>,
    lines: Vec<u64>,
    actions: Vec<u32>,
    propensity: Vec<f64>,
    reward: Vec<f64>,
    features: Vec<f32>,
    pi_e: Vec<f64>,
    q_hat: Vec<f64>,
    q_hat_target: Vec<f64>,
}

/// Reads the log at `path` as `options` say, validating every row: missing
/// columns, non-numeric, NaN or infinite values, propensities outside (0, 1],
/// target probabilities outside [0, 1], unknown actions, and, where there is a user
/// column, duplicate or missing ages of a user and rows after the end of a user's
/// episode. A user's rows may be anywhere in the file; they are grouped by user (in
/// order of user id) and sorted by age; a log of independent decisions is ordered
/// by its rows' contents: nothing read depends on the order of the file's rows.
pub fn read_log(path: &Path, options: &ReadOptions<'_>) -> Result<Log, LogError> {
    let file = std::fs::File::open(path).map_err(|io| LogError::Io {
        path: path.into(),
        io,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .buffer_capacity(1 << 20)
        .from_reader(BoundedLines::new(file));
    let csv_error = |e: csv::Error| {
        if let csv::ErrorKind::Io(io) = e.kind() {
            if let Some(long) = io.get_ref().and_then(|e| e.downcast_ref::<LongLine>()) {
                return LogError::LineTooLong {
                    path: path.into(),
                    line: long.0,
                };
            }
            return LogError::Io {
                path: path.into(),
                io: std::io::Error::other(e.to_string()),
            };
        }
        LogError::Csv {
            path: path.into(),
            message: e.to_string(),
        }
    };
    let names: Vec<String> = reader
        .byte_headers()
        .map_err(csv_error)?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    if names.iter().all(String::is_empty) && reader.is_done() {
        return Err(LogError::EmptyFile { path: path.into() });
    }
    let header = Header::new(path, names, options)?;
    let mut parser = Parser::new(path, header, options);
    std::thread::scope(|scope| {
        let (full, batches) = std::sync::mpsc::sync_channel(BATCHES_IN_FLIGHT);
        let (empty, returned) = std::sync::mpsc::channel::<Vec<csv::ByteRecord>>();
        scope.spawn(move || split_records(reader, &full, &returned));
        for batch in batches {
            let batch = batch.map_err(csv_error)?;
            for record in &batch {
                parser.record(record)?;
            }
            // The reader may have ended already; then nobody reuses the batch.
            let _ = empty.send(batch);
        }
        Ok::<(), LogError>(())
    })?;
    parser.finish()
}

/// The error [`BoundedLines`] stops with: the line that is too long.
#[derive(Debug)]
struct LongLine(u64);

impl std::fmt::Display for LongLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {} is longer than {MAX_LINE_BYTES} bytes", self.0)
    }
}

impl std::error::Error for LongLine {}

/// A reader that fails with [`LongLine`] as soon as a line (up to a line break
/// outside double quotes) grows past [`MAX_LINE_BYTES`], so that the CSV reader,
/// which holds a whole record, never holds more.
struct BoundedLines<R> {
    inner: R,
    /// The current line, 1 being the first.
    line: u64,
    /// Bytes of the current line so far.
    length: usize,
    /// Whether the bytes so far leave a quoted field open.
    quoted: bool,
}

impl<R> BoundedLines<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            line: 1,
            length: 0,
            quoted: false,
        }
    }
}

impl<R: std::io::Read> std::io::Read for BoundedLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let bytes = &buf[..n];
        if !self.quoted && !bytes.contains(&b'"') {
            // The common case, without a byte loop: no quote opens or closes.
            self.line += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
            self.length = match bytes.iter().rposition(|&b| b == b'\n') {
                Some(last) => n - last - 1,
                None => self.length + n,
            };
        } else {
            for &b in bytes {
                match b {
                    b'"' => self.quoted = !self.quoted,
                    b'\n' => {
                        self.line += 1;
                        if !self.quoted {
                            self.length = 0;
                            continue;
                        }
                    }
                    _ => {}
                }
                self.length += 1;
            }
        }
        if self.length > MAX_LINE_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                LongLine(self.line),
            ));
        }
        Ok(n)
    }
}

/// Records per batch handed from the reading thread to the parsing one.
const BATCH_RECORDS: usize = 4096;
/// Batches the reading thread may be ahead of the parsing one (bounds the memory).
const BATCHES_IN_FLIGHT: usize = 4;

/// Splits the file into records, in batches sent to `full`; reuses the batches that
/// come back on `returned`. Stops at the end, at the first error (sent on), or when
/// the parser has stopped listening.
fn split_records<R: std::io::Read>(
    mut reader: csv::Reader<R>,
    full: &std::sync::mpsc::SyncSender<Result<Vec<csv::ByteRecord>, csv::Error>>,
    returned: &std::sync::mpsc::Receiver<Vec<csv::ByteRecord>>,
) {
    loop {
        let mut batch = returned.try_recv().unwrap_or_default();
        batch.resize_with(BATCH_RECORDS, csv::ByteRecord::new);
        let mut filled = 0;
        while filled < BATCH_RECORDS {
            match reader.read_byte_record(&mut batch[filled]) {
                Ok(true) => filled += 1,
                Ok(false) => break,
                Err(e) => {
                    let _ = full.send(Err(e));
                    return;
                }
            }
        }
        batch.truncate(filled);
        if filled == 0 || full.send(Ok(batch)).is_err() || filled < BATCH_RECORDS {
            return;
        }
    }
}

/// The state of a read: the header, the actions and users seen, and the rows.
struct Parser<'a> {
    path: &'a Path,
    header: Header,
    open_actions: bool,
    action_names: Vec<String>,
    action_index: HashMap<String, u32>,
    unit_of_user: HashMap<u64, u32>,
    users: Vec<u64>,
    rows: Rows,
}

impl<'a> Parser<'a> {
    fn new(path: &'a Path, header: Header, options: &ReadOptions<'_>) -> Self {
        let action_names: Vec<String> = options.actions.map(<[String]>::to_vec).unwrap_or_default();
        let action_index = action_names
            .iter()
            .enumerate()
            .map(|(i, a)| (a.clone(), i as u32))
            .collect();
        Self {
            path,
            header,
            open_actions: options.actions.is_none(),
            action_names,
            action_index,
            unit_of_user: HashMap::new(),
            users: Vec::new(),
            rows: Rows::default(),
        }
    }

    /// Parses and checks one record, appending it to the rows.
    fn record(&mut self, record: &csv::ByteRecord) -> Result<(), LogError> {
        let (header, rows) = (&self.header, &mut self.rows);
        let line = record.position().map_or(0, |p| p.line());
        let fields = Fields {
            path: self.path,
            names: &header.names,
            record,
            line,
        };
        if let Some(column) = header.user {
            let user = fields.integer(column)?;
            let next = self.users.len() as u32;
            let unit = *self.unit_of_user.entry(user).or_insert(next);
            if unit == next {
                self.users.push(user);
            }
            rows.unit.push(unit);
        }
        if let Some(column) = header.age {
            let age = fields.integer(column)?;
            let age = u32::try_from(age)
                .map_err(|_| fields.error(column, format!("age {age} is too large")))?;
            rows.ages.push(age);
        }
        if let Some(column) = header.end {
            rows.ends.push(fields.flag(column)?);
        }
        let action = fields.text(header.action)?;
        let index = match self.action_index.get(action) {
            Some(&i) => i,
            None if self.open_actions => {
                let i = self.action_names.len() as u32;
                self.action_names.push(action.to_string());
                self.action_index.insert(action.to_string(), i);
                i
            }
            None => {
                let known = &self.action_names;
                let listed: Vec<&str> = known.iter().take(8).map(String::as_str).collect();
                return Err(fields.error(
                    header.action,
                    format!(
                        "unknown action '{}' (expected one of {} actions: {}{})",
                        shown(action),
                        known.len(),
                        listed.join(", "),
                        if known.len() > listed.len() {
                            ", …"
                        } else {
                            ""
                        }
                    ),
                ));
            }
        };
        rows.actions.push(index);
        rows.propensity
            .push(fields.probability(header.propensity, false)?);
        rows.reward.push(fields.bounded(header.reward)?);
        for &column in &header.features {
            rows.features.push(fields.feature(column)?);
        }
        if let Some(column) = header.pi_e {
            rows.pi_e.push(fields.probability(column, true)?);
        }
        if let Some((q, t)) = header.q_hat {
            rows.q_hat.push(fields.bounded(q)?);
            rows.q_hat_target.push(fields.bounded(t)?);
        }
        rows.lines.push(line);
        Ok(())
    }

    /// The log, grouped by user in age order; an error if it has no row. Actions
    /// named by the file alone are numbered in the order of their names, not of
    /// their first row, so that the file's row order matters nowhere.
    fn finish(mut self) -> Result<Log, LogError> {
        if self.rows.reward.is_empty() {
            return Err(LogError::Empty {
                path: self.path.into(),
            });
        }
        if self.open_actions {
            let mut by_name: Vec<u32> = (0..self.action_names.len() as u32).collect();
            by_name.sort_unstable_by(|&a, &b| {
                self.action_names[a as usize].cmp(&self.action_names[b as usize])
            });
            let mut rank = vec![0u32; by_name.len()];
            for (r, &a) in by_name.iter().enumerate() {
                rank[a as usize] = r as u32;
            }
            self.rows
                .actions
                .iter_mut()
                .for_each(|a| *a = rank[*a as usize]);
            self.action_names = by_name
                .iter()
                .map(|&a| std::mem::take(&mut self.action_names[a as usize]))
                .collect();
        }
        let mut log = group(
            self.path,
            self.header.user.is_some(),
            self.header.feature_names,
            self.rows,
            self.users,
            self.action_names,
        )?;
        log.ignored_columns = self.header.ignored;
        Ok(log)
    }
}

/// Groups `rows` by unit in age order and checks each user's episode.
fn group(
    path: &Path,
    has_users: bool,
    feature_names: Vec<String>,
    rows: Rows,
    users: Vec<u64>,
    action_names: Vec<String>,
) -> Result<Log, LogError> {
    let n = rows.reward.len();
    let d = feature_names.len();
    let (order, starts, users) = if has_users {
        let (unit, users) = units_by_id(&rows.unit, users);
        let (order, starts) = unit_order(&unit, &rows.ages, users.len());
        (order, starts, users)
    } else {
        (independent_order(&rows, d), (0..=n).collect(), users)
    };
    if has_users {
        check_episodes(path, &rows, &order, &starts, &users)?;
    }
    let permute = |column: &[f64]| order.iter().map(|&i| column[i]).collect::<Vec<_>>();
    let optional = |column: &[f64]| (!column.is_empty()).then(|| permute(column));
    let mut features = Vec::with_capacity(n * d);
    for &i in &order {
        features.extend_from_slice(&rows.features[i * d..(i + 1) * d]);
    }
    Ok(Log {
        path: path.into(),
        users,
        ages: order
            .iter()
            .filter_map(|&i| rows.ages.get(i).copied())
            .collect(),
        lines: order.iter().map(|&i| rows.lines[i]).collect(),
        action_names,
        actions: order.iter().map(|&i| rows.actions[i]).collect(),
        propensity: permute(&rows.propensity),
        reward: permute(&rows.reward),
        feature_names,
        features,
        pi_e: optional(&rows.pi_e),
        reward_model: optional(&rows.q_hat).map(|logged| Predictions {
            logged,
            target: permute(&rows.q_hat_target),
            folds: None,
        }),
        starts,
        ignored_columns: Vec::new(),
    })
}

/// Renumbers the units by increasing user id: each row's new unit, and the ids in
/// unit order. Unit `u` is then the `u`-th smallest id whatever the order of the
/// file's rows, and so is everything computed unit by unit: cross-fitting folds,
/// bootstrap draws, sums over units.
fn units_by_id(unit: &[u32], users: Vec<u64>) -> (Vec<u32>, Vec<u64>) {
    let mut by_id: Vec<u32> = (0..users.len() as u32).collect();
    by_id.sort_unstable_by_key(|&u| users[u as usize]);
    let mut rank = vec![0u32; users.len()];
    for (r, &u) in by_id.iter().enumerate() {
        rank[u as usize] = r as u32;
    }
    (
        unit.iter().map(|&u| rank[u as usize]).collect(),
        by_id.iter().map(|&u| users[u as usize]).collect(),
    )
}

/// The rows of a log of independent decisions (each its own unit) ordered by their
/// contents: action, propensity, reward, target probability, model predictions,
/// features. Rows that tie are equal in every column an estimator reads, so the
/// result does not depend on the order of the file's rows.
fn independent_order(rows: &Rows, d: usize) -> Vec<usize> {
    let optional = |column: &[f64], i: usize| column.get(i).copied().unwrap_or(0.0);
    let mut order: Vec<usize> = (0..rows.reward.len()).collect();
    order.sort_by(|&i, &j| {
        rows.actions[i]
            .cmp(&rows.actions[j])
            .then(rows.propensity[i].total_cmp(&rows.propensity[j]))
            .then(rows.reward[i].total_cmp(&rows.reward[j]))
            .then(optional(&rows.pi_e, i).total_cmp(&optional(&rows.pi_e, j)))
            .then(optional(&rows.q_hat, i).total_cmp(&optional(&rows.q_hat, j)))
            .then(optional(&rows.q_hat_target, i).total_cmp(&optional(&rows.q_hat_target, j)))
            .then_with(|| {
                let (a, b) = (
                    &rows.features[i * d..(i + 1) * d],
                    &rows.features[j * d..(j + 1) * d],
                );
                a.iter()
                    .zip(b)
                    .map(|(x, y)| x.total_cmp(y))
                    .find(|o| o.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
    });
    order
}

/// The rows in unit order (a unit's rows by age, ties in file order) and each
/// unit's first position in it.
fn unit_order(unit: &[u32], ages: &[u32], units: usize) -> (Vec<usize>, Vec<usize>) {
    let mut starts = vec![0usize; units + 1];
    for &u in unit {
        starts[u as usize + 1] += 1;
    }
    for u in 0..units {
        starts[u + 1] += starts[u];
    }
    let mut next = starts.clone();
    let mut order = vec![0usize; unit.len()];
    for (row, &u) in unit.iter().enumerate() {
        order[next[u as usize]] = row;
        next[u as usize] += 1;
    }
    for u in 0..units {
        let rows = &mut order[starts[u]..starts[u + 1]];
        if rows.windows(2).any(|w| ages[w[0]] > ages[w[1]]) {
            rows.sort_by_key(|&row| ages[row]);
        }
    }
    (order, starts)
}

/// Checks that each user's ages run one by one without repeats, and that no row
/// follows the row that ended the user's episode.
fn check_episodes(
    path: &Path,
    rows: &Rows,
    order: &[usize],
    starts: &[usize],
    users: &[u64],
) -> Result<(), LogError> {
    for (u, user) in users.iter().enumerate() {
        let unit = &order[starts[u]..starts[u + 1]];
        let first = unit[0];
        if rows.ages[first] != 0 {
            return Err(LogError::Episode {
                path: path.into(),
                line: rows.lines[first],
                message: format!(
                    "user {user}'s first decision is at age {}: a user's decisions start \
                     at age 0, the signup day, and cover every day from there",
                    rows.ages[first]
                ),
            });
        }
        for pair in unit.windows(2) {
            let (before, after) = (pair[0], pair[1]);
            let (a, b) = (rows.ages[before], rows.ages[after]);
            let (first, second) = (
                rows.lines[before].min(rows.lines[after]),
                rows.lines[before].max(rows.lines[after]),
            );
            let message = if a == b {
                Some(format!(
                    "user {user} has age {b} twice (first on line {first}): each (user, age) is one decision"
                ))
            } else if b != a + 1 {
                Some(format!(
                    "user {user} jumps from age {a} (line {}) to age {b}: ages {}..{} are missing, \
                     and a user's decisions must cover every day of the episode",
                    rows.lines[before],
                    a + 1,
                    b - 1
                ))
            } else if rows.ends.get(before) == Some(&true) {
                Some(format!(
                    "user {user}'s episode ended at age {a} (line {}), yet age {b} follows",
                    rows.lines[before]
                ))
            } else {
                None
            };
            if let Some(message) = message {
                return Err(LogError::Episode {
                    path: path.into(),
                    line: second,
                    message,
                });
            }
        }
    }
    Ok(())
}

/// Builds a [`Log`] in memory from rows as [`super::LogWriter`] takes them (a
/// simulation's decisions, day by day), grouped and checked as [`read_log`] does.
pub struct LogBuilder {
    label: PathBuf,
    feature_names: Vec<String>,
    action_names: Vec<String>,
    unit_of_user: HashMap<u64, u32>,
    users: Vec<u64>,
    rows: Rows,
}

impl LogBuilder {
    /// An empty log of rows with `feature_names` choosing among `action_names`;
    /// `label` stands for the file in messages and in [`Log::path`].
    pub fn new(label: &str, feature_names: &[String], action_names: &[String]) -> Self {
        Self {
            label: PathBuf::from(label),
            feature_names: feature_names.to_vec(),
            action_names: action_names.to_vec(),
            unit_of_user: HashMap::new(),
            users: Vec::new(),
            rows: Rows::default(),
        }
    }

    /// Adds one decision.
    pub fn push(&mut self, row: &super::LogRow<'_>) {
        let next = self.users.len() as u32;
        let unit = *self.unit_of_user.entry(row.user).or_insert(next);
        if unit == next {
            self.users.push(row.user);
        }
        let rows = &mut self.rows;
        rows.unit.push(unit);
        rows.ages.push(row.age);
        rows.ends.push(row.end);
        rows.lines.push(rows.lines.len() as u64 + 2);
        rows.actions.push(row.action as u32);
        rows.propensity.push(row.probabilities[row.action]);
        rows.reward.push(row.reward);
        rows.features.extend_from_slice(row.features);
    }

    /// The log, grouped by user in age order; an error if it is empty or a user's
    /// episode is broken.
    pub fn finish(self) -> Result<Log, LogError> {
        if self.rows.reward.is_empty() {
            return Err(LogError::Empty { path: self.label });
        }
        group(
            &self.label,
            true,
            self.feature_names,
            self.rows,
            self.users,
            self.action_names,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::plain_decimal;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn plain_decimals_parse_exactly_as_the_standard_parser() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        for _ in 0..200_000 {
            let x: f64 = rng.random::<f64>() * 10f64.powi(rng.random_range(-6..9));
            let text = match rng.random_range(0..4) {
                0 => format!("{}", x as f32),
                1 => format!("{x:.3}"),
                2 => format!("-{}", x.round()),
                _ => format!("{x}"),
            };
            let expected: f64 = text.parse().expect("a number");
            if let Some(fast) = plain_decimal(text.as_bytes()) {
                assert_eq!(fast.to_bits(), expected.to_bits(), "{text}");
            }
        }
        for text in [
            "",
            "-",
            ".",
            "1e5",
            "1.2.3",
            "nan",
            "inf",
            " 1",
            "0x1",
            "1234567890123456",
        ] {
            assert_eq!(plain_decimal(text.as_bytes()), None, "{text}");
        }
        assert_eq!(plain_decimal(b"5."), Some(5.0));
        assert_eq!(plain_decimal(b".5"), Some(0.5));
    }
}
