//! Datapath settings from `Open_vSwitch:other_config` and `Interface:other_config`, with
//! OVS's names, defaults and parsing.

/// How receive queues are spread over PMDs (`pmd-rxq-assign`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RxqAssign {
    /// In port/queue order, round-robin over the PMDs.
    RoundRobin,
    /// Busiest queues first, round-robin over the PMDs (OVS's default).
    #[default]
    Cycles,
    /// Busiest queues first, each to the PMD with the least load so far.
    Group,
}

/// The datapath's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpConfig {
    /// Cores for PMD threads (`pmd-cpu-mask`); `None`: one PMD on the first CPU the
    /// process may use.
    pub pmd_cores: Option<Vec<usize>>,
    /// `pmd-rxq-assign`.
    pub rxq_assign: RxqAssign,
    /// `pmd-rxq-isolate` (default true): a PMD with pinned queues polls nothing else.
    pub rxq_isolate: bool,
    /// `emc-insert-inv-prob` (default 100; 0 disables the EMC).
    pub emc_insert_inv_prob: u32,
    /// `smc-enable` (default false).
    pub smc_enable: bool,
    /// `max-idle` in ms (default 10000): idle megaflows expire after this.
    pub max_idle_ms: u64,
    /// `flow-limit` (default 200000): no megaflow is installed beyond this many per PMD.
    pub flow_limit: usize,
}

impl Default for DpConfig {
    fn default() -> Self {
        DpConfig {
            pmd_cores: None,
            rxq_assign: RxqAssign::default(),
            rxq_isolate: true,
            emc_insert_inv_prob: 100,
            smc_enable: false,
            max_idle_ms: 10_000,
            flow_limit: 200_000,
        }
    }
}

/// Parses a CPU mask (`0x6`, `6`, hex as OVS reads it) into core numbers.
pub fn parse_cpu_mask(s: &str) -> Result<Vec<usize>, String> {
    let hex = s.trim().trim_start_matches("0x").trim_start_matches("0X");
    if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("invalid cpu mask \"{s}\""));
    }
    let mut cores = Vec::new();
    for (i, c) in hex.chars().rev().enumerate() {
        let nibble = c.to_digit(16).unwrap_or(0);
        for bit in 0..4 {
            if nibble & (1 << bit) != 0 {
                cores.push(i * 4 + bit);
            }
        }
    }
    Ok(cores)
}

/// Parses `pmd-rxq-affinity` (`"0:3,1:7"`: queue 0 on core 3, queue 1 on core 7).
pub fn parse_rxq_affinity(s: &str) -> Result<Vec<(usize, usize)>, String> {
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let (q, c) = p
                .split_once(':')
                .ok_or_else(|| format!("invalid affinity \"{p}\""))?;
            let q = q
                .trim()
                .parse()
                .map_err(|_| format!("invalid queue id in \"{p}\""))?;
            let c = c
                .trim()
                .parse()
                .map_err(|_| format!("invalid core id in \"{p}\""))?;
            Ok((q, c))
        })
        .collect()
}

impl DpConfig {
    /// Reads the settings from `Open_vSwitch:other_config` through `get`; settings that
    /// do not parse keep their defaults and come back as warnings.
    pub fn from_other_config<'a>(get: impl Fn(&str) -> Option<&'a str>) -> (DpConfig, Vec<String>) {
        let mut c = DpConfig::default();
        let mut warn = Vec::new();
        if let Some(m) = get("pmd-cpu-mask") {
            match parse_cpu_mask(m) {
                Ok(cores) if !cores.is_empty() => c.pmd_cores = Some(cores),
                Ok(_) => warn.push("pmd-cpu-mask selects no core; using the default".into()),
                Err(e) => warn.push(e),
            }
        }
        match get("pmd-rxq-assign") {
            None | Some("cycles") => {}
            Some("roundrobin") => c.rxq_assign = RxqAssign::RoundRobin,
            Some("group") => c.rxq_assign = RxqAssign::Group,
            Some(v) => warn.push(format!("Unsupported rxq to pmd assignment mode in pmd-rxq-assign: {v}. Defaulting to 'cycles'.")),
        }
        if get("pmd-rxq-isolate") == Some("false") {
            c.rxq_isolate = false;
        }
        let mut num = |key: &str, dst: &mut u64| {
            if let Some(v) = get(key) {
                match v.parse::<u64>() {
                    Ok(n) => *dst = n,
                    Err(_) => warn.push(format!("{key}: \"{v}\" is not a number")),
                }
            }
        };
        let mut inv = u64::from(c.emc_insert_inv_prob);
        num("emc-insert-inv-prob", &mut inv);
        let mut limit = c.flow_limit as u64;
        num("flow-limit", &mut limit);
        num("max-idle", &mut c.max_idle_ms);
        c.emc_insert_inv_prob = u32::try_from(inv).unwrap_or(u32::MAX);
        c.flow_limit = usize::try_from(limit).unwrap_or(usize::MAX);
        c.smc_enable = get("smc-enable") == Some("true");
        (c, warn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_and_affinities() {
        assert_eq!(parse_cpu_mask("0x6"), Ok(vec![1, 2]));
        assert_eq!(parse_cpu_mask("f0"), Ok(vec![4, 5, 6, 7]));
        assert_eq!(parse_cpu_mask("0x100000001"), Ok(vec![0, 32]));
        assert!(parse_cpu_mask("0xz").is_err() && parse_cpu_mask("").is_err());
        assert_eq!(parse_rxq_affinity("0:3, 1:7"), Ok(vec![(0, 3), (1, 7)]));
        assert!(parse_rxq_affinity("0-3").is_err());
    }

    #[test]
    fn other_config() {
        let kv = [
            ("pmd-cpu-mask", "0x3"),
            ("pmd-rxq-assign", "roundrobin"),
            ("max-idle", "500"),
            ("smc-enable", "true"),
            ("flow-limit", "x"),
        ];
        let (c, warn) =
            DpConfig::from_other_config(|k| kv.iter().find(|(key, _)| *key == k).map(|(_, v)| *v));
        assert_eq!(c.pmd_cores, Some(vec![0, 1]));
        assert_eq!(c.rxq_assign, RxqAssign::RoundRobin);
        assert_eq!(
            (c.max_idle_ms, c.smc_enable, c.flow_limit),
            (500, true, 200_000)
        );
        assert_eq!(warn.len(), 1);
        let (d, w) = DpConfig::from_other_config(|_| None);
        assert_eq!((d, w.len()), (DpConfig::default(), 0));
    }
}
