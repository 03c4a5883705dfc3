//! The JSON Lines sink: a file, appended and fsynced before the receiver
//! answers 200, and the memory of which records it holds (by kind and
//! id), so that a record 1NCE resends is written once, across restarts
//! too. Several batches are written with one write and one fsync, all of
//! them or none.

use std::collections::{HashSet, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::batch::Line;
use super::records::RecordKey;
use super::sink::{Appended, Sink, Stored};

/// How many records a sink remembers by default: 1NCE resends after a
/// failed delivery, and replays at most 7 days; a million keys is days of
/// a large fleet's records in tens of MB.
pub const DEFAULT_REMEMBERED_IDS: usize = 1_000_000;

/// The keys seen last, at most `capacity` of them (the oldest forgotten:
/// a forgotten resend is written twice, never a new record dropped).
#[derive(Debug)]
struct SeenKeys {
    set: HashSet<RecordKey>,
    order: VecDeque<RecordKey>,
    capacity: usize,
}

impl SeenKeys {
    fn new(capacity: usize) -> SeenKeys {
        SeenKeys {
            set: HashSet::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    fn contains(&self, key: &RecordKey) -> bool {
        self.set.contains(key)
    }

    fn remember(&mut self, key: RecordKey) {
        if self.set.insert(key.clone()) {
            self.order.push_back(key);
            if self.order.len() > self.capacity {
                if let Some(oldest) = self.order.pop_front() {
                    self.set.remove(&oldest);
                }
            }
        }
    }
}

/// Where the lines go.
#[derive(Debug)]
enum Target {
    File {
        file: File,
        path: PathBuf,
        /// The length of what is durable: anything past it is cut.
        committed: u64,
    },
    Stdout,
}

/// A JSON Lines sink that writes each record once.
#[derive(Debug)]
pub struct JsonLines {
    target: Target,
    seen: SeenKeys,
}

impl JsonLines {
    /// Opens (or creates) the file at `path` for appending, remembering the
    /// records it holds. A last line cut short (the process was killed
    /// while writing, before answering) is removed: 1NCE resends that batch.
    pub fn open(path: impl AsRef<Path>) -> io::Result<JsonLines> {
        JsonLines::open_remembering(path, DEFAULT_REMEMBERED_IDS)
    }

    /// As [`JsonLines::open`], remembering at most `capacity` records.
    pub fn open_remembering(path: impl AsRef<Path>, capacity: usize) -> io::Result<JsonLines> {
        let path = path.as_ref().to_path_buf();
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)?;
        let mut seen = SeenKeys::new(capacity);
        let mut whole = 0u64;
        let mut reader = BufReader::new(&file);
        let mut line = Vec::new();
        loop {
            line.clear();
            let read = reader.read_until(b'\n', &mut line)?;
            if read == 0 || line.last() != Some(&b'\n') {
                break;
            }
            whole += read as u64;
            if let Some(key) = std::str::from_utf8(&line).ok().and_then(RecordKey::of_json) {
                seen.remember(key);
            }
        }
        drop(reader);
        if file.metadata()?.len() > whole {
            file.set_len(whole)?;
            file.sync_all()?;
        }
        file.seek(SeekFrom::End(0))?;
        Ok(JsonLines {
            target: Target::File {
                file,
                path,
                committed: whole,
            },
            seen,
        })
    }

    /// A sink that prints the lines on standard output: flushed before the
    /// receiver answers, but only as durable as what reads it, and with the
    /// records of this run only.
    pub fn stdout() -> JsonLines {
        JsonLines {
            target: Target::Stdout,
            seen: SeenKeys::new(DEFAULT_REMEMBERED_IDS),
        }
    }

    /// The file written, when it is one.
    pub fn path(&self) -> Option<&Path> {
        match &self.target {
            Target::File { path, .. } => Some(path),
            Target::Stdout => None,
        }
    }

    /// Appends the records not written before, one JSON line each, and
    /// returns once they are durable (`fsync`); a record without an id is
    /// always written. Nothing is remembered unless the write succeeded.
    pub fn append(&mut self, records: &[Value]) -> io::Result<Appended> {
        let lines: Vec<Line> = records.iter().map(Line::of_value).collect();
        Ok(self.store(&[&lines])?.remove(0).appended)
    }

    /// Writes `bytes` durably, whole or not at all.
    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.target {
            Target::File {
                file, committed, ..
            } => {
                // What an earlier failure (or a panic) left past the durable
                // end is cut first, so that no half batch stays.
                if file.metadata()?.len() != *committed {
                    file.set_len(*committed)?;
                }
                if bytes.is_empty() {
                    return Ok(());
                }
                if let Err(e) = file.write_all(bytes).and_then(|()| file.sync_data()) {
                    let _ = file.set_len(*committed);
                    return Err(e);
                }
                *committed += bytes.len() as u64;
                Ok(())
            }
            Target::Stdout => {
                let mut out = io::stdout().lock();
                out.write_all(bytes)?;
                out.flush()
            }
        }
    }
}

impl Sink for JsonLines {
    /// Stores a group of batches with one write and one fsync: each record
    /// not written before (nor earlier in the group) once, in order. On an
    /// error nothing of the group is kept or remembered, so their resends
    /// are stored whole.
    fn store(&mut self, batches: &[&[Line]]) -> io::Result<Vec<Stored>> {
        let mut out = Vec::new();
        let mut fresh: HashSet<&RecordKey> = HashSet::new();
        let mut stored = Vec::with_capacity(batches.len());
        for batch in batches {
            let mut this = Stored::default();
            for (position, line) in batch.iter().enumerate() {
                if let Some(key) = &line.key {
                    if self.seen.contains(key) || !fresh.insert(key) {
                        this.appended.duplicates += 1;
                        continue;
                    }
                }
                out.extend_from_slice(line.text.as_bytes());
                out.push(b'\n');
                this.appended.written += 1;
                this.written.push(position);
            }
            stored.push(this);
        }
        self.write(&out)?;
        for key in fresh {
            self.seen.remember(key.clone());
        }
        Ok(stored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("onence-sink-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        dir
    }

    fn lines(texts: &[&str]) -> Vec<Line> {
        texts.iter().map(|t| Line::of_text(t)).collect()
    }

    #[test]
    fn records_are_written_once_across_reopening() {
        let path = scratch("reopen");
        let mut sink = JsonLines::open(&path).unwrap();
        let batch = [
            json!({ "id": 1 }),
            json!({ "id": 2 }),
            json!({ "id": 1 }),
            json!({ "x": 0 }),
        ];
        assert_eq!(
            sink.append(&batch).unwrap(),
            Appended {
                written: 3,
                duplicates: 1
            }
        );
        drop(sink);
        let mut again = JsonLines::open(&path).unwrap();
        let resent = [json!({ "id": "2" }), json!({ "id": 3 })];
        assert_eq!(
            again.append(&resent).unwrap(),
            Appended {
                written: 1,
                duplicates: 1
            }
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 4);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn one_id_in_two_kinds_is_two_records_and_stays_two_after_a_restart() {
        let path = scratch("kinds");
        let event = r#"{"id":5,"event_type":{"id":1}}"#;
        let usage = r#"{"id":5,"volume":{"total":1.0}}"#;
        let mut sink = JsonLines::open(&path).unwrap();
        let stored = sink.store(&[&lines(&[event, usage])]).unwrap();
        assert_eq!(stored[0].appended.written, 2);
        drop(sink);
        let mut again = JsonLines::open(&path).unwrap();
        let stored = again.store(&[&lines(&[usage, event])]).unwrap();
        assert_eq!(stored[0].appended.duplicates, 2, "both are resends now");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_group_writes_each_record_once_and_says_which_batch_wrote_it() {
        let path = scratch("group");
        let mut sink = JsonLines::open(&path).unwrap();
        let first = lines(&[r#"{"id":1}"#, r#"{"id":2}"#]);
        let second = lines(&[r#"{"id":2}"#, r#"{"id":3}"#]);
        let stored = sink.store(&[&first, &second]).unwrap();
        assert_eq!(stored[0].written, vec![0, 1]);
        assert_eq!(stored[1].written, vec![1]);
        assert_eq!(stored[1].appended.duplicates, 1);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text, "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n",
            "kept as received"
        );
        std::fs::remove_file(&path).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_failed_write_remembers_nothing_and_the_resend_is_stored() {
        let path = scratch("full");
        let mut sink = JsonLines::open(&path).unwrap();
        let healthy = std::mem::replace(
            &mut sink.target,
            Target::File {
                file: OpenOptions::new().write(true).open("/dev/full").unwrap(),
                path: path.clone(),
                committed: 0,
            },
        );
        let batch = lines(&[r#"{"id":1}"#]);
        assert!(sink.store(&[&batch]).is_err(), "the disk is full");
        assert_eq!(sink.seen.set.len(), 0, "nothing remembered");
        sink.target = healthy;
        let stored = sink.store(&[&batch]).unwrap();
        assert_eq!(stored[0].appended.written, 1, "the resend gets a fresh try");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_line_cut_short_is_removed_on_opening() {
        let path = scratch("torn");
        std::fs::write(&path, "{\"id\":1}\n{\"id\":2,\"vol").unwrap();
        let mut sink = JsonLines::open(&path).unwrap();
        assert_eq!(
            sink.append(&[json!({ "id": 2 })]).unwrap().written,
            1,
            "2 was never whole"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "{\"id\":1}\n{\"id\":2}\n");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn the_oldest_keys_are_forgotten_past_the_bound() {
        let mut seen = SeenKeys::new(2);
        let key = |n: i32| RecordKey::of(&json!({ "id": n })).unwrap();
        for n in 0..3 {
            seen.remember(key(n));
        }
        assert!(!seen.contains(&key(0)));
        assert!(seen.contains(&key(2)));
        assert_eq!(seen.set.len(), 2);
    }
}
