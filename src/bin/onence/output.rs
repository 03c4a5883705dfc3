//! Printing results as a table (for people), JSON lines (for programs) or CSV.

use std::io::Write;

use serde_json::Value;

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns chosen for people (default on a terminal).
    Table,
    /// One JSON object per line (default when piped).
    Json,
    /// Comma-separated values with a header row.
    Csv,
}

/// The columns shown for a kind of record: (header, JSON pointer).
pub type Columns = &'static [(&'static str, &'static str)];

pub const SIMS: Columns = &[
    ("ICCID", "/iccid"),
    ("LABEL", "/label"),
    ("STATUS", "/status"),
    ("IMEI", "/imei"),
    ("IP", "/ip_address"),
    ("QUOTA STATUS", "/quota_status/description"),
];
pub const LOW_DATA: Columns = &[
    ("ICCID", "/iccid"),
    ("LABEL", "/label"),
    ("LEFT %", "/left_percent"),
    ("LEFT MB", "/volume"),
    ("TOTAL MB", "/total_volume"),
];
pub const SMS: Columns = &[
    ("ID", "/id"),
    ("TYPE", "/sms_type/description"),
    ("STATUS", "/status/description"),
    ("SUBMITTED", "/submit_date"),
    ("PAYLOAD", "/payload"),
];
pub const EVENTS: Columns = &[
    ("TIME", "/timestamp"),
    ("EVENT", "/event_type"),
    ("SEVERITY", "/event_severity"),
    ("OPERATOR", "/operator"),
];
pub const ORDERS: Columns = &[
    ("NUMBER", "/order_number"),
    ("TYPE", "/order_type"),
    ("STATUS", "/order_status"),
    ("DATE", "/order_date"),
    ("AMOUNT", "/invoice_amount"),
];
pub const SERVICE_REQUESTS: Columns = &[
    ("CASE", "/caseId"),
    ("STATUS", "/status"),
    ("OPENED", "/createDate"),
    ("SUBJECT", "/subject"),
];
pub const PRODUCTS: Columns = &[
    ("ID", "/id"),
    ("PRODUCT", "/product"),
    ("MATERIAL", "/material"),
    ("MIN", "/minQuantity"),
    ("MAX", "/maxQuantity"),
];
pub const USAGE: Columns = &[
    ("DATE", "/date"),
    ("DATA MB", "/data/volume"),
    ("SMS", "/sms/volume"),
];
pub const QUOTA: Columns = &[
    ("LEFT", "/volume"),
    ("TOTAL", "/total_volume"),
    ("EXPIRES", "/expiry_date"),
];
pub const STATUS: Columns = &[
    ("STATUS", "/status"),
    ("OPERATOR", "/location/operator/name"),
    ("COUNTRY", "/location/country/name"),
    ("SERVICES", "/services"),
];
pub const DETAILS: Columns = &[
    ("ICCID", "/sim/iccid"),
    ("STATUS", "/sim/status"),
    ("CONNECTIVITY", "/connectivity/status/description"),
    ("SERVICES", "/connectivity/services"),
    ("DATA LEFT", "/data_quota/volume"),
    ("DATA THRESHOLD", "/data_quota/threshold_volume"),
    ("SMS LEFT", "/sms_quota/volume"),
];
pub const LIMITS: Columns = &[
    ("DATA", "/data/limit"),
    ("DATA ID", "/data/id"),
    ("SMS MT", "/smsMt/limit"),
    ("SMS MO", "/smsMo/limit"),
];
pub const RESULT: Columns = &[("RESULT", "/result"), ("DETAIL", "/detail")];
pub const OPERATIONS: Columns = &[
    ("NAME", "/name"),
    ("METHOD", "/method"),
    ("PATH", "/path"),
    ("SUMMARY", "/summary"),
];
pub const DEVICES: Columns = &[
    ("ID", "/id"),
    ("ICCID", "/iccid"),
    ("IMSI", "/imsi1"),
    ("IP", "/ip"),
    ("NAME", "/name"),
];
pub const DEVICE_STATS: Columns = &[
    ("DEVICES", "/totalDevices"),
    ("ACTIVATED", "/activatedDevices"),
];
pub const GEOFENCES: Columns = &[
    ("ID", "/id"),
    ("NAME", "/name"),
    ("TYPE", "/type"),
    ("DEVICE", "/deviceId"),
    ("UPDATED", "/updated"),
];
pub const ACTIONS: Columns = &[
    ("ID", "/id"),
    ("DEVICE", "/deviceId"),
    ("PROTOCOL", "/protocol"),
    ("STATUS", "/status"),
    ("CREATED", "/created"),
];
pub const ACTION_SENT: Columns = &[
    ("DEVICE", "/device"),
    ("REQUEST", "/request_id"),
    ("STATUS", "/status"),
    ("DETAIL", "/detail"),
];
pub const INTEGRATIONS: Columns = &[
    ("ID", "/id"),
    ("NAME", "/name"),
    ("TYPE", "/type"),
    ("STATE", "/state"),
    ("URL", "/url"),
];
pub const ADMIN_LOGS: Columns = &[
    ("ID", "/id"),
    ("CATEGORY", "/category"),
    ("TYPE", "/type"),
    ("ICCID", "/iccid"),
    ("DESCRIPTION", "/description"),
];
pub const TELEMETRY: Columns = &[("DEVICE", "/id"), ("STATE", "/state")];
pub const HISTORY: Columns = &[
    ("TIME", "/time"),
    ("DEVICE", "/deviceId"),
    ("PROTOCOL", "/protocol"),
    ("TOPIC", "/topic"),
    ("PAYLOAD", "/payload"),
];
pub const INSIGHTS: Columns = &[
    ("TIME", "/time"),
    ("PROTOCOL", "/protocol"),
    ("MESSAGES", "/amount"),
];
pub const POSITIONS: Columns = &[
    ("DEVICE", "/deviceId"),
    ("TIME", "/sampleTime"),
    ("SOURCE", "/source"),
    ("LONGITUDE", "/coordinate/0"),
    ("LATITUDE", "/coordinate/1"),
];
pub const CONNECTIVITY: Columns = &[
    ("LOCATED", "/subscriber_info/current_location_retrieved"),
    ("CELL", "/subscriber_info/cell_global_id/cid"),
    ("USSD", "/ussd_info/success"),
    ("AT", "/reply_timestamp"),
];

/// The text of a cell: strings bare, absent fields empty, lists joined.
fn cell(record: &Value, pointer: &str) -> String {
    match record.pointer(pointer) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string).unwrap_or(i.to_string()))
            .collect::<Vec<_>>()
            .join(" "),
        Some(other) => other.to_string(),
    }
}

/// A cell as a table shows it: control characters and Unicode's bidi and
/// format controls escaped (`\n`, `\u{1b}`, `\u{202e}`), so text from the
/// server can neither break a row, drive the terminal, nor reorder or hide
/// what is shown.
fn table_cell(text: &str) -> String {
    if !text.chars().any(needs_escape) {
        return text.to_string();
    }
    text.chars()
        .map(|c| match c {
            c if needs_escape(c) => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// Control characters, and the invisible characters that change how the
/// text around them is shown: bidi embeddings, overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069), directional marks (U+200E, U+200F,
/// U+061C), zero-width and joining format characters (U+200B–U+200D,
/// U+2060–U+2064, U+FEFF), and the interlinear annotation marks.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}')
}

/// The I/O error inside a CSV error, so a closed pipe is still seen as one.
fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// Prints records as they come, page after page: JSON lines and CSV rows at
/// once; a table fixes its column widths from the first page (a wider cell
/// later simply pushes its row out).
pub struct Printer {
    format: Format,
    columns: Vec<(String, String)>,
    fields: Option<Vec<String>>,
    widths: Option<Vec<usize>>,
    csv: Option<csv::Writer<std::io::Stdout>>,
}

impl Printer {
    /// A printer of `columns` in `format`; `fields` (from --fields) replaces
    /// the columns, and keeps only those fields of JSON records, in order.
    pub fn new(format: Format, columns: Columns, fields: Option<&[String]>) -> Printer {
        let columns = match fields {
            Some(fields) => fields
                .iter()
                .map(|f| (f.to_uppercase(), format!("/{f}")))
                .collect(),
            None => columns
                .iter()
                .map(|(h, p)| (h.to_string(), p.to_string()))
                .collect(),
        };
        Printer {
            format,
            columns,
            fields: fields.map(<[String]>::to_vec),
            widths: None,
            csv: None,
        }
    }

    /// The same printer with the account first: a column of tables and
    /// CSV, and (with --fields) a kept field of JSON.
    pub fn with_account(mut self) -> Printer {
        if !self.columns.iter().any(|(_, p)| p == "/account") {
            self.columns
                .insert(0, ("ACCOUNT".into(), "/account".into()));
        }
        if let Some(fields) = &mut self.fields {
            if !fields.iter().any(|f| f == "account") {
                fields.insert(0, "account".into());
            }
        }
        self
    }

    /// Prints one batch of records, flushed.
    pub fn rows(&mut self, records: &[Value]) -> std::io::Result<()> {
        match self.format {
            Format::Json => {
                let mut out = std::io::stdout().lock();
                for record in records {
                    match &self.fields {
                        Some(fields) => {
                            let mut kept = serde_json::Map::new();
                            for field in fields {
                                kept.insert(
                                    field.clone(),
                                    record.get(field).cloned().unwrap_or(Value::Null),
                                );
                            }
                            writeln!(out, "{}", Value::Object(kept))?;
                        }
                        None => writeln!(out, "{record}")?,
                    }
                }
                out.flush()
            }
            Format::Csv => {
                let columns = &self.columns;
                let writer = match &mut self.csv {
                    Some(writer) => writer,
                    None => {
                        let mut writer = csv::Writer::from_writer(std::io::stdout());
                        let header = columns
                            .iter()
                            .map(|(h, _)| h.to_lowercase().replace(' ', "_"));
                        writer.write_record(header).map_err(csv_io)?;
                        self.csv.insert(writer)
                    }
                };
                for record in records {
                    let row = columns.iter().map(|(_, p)| cell(record, p));
                    writer.write_record(row).map_err(csv_io)?;
                }
                writer.flush()
            }
            Format::Table => {
                let rows: Vec<Vec<String>> = records
                    .iter()
                    .map(|r| {
                        self.columns
                            .iter()
                            .map(|(_, p)| table_cell(&cell(r, p)))
                            .collect()
                    })
                    .collect();
                let mut out = std::io::stdout().lock();
                if self.widths.is_none() {
                    let widths: Vec<usize> = self
                        .columns
                        .iter()
                        .enumerate()
                        .map(|(i, (h, _))| {
                            rows.iter()
                                .map(|r| display_width(&r[i]))
                                .chain([h.len()])
                                .max()
                                .unwrap_or(0)
                        })
                        .collect();
                    let header = self.columns.iter().map(|(h, _)| h.clone()).collect();
                    writeln!(out, "{}", table_line(header, &widths))?;
                    self.widths = Some(widths);
                }
                let widths = self.widths.as_deref().unwrap_or_default();
                for row in rows {
                    writeln!(out, "{}", table_line(row, widths))?;
                }
                out.flush()
            }
        }
    }

    /// Ends the output: a table or CSV with no rows still gets its header.
    pub fn finish(mut self) -> std::io::Result<()> {
        let started = self.widths.is_some() || self.csv.is_some();
        if !started && self.format != Format::Json {
            self.rows(&[])?;
        }
        Ok(())
    }
}

/// Columns a text takes on a terminal: East Asian wide characters take two.
fn display_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

fn table_line(cells: Vec<String>, widths: &[usize]) -> String {
    cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let pad = widths
                .get(i)
                .copied()
                .unwrap_or(0)
                .saturating_sub(display_width(c));
            format!("{c}{}", " ".repeat(pad))
        })
        .collect::<Vec<_>>()
        .join("  ")
        .trim_end()
        .to_string()
}

/// Prints records in the chosen format.
pub fn print(
    format: Format,
    columns: Columns,
    fields: Option<&[String]>,
    records: &[Value],
) -> std::io::Result<()> {
    let mut printer = Printer::new(format, columns, fields);
    printer.rows(records)?;
    printer.finish()
}
