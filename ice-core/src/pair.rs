//! Candidate pairs and their states (RFC 8445 §6.1.2).

/// Index of a local candidate.
pub type LocalIdx = u8;
/// Index of a remote candidate.
pub type RemoteIdx = u8;

/// Where a pair is in its checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairState {
    /// Waiting for a pair of the same foundation to succeed first.
    Frozen,
    /// Ready to be checked.
    Waiting,
    /// A check is in flight.
    InProgress,
    /// A check succeeded: the pair is valid.
    Succeeded,
    /// Checks failed.
    Failed,
}

/// The RFC 8445 §6.1.2.3 pair priority from the controlling (`g`) and controlled (`d`)
/// candidates' priorities.
pub const fn pair_priority(g: u32, d: u32) -> u64 {
    let (min, max) = if g < d { (g, d) } else { (d, g) };
    ((min as u64) << 32) + 2 * (max as u64) + if g > d { 1 } else { 0 }
}

/// A local and a remote candidate checked together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair {
    /// The local candidate (a host or relayed one: server-reflexive ones are replaced by their
    /// base, RFC 8445 §6.1.2.4).
    pub local: LocalIdx,
    /// The remote candidate.
    pub remote: RemoteIdx,
    /// Check state.
    pub state: PairState,
    /// Pair priority for the current role.
    pub priority: u64,
    /// Priority of the valid pair a success produced (computed from the mapped address's
    /// candidate, RFC 8445 §7.2.5.3.2); ranks routes for nomination.
    pub valid_priority: u64,
    /// The remote side asked to nominate it (USE-CANDIDATE) before it succeeded.
    pub nominate_on_success: bool,
    /// Nominated (by us when controlling, by the peer when controlled).
    pub nominated: bool,
    /// We sent a check with USE-CANDIDATE for it and wait for the answer.
    pub nominating: bool,
}

impl Pair {
    /// A new frozen pair.
    pub fn new(local: LocalIdx, remote: RemoteIdx, priority: u64) -> Self {
        Pair {
            local,
            remote,
            state: PairState::Frozen,
            priority,
            valid_priority: 0,
            nominate_on_success: false,
            nominated: false,
            nominating: false,
        }
    }

    /// Whether a check has succeeded.
    pub fn is_valid(&self) -> bool {
        self.state == PairState::Succeeded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_priority_formula() {
        assert_eq!(pair_priority(1, 2), (1u64 << 32) + 4);
        assert_eq!(pair_priority(2, 1), (1u64 << 32) + 4 + 1);
        assert!(
            pair_priority(2_130_706_431, 2_130_706_431)
                > pair_priority(2_130_706_431, 1_694_498_815)
        );
    }
}
