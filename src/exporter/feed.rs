//! What the Data Streamer tells the exporter between reads: records are
//! counted, usage lowers a SIM's data left, and a quota event flags the
//! quota at once and makes it the next read, which confirms it.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::state::{QuotaNews, QuotaPart};
use super::{unix_now, Exporter};
use crate::streamer::{Observer, Record};

/// The Data Streamer's per-SIM quota events by `event_type.id` (both
/// platform generations number them alike), and what each says. The
/// regional pool's events (100 to 103) are not about one SIM.
const QUOTA_EVENTS: [(i64, QuotaPart, QuotaNews); 6] = [
    (18, QuotaPart::Data, QuotaNews::ThresholdReached),
    (19, QuotaPart::Data, QuotaNews::Gone),
    (60, QuotaPart::Data, QuotaNews::Gone),
    (20, QuotaPart::Sms, QuotaNews::ThresholdReached),
    (21, QuotaPart::Sms, QuotaNews::Gone),
    (61, QuotaPart::Sms, QuotaNews::Gone),
];

/// What an event type id says of a quota, if it is a quota event.
fn quota_news(event_type: i64) -> Option<(QuotaPart, QuotaNews)> {
    QUOTA_EVENTS
        .iter()
        .find(|(id, _, _)| *id == event_type)
        .map(|(_, part, news)| (*part, *news))
}

impl Exporter {
    /// Feeds the exporter from a [`Receiver`](crate::streamer::Receiver):
    /// give it with `with_observer`. It sees only the records written (a
    /// resend's are not counted again).
    pub fn streamer_observer(&self) -> Observer {
        let exporter = self.clone();
        Arc::new(move |batch: &[Record], _appended| exporter.take_records(batch))
    }

    fn take_records(&self, batch: &[Record]) {
        if batch.is_empty() {
            return;
        }
        let mut urgent = false;
        {
            let mut state = self.write_state();
            for record in batch {
                self.streamer_records
                    .get_or_create(&vec![("kind", record.kind().as_str())])
                    .inc();
                if let Some(usage) = record.usage().filter(|u| u.is_data()) {
                    let (Some(iccid), Some(volume)) = (usage.iccid, usage.volume) else {
                        continue;
                    };
                    let (tx, rx) = (volume.tx.unwrap_or(0.0), volume.rx.unwrap_or(0.0));
                    state.apply_usage(&iccid, tx, rx, volume.total);
                } else if let Some(event) = record.event() {
                    let news = event.event_type.and_then(|t| t.id).and_then(quota_news);
                    if let (Some((part, news)), Some(iccid)) = (news, event.iccid) {
                        urgent |= state.apply_news(&iccid, part, news);
                    }
                }
            }
        }
        self.streamer_last.set(unix_now());
        self.changes.fetch_add(1, Ordering::Release);
        if urgent {
            self.wake.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_events_are_known_by_id() {
        assert_eq!(quota_news(19), Some((QuotaPart::Data, QuotaNews::Gone)));
        assert_eq!(
            quota_news(20),
            Some((QuotaPart::Sms, QuotaNews::ThresholdReached))
        );
        assert_eq!(quota_news(61), Some((QuotaPart::Sms, QuotaNews::Gone)));
        for other in [0, 3, 5, 52, 100, 101] {
            assert_eq!(quota_news(other), None, "{other}");
        }
    }
}
