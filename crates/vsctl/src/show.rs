//! `show`: the overview tree of the database (`cmd_show` in OVS's db-ctl-base).

use crate::ctx::Ctx;

/// A table shown in the tree: the column that names its rows and the columns printed.
struct ShowTable {
    table: &'static str,
    name_column: Option<&'static str>,
    columns: &'static [&'static str],
}

const SHOW: &[ShowTable] = &[
    ShowTable {
        table: "Open_vSwitch",
        name_column: None,
        columns: &["manager_options", "bridges", "ovs_version"],
    },
    ShowTable {
        table: "Bridge",
        name_column: Some("name"),
        columns: &["controller", "fail_mode", "datapath_type", "ports"],
    },
    ShowTable {
        table: "Port",
        name_column: Some("name"),
        columns: &["tag", "trunks", "interfaces"],
    },
    ShowTable {
        table: "Interface",
        name_column: Some("name"),
        columns: &["type", "options", "error", "bfd_status"],
    },
    ShowTable {
        table: "Controller",
        name_column: Some("target"),
        columns: &["is_connected"],
    },
    ShowTable {
        table: "Manager",
        name_column: Some("target"),
        columns: &["is_connected"],
    },
];

fn find(table: &str) -> Option<&'static ShowTable> {
    SHOW.iter().find(|s| s.table == table)
}

fn show_row(ctx: &mut Ctx, table: &str, uuid: &str, level: usize, shown: &mut Vec<&'static str>) {
    let indent = " ".repeat(level * 4);
    let show = find(table);
    let schema = ctx.schema.clone();
    match show.and_then(|s| s.name_column.map(|n| (s, n))) {
        Some((s, n)) => {
            let ty = &schema.tables[s.table].column(n).map(|c| c.ty.clone());
            let d = ctx.txn.get(table, uuid, n);
            let text = ty.as_ref().map(|t| d.to_text(t)).unwrap_or_default();
            ctx.line(format!("{indent}{} {text}", s.table));
        }
        None => ctx.line(format!("{indent}{uuid}")),
    }
    let Some(show) = show else {
        return;
    };
    if shown.contains(&show.table) {
        return;
    }
    shown.push(show.table);
    let tschema = &schema.tables[show.table];
    for col in show.columns {
        let Some(c) = tschema.column(col) else {
            continue;
        };
        let d = ctx.txn.get(table, uuid, col);
        if c.ty.key.ty == crate::schema::AtomicType::Uuid {
            if let Some(rt) = c.ty.key.ref_table.as_deref().and_then(find) {
                for a in &d.keys {
                    if ctx.txn.row(rt.table, a.as_str()).is_some() {
                        show_row(ctx, rt.table, a.as_str(), level + 1, shown);
                    }
                }
                continue;
            }
        }
        if !d.is_default(&c.ty) {
            let text = d.to_text(&c.ty);
            ctx.line(format!("{indent}    {col}: {text}"));
        }
    }
    shown.retain(|t| *t != show.table);
}

/// Runs `show`.
pub fn show(ctx: &mut Ctx) {
    let mut shown = Vec::new();
    for u in ctx.txn.uuids("Open_vSwitch") {
        show_row(ctx, "Open_vSwitch", &u, 0, &mut shown);
    }
}
