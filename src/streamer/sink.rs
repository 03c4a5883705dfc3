//! Where received records go: a JSON Lines file, appended and fsynced
//! before the receiver answers 200, and the memory of which ids it holds,
//! so that a record 1NCE resends is written once, across restarts too.

use std::collections::{HashSet, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::records::RecordId;

/// How many ids a sink remembers by default: 1NCE resends after a failed
/// delivery, and replays at most 7 days; a million ids is days of a large
/// fleet's records in tens of MB.
pub const DEFAULT_REMEMBERED_IDS: usize = 1_000_000;

/// The ids seen last, at most `capacity` of them (the oldest forgotten).
#[derive(Debug)]
struct SeenIds {
    set: HashSet<RecordId>,
    order: VecDeque<RecordId>,
    capacity: usize,
}

impl SeenIds {
    fn new(capacity: usize) -> SeenIds {
        SeenIds {
            set: HashSet::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    fn contains(&self, id: &RecordId) -> bool {
        self.set.contains(id)
    }

    fn remember(&mut self, id: RecordId) {
        if self.set.insert(id.clone()) {
            self.order.push_back(id);
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
    File { file: File, path: PathBuf },
    Stdout,
}

/// What one append did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Appended {
    /// Records written.
    pub written: usize,
    /// Records not written because their id was written before.
    pub duplicates: usize,
}

/// A JSON Lines sink that writes each record id once.
#[derive(Debug)]
pub struct Sink {
    target: Target,
    seen: SeenIds,
}

impl Sink {
    /// Opens (or creates) the file at `path` for appending, remembering the
    /// ids it holds. A last line cut short (the process was killed while
    /// writing, before answering) is removed: 1NCE resends that batch.
    pub fn open(path: impl AsRef<Path>) -> io::Result<Sink> {
        Sink::open_remembering(path, DEFAULT_REMEMBERED_IDS)
    }

    /// As [`Sink::open`], remembering at most `capacity` ids.
    pub fn open_remembering(path: impl AsRef<Path>, capacity: usize) -> io::Result<Sink> {
        let path = path.as_ref().to_path_buf();
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)?;
        let mut seen = SeenIds::new(capacity);
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
            if let Ok(record) = serde_json::from_slice::<Value>(&line) {
                if let Some(id) = RecordId::of(&record) {
                    seen.remember(id);
                }
            }
        }
        drop(reader);
        if file.metadata()?.len() > whole {
            file.set_len(whole)?;
            file.sync_all()?;
        }
        file.seek(SeekFrom::End(0))?;
        Ok(Sink {
            target: Target::File { file, path },
            seen,
        })
    }

    /// A sink that prints the lines on standard output: flushed before the
    /// receiver answers, but only as durable as what reads it, and with the
    /// ids of this run only.
    pub fn stdout() -> Sink {
        Sink {
            target: Target::Stdout,
            seen: SeenIds::new(DEFAULT_REMEMBERED_IDS),
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
        let mut lines = Vec::new();
        let mut fresh = Vec::new();
        let mut appended = Appended::default();
        for record in records {
            if let Some(id) = RecordId::of(record) {
                if self.seen.contains(&id) || fresh.contains(&id) {
                    appended.duplicates += 1;
                    continue;
                }
                fresh.push(id);
            }
            serde_json::to_writer(&mut lines, record)?;
            lines.push(b'\n');
            appended.written += 1;
        }
        if !lines.is_empty() {
            match &mut self.target {
                Target::File { file, .. } => {
                    // A batch is written whole or not at all: a failed write
                    // is cut back, so the resend finds no half of it.
                    let before = file.metadata()?.len();
                    if let Err(e) = file.write_all(&lines).and_then(|()| file.sync_data()) {
                        let _ = file.set_len(before);
                        return Err(e);
                    }
                }
                Target::Stdout => {
                    let mut out = io::stdout().lock();
                    out.write_all(&lines)?;
                    out.flush()?;
                }
            }
        }
        for id in fresh {
            self.seen.remember(id);
        }
        Ok(appended)
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

    #[test]
    fn ids_are_written_once_across_reopening() {
        let path = scratch("reopen");
        let mut sink = Sink::open(&path).unwrap();
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
        let mut again = Sink::open(&path).unwrap();
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
    fn a_line_cut_short_is_removed_on_opening() {
        let path = scratch("torn");
        std::fs::write(&path, "{\"id\":1}\n{\"id\":2,\"vol").unwrap();
        let mut sink = Sink::open(&path).unwrap();
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
    fn the_oldest_ids_are_forgotten_past_the_bound() {
        let mut seen = SeenIds::new(2);
        for n in 0..3 {
            seen.remember(RecordId::of(&json!({ "id": n })).unwrap());
        }
        assert!(!seen.contains(&RecordId::of(&json!({ "id": 0 })).unwrap()));
        assert!(seen.contains(&RecordId::of(&json!({ "id": 2 })).unwrap()));
        assert_eq!(seen.set.len(), 2);
    }
}
