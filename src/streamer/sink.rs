//! Where received records go: a [`Sink`] stores a group of batches
//! durably, each record (by kind and id) once, all of the group or none,
//! before the receiver answers 200. [`JsonLines`](super::JsonLines) is a
//! file; with the `streamer-sqlite` feature,
//! [`Sqlite`](super::Sqlite) is a database that can be queried.

use std::io;

use super::batch::Line;

/// What one batch's store did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Appended {
    /// Records written.
    pub written: usize,
    /// Records not written because the same record (kind and id) was
    /// written before.
    pub duplicates: usize,
}

/// What storing one batch of a group did: the counts, and which of its
/// records were written (their positions in the batch).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stored {
    /// The counts.
    pub appended: Appended,
    /// The positions of the records written.
    pub written: Vec<usize>,
}

/// A place records are stored, from the receiver's one writer thread.
pub trait Sink: Send + 'static {
    /// Stores `batches` durably (they are on disk, or committed, when it
    /// returns): each record not stored before, nor earlier in the group,
    /// once; a record without an id always. One [`Stored`] per batch, in
    /// order. On an error nothing of the group may stay stored or be
    /// remembered, so that 1NCE's resends are stored whole.
    fn store(&mut self, batches: &[&[Line]]) -> io::Result<Vec<Stored>>;
}
