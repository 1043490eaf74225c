//! Checks of controller and manager target names (`vconn_verify_name` and friends):
//! only the connection method is checked, as OVS does before warning.

/// Whether `target` names a known active or passive connection method.
pub fn valid(target: &str, openflow: bool) -> bool {
    let Some((method, rest)) = target.split_once(':') else {
        return false;
    };
    let _ = openflow;
    match method {
        "tcp" | "ssl" => !rest.is_empty(),
        "unix" => !rest.is_empty(),
        "ptcp" | "pssl" | "punix" => true,
        _ => false,
    }
}
