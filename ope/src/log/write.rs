//! Writes a log in onboard's CSV schema, row by row.

use super::schema;
use std::io::Write;

/// One logged decision, as [`LogWriter::write`] takes it.
#[derive(Debug, Clone, Copy)]
pub struct LogRow<'a> {
    /// The user's id.
    pub user: u64,
    /// The calendar day of the user's signup.
    pub signup_day: u32,
    /// The user's age at the decision.
    pub age: u32,
    /// The observation features, in the order of the writer's feature names.
    pub features: &'a [f32],
    /// The logged action.
    pub action: usize,
    /// The behaviour's probability of every action (its entry at `action` is the
    /// propensity).
    pub probabilities: &'a [f64],
    /// The reward.
    pub reward: f64,
    /// Whether the row ends the user's episode.
    pub end: bool,
}

/// Writes the header, then one CSV line per [`LogRow`].
pub struct LogWriter<W: Write> {
    out: csv::Writer<W>,
    actions: Vec<String>,
    every_probability: bool,
    buffer: String,
}

impl<W: Write> LogWriter<W> {
    /// A writer to `out` of logs whose rows have the features `features` and choose
    /// among `actions`; with `every_probability`, each row also carries the
    /// behaviour's probability of every action (`prob:<action>` columns).
    pub fn new(
        out: W,
        features: &[String],
        actions: &[String],
        every_probability: bool,
    ) -> csv::Result<Self> {
        let mut out = csv::WriterBuilder::new()
            .buffer_capacity(1 << 20)
            .from_writer(out);
        let mut header: Vec<String> = [schema::USER, schema::SIGNUP_DAY, schema::AGE]
            .map(String::from)
            .to_vec();
        header.extend(
            features
                .iter()
                .map(|f| format!("{}{f}", schema::FEATURE_PREFIX)),
        );
        header.extend([schema::ACTION, schema::PROPENSITY].map(String::from));
        if every_probability {
            header.extend(
                actions
                    .iter()
                    .map(|a| format!("{}{a}", schema::PROBABILITY_PREFIX)),
            );
        }
        header.extend([schema::REWARD, schema::END].map(String::from));
        out.write_record(&header)?;
        Ok(Self {
            out,
            actions: actions.to_vec(),
            every_probability,
            buffer: String::new(),
        })
    }

    /// Writes one row.
    pub fn write(&mut self, row: &LogRow<'_>) -> csv::Result<()> {
        self.field(row.user)?;
        self.field(row.signup_day)?;
        self.field(row.age)?;
        for x in row.features {
            self.field(x)?;
        }
        self.out.write_field(&self.actions[row.action])?;
        self.field(row.probabilities[row.action])?;
        if self.every_probability {
            for p in row.probabilities {
                self.field(p)?;
            }
        }
        self.field(row.reward)?;
        self.field(u8::from(row.end))?;
        self.out.write_record(None::<&[u8]>)
    }

    /// Writes one field through a reused buffer (no allocation per field).
    fn field(&mut self, value: impl std::fmt::Display) -> csv::Result<()> {
        use std::fmt::Write as _;
        self.buffer.clear();
        write!(self.buffer, "{value}").map_err(|e| csv::Error::from(std::io::Error::other(e)))?;
        self.out.write_field(&self.buffer)
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(self) -> std::io::Result<W> {
        self.out.into_inner().map_err(|e| e.into_error())
    }
}
