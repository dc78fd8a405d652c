//! The leader's side of fetching: consumers read committed records, followers read everything
//! and report their progress; both long-poll.

use super::{Broker, ParkedFetch, Role};
use crate::node::{ConnId, Output};
use crate::protocol::fetch::{
    FetchRequest, FetchResponse, FetchedRecords, OffsetsForLeaderEpochRequest, OffsetsForLeaderEpochResponse,
};
use crate::protocol::{CorrelationId, ErrorCode, Response};
use crate::types::{SimDuration, SimTime, TopicPartition};

impl Broker {
    /// Check a follower's fetch against the leader epoch and record its progress.
    fn replica_progress(&mut self, now: SimTime, req: &FetchRequest) -> Result<(), ErrorCode> {
        let Some(rf) = req.replica else { return Ok(()) };
        let replica = self.led(&req.tp)?;
        let leo = replica.log.log_end_offset();
        let Role::Leader(ls) = &mut replica.role else { return Err(ErrorCode::NotLeaderOrFollower) };
        if rf.leader_epoch < ls.epoch {
            return Err(ErrorCode::FencedLeaderEpoch);
        }
        if rf.leader_epoch > ls.epoch {
            return Err(ErrorCode::UnknownLeaderEpoch);
        }
        ls.on_fetch(now, rf.broker, req.offset, leo);
        Ok(())
    }

    /// Try to answer a fetch now; `None` if it should keep waiting.
    fn try_fetch(&mut self, req: &FetchRequest, force: bool) -> Option<(u64, FetchResponse)> {
        let answer = |result, bounds| FetchResponse { tp: req.tp.clone(), offset: req.offset, result, bounds };
        let replica = match self.led(&req.tp) {
            Ok(r) => r,
            Err(e) => return Some((0, answer(Err(e), None))),
        };
        let log = &replica.log;
        let hw = log.high_watermark();
        // Followers read to the log end offset; consumers only see committed records.
        let upto = if req.replica.is_some() { log.log_end_offset() } else { hw };
        match log.read(req.offset, req.max_bytes, upto) {
            Err(_) => Some((
                0,
                answer(Err(ErrorCode::OffsetOutOfRange), Some((log.log_start_offset(), log.log_end_offset()))),
            )),
            Ok(records) => {
                let bytes: u64 = records.iter().map(|r| r.size_bytes()).sum();
                if bytes < req.min_bytes && !force {
                    return None;
                }
                let fetched = FetchedRecords { records, high_watermark: hw, log_start_offset: log.log_start_offset() };
                Some((bytes, answer(Ok(fetched), None)))
            }
        }
    }

    pub(super) fn fetch(
        &mut self,
        now: SimTime,
        conn: ConnId,
        correlation: CorrelationId,
        req: FetchRequest,
    ) -> Vec<Output> {
        let mut out = Vec::new();
        if let Err(e) = self.replica_progress(now, &req) {
            let resp = FetchResponse { tp: req.tp.clone(), offset: req.offset, result: Err(e), bounds: None };
            return vec![Output::Reply { conn, correlation, response: Response::Fetch(resp) }];
        }
        if let Some(rf) = req.replica {
            // Kafka's `Partition.updateFollowerFetchState`: maybe expand the ISR, then maybe
            // move the high watermark.
            out.extend(self.maybe_expand_isr(now, &req.tp, rf.broker));
            out.extend(self.advance_high_watermark(now, &req.tp));
        }
        let force = req.max_wait == SimDuration::ZERO;
        match self.try_fetch(&req, force) {
            Some((bytes, resp)) => {
                out.extend(self.reply_after_service(now, bytes, conn, correlation, Response::Fetch(resp)))
            }
            None => {
                let deadline = now.plus(req.max_wait);
                self.parked.push(ParkedFetch { conn, correlation, request: req, deadline });
            }
        }
        out
    }

    /// Answer parked fetches that can be answered: new data for `tp`, or (with `None`) the
    /// ones whose wait ran out or whose partition changed.
    pub(super) fn wake_parked(&mut self, now: SimTime, tp: Option<&TopicPartition>) -> Vec<Output> {
        let parked = std::mem::take(&mut self.parked);
        let mut out = Vec::new();
        for p in parked {
            let relevant = tp.is_none_or(|tp| *tp == p.request.tp);
            let expired = p.deadline <= now;
            let answer = if relevant || expired { self.try_fetch(&p.request, expired) } else { None };
            match answer {
                Some((bytes, resp)) => {
                    out.extend(self.reply_after_service(now, bytes, p.conn, p.correlation, Response::Fetch(resp)))
                }
                None => self.parked.push(p),
            }
        }
        out
    }

    /// Answer parked fetches whose wait is over. (New data wakes a partition's fetches from
    /// the append path, and a new image wakes them all when roles change; checking every
    /// parked fetch against its partition on every tick would cost a broker hosting many
    /// partitions dearly.)
    pub(super) fn expire_parked(&mut self, now: SimTime) -> Vec<Output> {
        if !self.parked.iter().any(|p| p.deadline <= now) {
            return Vec::new();
        }
        let (expired, waiting): (Vec<ParkedFetch>, Vec<ParkedFetch>) =
            std::mem::take(&mut self.parked).into_iter().partition(|p| p.deadline <= now);
        self.parked = waiting;
        let mut out = Vec::new();
        for p in expired {
            let (bytes, resp) = self.try_fetch(&p.request, true).expect("an expired fetch is always answered");
            out.extend(self.reply_after_service(now, bytes, p.conn, p.correlation, Response::Fetch(resp)));
        }
        out
    }

    /// KIP-101: where did `req.epoch` end in the leader's log?
    pub(super) fn offsets_for_leader_epoch(&mut self, req: &OffsetsForLeaderEpochRequest) -> Response {
        let result = self.led(&req.tp).and_then(|r| {
            let Role::Leader(ls) = &r.role else { return Err(ErrorCode::NotLeaderOrFollower) };
            if req.current_leader_epoch < ls.epoch {
                return Err(ErrorCode::FencedLeaderEpoch);
            }
            if req.current_leader_epoch > ls.epoch {
                return Err(ErrorCode::UnknownLeaderEpoch);
            }
            Ok(r.log.end_offset_for_epoch(req.epoch).unwrap_or((req.epoch, r.log.log_start_offset())))
        });
        Response::OffsetsForLeaderEpoch(OffsetsForLeaderEpochResponse { tp: req.tp.clone(), result })
    }
}
