//! Datapath actions: what a datapath does with a packet after a cache hit or an upcall.
//!
//! This is the narrow vocabulary shared by ofproto (which produces actions when it
//! translates a packet) and the datapath (which executes them), so that neither crate
//! depends on the other. Port numbers here are datapath port numbers, not OpenFlow ports.

/// One datapath action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DpAction {
    /// Transmit the packet, as it is now, on a datapath port.
    Output(u32),
}

impl std::fmt::Display for DpAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DpAction::Output(p) => write!(f, "{p}"),
        }
    }
}

/// Formats an action list as `ovs-appctl dpctl/dump-flows` does (`drop` when empty).
pub fn format_actions(actions: &[DpAction]) -> String {
    if actions.is_empty() {
        return "drop".into();
    }
    actions
        .iter()
        .map(DpAction::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_dpctl() {
        assert_eq!(format_actions(&[]), "drop");
        assert_eq!(
            format_actions(&[DpAction::Output(1), DpAction::Output(3)]),
            "1,3"
        );
    }
}
