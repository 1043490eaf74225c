//! The generic database commands shared by OVS's `*-ctl` tools (`lib/db-ctl-base.c`):
//! `get`, `list`, `find`, `set`, `add`, `remove`, `clear`, `create`, `destroy`,
//! `wait-until`, `show` and `comment`, and how they name records.

use std::rc::Rc;

use crate::commands::Command;
use crate::ctx::{fatal, get_column, get_table, Ctx, Fail, R};
use crate::data::{parse_uuid, Atom, Datum};
use crate::output::{Cell, OutTable};
use crate::schema::{AtomicType, Column, Table, Type};
use crate::text::{atom_from_string, datum_from_string, parse_token};

/// How rows of a table can be named besides by UUID: by the value of `name_column` in
/// `id_table`, then (with `uuid_column`) following that row's reference.
struct RowId {
    id_table: &'static str,
    name_column: &'static str,
    uuid_column: Option<&'static str>,
}

fn row_id(table: &str) -> Option<RowId> {
    let r = |id_table, name_column, uuid_column| {
        Some(RowId {
            id_table,
            name_column,
            uuid_column,
        })
    };
    match table {
        "Bridge" => r("Bridge", "name", None),
        "Controller" => r("Bridge", "name", Some("controller")),
        "Interface" => r("Interface", "name", None),
        "Mirror" => r("Mirror", "name", None),
        "Manager" => r("Manager", "target", None),
        "NetFlow" => r("Bridge", "name", Some("netflow")),
        "Port" => r("Port", "name", None),
        "QoS" => r("Port", "name", Some("qos")),
        "sFlow" => r("Bridge", "name", Some("sflow")),
        "Flow_Table" => r("Flow_Table", "name", None),
        "IPFIX" => r("Bridge", "name", Some("ipfix")),
        "AutoAttach" => r("Bridge", "name", Some("auto_attach")),
        "Flow_Sample_Collector_Set" => r("Flow_Sample_Collector_Set", "id", None),
        _ => None,
    }
}

fn partial_uuid_len(s: &str) -> usize {
    let b = s.as_bytes();
    if b.len() > 36 {
        return 0;
    }
    for (i, c) in b.iter().enumerate() {
        let ok = match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        };
        if !ok {
            return 0;
        }
    }
    b.len()
}

fn get_row_by_id(ctx: &mut Ctx, table: &str, id: &RowId, record: &str) -> R<Option<String>> {
    let Some(col) = ctx.schema.column_type(id.id_table, id.name_column) else {
        return Ok(None);
    };
    if col.key.ty == AtomicType::Integer
        && (record.is_empty() || !record.bytes().all(|c| c.is_ascii_digit()))
    {
        return Ok(None);
    }
    let mut found: Option<String> = None;
    for (uuid, row) in ctx.txn.rows(id.id_table) {
        let Some(name) = row.get(id.name_column).filter(|d| d.len() == 1) else {
            continue;
        };
        let equal = match &name.keys[0] {
            Atom::String(s) => {
                s == record
                    || (record.len() >= 4 && parse_uuid(s).is_some() && s.starts_with(record))
            }
            Atom::Integer(i) => record.parse::<i64>().ok() == Some(*i),
            _ => false,
        };
        if equal {
            if found.is_some() {
                return fatal(format!(
                    "multiple rows in {} match \"{record}\"",
                    id.id_table
                ));
            }
            found = Some(uuid.clone());
        }
    }
    let Some(referrer) = found else {
        return Ok(None);
    };
    match id.uuid_column {
        None => Ok(Some(referrer)),
        Some(uc) => {
            ctx.txn.verify(id.id_table, &referrer, uc);
            let refs = ctx.txn.get_refs(id.id_table, &referrer, uc);
            Ok(match refs.as_slice() {
                [u] if ctx.txn.row(table, u).is_some() => Some(u.clone()),
                _ => None,
            })
        }
    }
}

/// Finds a record of `table` by UUID, `.`, name or UUID prefix (`ctl_get_row`).
pub fn get_row(ctx: &mut Ctx, table: &str, record: &str, must_exist: bool) -> R<Option<String>> {
    let mut row = None;
    if let Some(u) = parse_uuid(record) {
        if ctx.txn.row(table, &u).is_some() {
            row = Some(u);
        }
    }
    if row.is_none() && record == "." {
        let uuids = ctx.txn.uuids(table);
        if uuids.len() == 1 {
            row = Some(uuids[0].clone());
        }
    }
    if row.is_none() {
        if let Some(id) = row_id(table) {
            row = get_row_by_id(ctx, table, &id, record)?;
        }
    }
    if row.is_none() && partial_uuid_len(record) >= 4 {
        for u in ctx.txn.uuids(table) {
            if u.starts_with(record) {
                if let Some(first) = &row {
                    return fatal(format!(
                        "{table} contains 2 or more rows whose UUIDs begin with {record}: at least {first} and {u}"
                    ));
                }
                row = Some(u);
            }
        }
    }
    if must_exist && row.is_none() {
        return fatal(format!("no row \"{record}\" in table {table}"));
    }
    Ok(row)
}

/// A parsed `COLUMN[:KEY][OP VALUE]` argument.
struct ColumnArg {
    column: Column,
    key: Option<String>,
    op: usize,
    value: Option<String>,
}

fn missing_operator_error(arg: &str, ops: &[&str]) -> String {
    let mut s = format!("{arg}: argument does not end in \"{}\"", ops[0]);
    if ops.len() == 2 {
        s += &format!(" or \"{}\"", ops[1]);
    } else if ops.len() > 2 {
        for o in &ops[1..ops.len() - 1] {
            s += &format!(", \"{o}\"");
        }
        s += &format!(", or \"{}\"", ops[ops.len() - 1]);
    }
    s + " followed by a value."
}

/// `parse_column_key_value`. With `ops` a value after one of them is required.
fn parse_column_key_value(
    arg: &str,
    table: &Table,
    ops: Option<&[&str]>,
) -> Result<ColumnArg, String> {
    let (name, mut p) = parse_token(arg)?;
    if name.is_empty() {
        return Err(format!("{arg}: missing column name"));
    }
    let column = get_column(table, &name)?;
    let mut key = None;
    if let Some(rest) = p.strip_prefix(':') {
        let (k, rest) = parse_token(rest)?;
        key = Some(k);
        p = rest;
    }
    let mut op = 0;
    let mut value = None;
    if let Some(ops) = ops {
        let mut best: Option<(usize, usize)> = None;
        for (i, o) in ops.iter().enumerate() {
            if o.len() > best.map_or(0, |b| b.1) && p.starts_with(o) && p.len() > o.len() {
                best = Some((i, o.len()));
            }
        }
        let Some((i, len)) = best else {
            return Err(missing_operator_error(arg, ops));
        };
        op = i;
        value = Some(p[len..].to_string());
    } else if !p.is_empty() {
        return Err(format!("{arg}: trailing garbage \"{p}\" in argument"));
    }
    Ok(ColumnArg {
        column,
        key,
        op,
        value,
    })
}

const RELOPS: &[&str] = &[
    "=", "!=", "<", ">", "<=", ">=", "{=}", "{!=}", "{<}", "{>}", "{<=}", "{>=}", "{in}",
    "{not-in}",
];

fn evaluate(a: &Datum, b: &Datum, op: &str) -> bool {
    use std::cmp::Ordering::*;
    match op {
        "=" | "{=}" => a.compare(b) == Equal,
        "!=" | "{!=}" => a.compare(b) != Equal,
        "<" => a.compare(b) == Less,
        ">" => a.compare(b) == Greater,
        "<=" => a.compare(b) != Greater,
        ">=" => a.compare(b) != Less,
        "{<}" => b.len() > a.len() && a.includes_all_of(b),
        "{>}" => a.len() > b.len() && b.includes_all_of(a),
        "{<=}" | "{in}" => a.includes_all_of(b),
        "{>=}" => b.includes_all_of(a),
        "{not-in}" => a.excludes_all_of(b),
        _ => false,
    }
}

fn check_condition(ctx: &mut Ctx, table: &Table, uuid: &str, arg: &str) -> R<bool> {
    let ca = parse_column_key_value(arg, table, Some(RELOPS))?;
    let value = ca.value.unwrap_or_default();
    let op = RELOPS[ca.op];
    let col = &ca.column;
    let have = ctx.txn.get(&table.name, uuid, &col.name);
    let mut ty = col.ty.clone();
    ty.n_max = u32::MAX;
    if let Some(k) = ca.key {
        let Some(vt) = &col.ty.value else {
            return fatal(format!(
                "cannot specify key to check for non-map column {}",
                col.name
            ));
        };
        let (want_key, _) = atom_from_string(&col.ty.key, &k, &mut ctx.symtab, false)?;
        let set_ty = Type {
            key: vt.clone(),
            value: None,
            n_min: ty.n_min,
            n_max: u32::MAX,
        };
        let b = datum_from_string(&set_ty, &value, &mut ctx.symtab)?;
        let is_set_op = op.starts_with('{');
        match have.find_key(&want_key) {
            None if !is_set_op => Ok(false),
            found => {
                let a = Datum {
                    keys: found.map(|i| have.values[i].clone()).into_iter().collect(),
                    values: Vec::new(),
                };
                Ok(evaluate(&a, &b, op))
            }
        }
    } else {
        let want = datum_from_string(&col.ty, &value, &mut ctx.symtab)?;
        Ok(evaluate(&have, &want, op))
    }
}

fn check_mutable(ctx: &Ctx, table: &Table, uuid: &str, col: &Column) -> R<()> {
    if !col.mutable && !ctx.txn.is_inserted(uuid) {
        return fatal(format!(
            "cannot modify read-only column {} in table {}",
            col.name, table.name
        ));
    }
    Ok(())
}

/// `set_column`: applies `COLUMN[:KEY]=VALUE` to a row.
pub fn set_column(ctx: &mut Ctx, table: &Table, uuid: &str, arg: &str) -> R<()> {
    let ca = parse_column_key_value(arg, table, Some(&["="]))?;
    let value = ca.value.unwrap_or_default();
    let col = &ca.column;
    check_mutable(ctx, table, uuid, col)?;
    if let Some(k) = ca.key {
        let Some(vt) = &col.ty.value else {
            return fatal(format!(
                "cannot specify key to set for non-map column {}",
                col.name
            ));
        };
        let (key, _) = atom_from_string(&col.ty.key, &k, &mut ctx.symtab, false)?;
        let (val, _) = atom_from_string(vt, &value, &mut ctx.symtab, false)?;
        let mut d = Datum {
            keys: vec![key],
            values: vec![val],
        };
        d.union(&ctx.txn.get(&table.name, uuid, &col.name));
        ctx.txn.verify(&table.name, uuid, &col.name);
        ctx.txn.write(&table.name, uuid, &col.name, d);
    } else {
        let d = datum_from_string(&col.ty, &value, &mut ctx.symtab)?;
        ctx.txn.write(&table.name, uuid, &col.name, d);
    }
    Ok(())
}

fn resolve_table(ctx: &Ctx, name: &str) -> R<Rc<Table>> {
    let t = get_table(&ctx.schema, name)?;
    Ok(ctx.table(&t))
}

fn uuid_cell(u: &str) -> Cell {
    Cell {
        datum: Datum::scalar(Atom::Uuid(u.to_string())),
        ty: Type::scalar(AtomicType::Uuid),
    }
}

fn parse_column_names(table: &Table, names: Option<&str>) -> R<Vec<Option<Column>>> {
    let Some(names) = names else {
        let mut v = vec![None];
        v.extend(table.columns.iter().cloned().map(Some));
        return Ok(v);
    };
    let mut v = Vec::new();
    for n in names.split([',', ' ']).filter(|s| !s.is_empty()) {
        if n.eq_ignore_ascii_case("_uuid") {
            v.push(None);
        } else {
            v.push(Some(get_column(table, n)?));
        }
    }
    if v.is_empty() {
        return fatal("must specify at least one column name");
    }
    Ok(v)
}

fn list_record(ctx: &Ctx, table: &Table, uuid: &str, cols: &[Option<Column>], out: &mut OutTable) {
    let row = cols
        .iter()
        .map(|c| match c {
            None => uuid_cell(uuid),
            Some(c) => Cell {
                datum: ctx.txn.get(&table.name, uuid, &c.name),
                ty: c.ty.clone(),
            },
        })
        .collect();
    out.rows.push(row);
}

fn make_table(cols: &[Option<Column>]) -> OutTable {
    OutTable {
        headings: cols
            .iter()
            .map(|c| c.as_ref().map_or("_uuid".to_string(), |c| c.name.clone()))
            .collect(),
        rows: Vec::new(),
    }
}

/// Runs a generic database command; `Ok(false)` if `c` is not one.
pub fn run(ctx: &mut Ctx, c: &Command) -> R<bool> {
    let a = &c.args;
    let must_exist = !c.has("--if-exists");
    match a[0].as_str() {
        "comment" => {}
        "get" => {
            let id = c.value("--id");
            if id.is_some() && !must_exist {
                return fatal("--if-exists and --id may not be specified together");
            }
            let table = resolve_table(ctx, &a[1])?;
            for arg in &a[3..] {
                if !arg.eq_ignore_ascii_case("_uuid") && !arg.eq_ignore_ascii_case("-uuid") {
                    parse_column_key_value(arg, &table, None)?;
                }
            }
            let Some(uuid) = get_row(ctx, &table.name, &a[2], must_exist)? else {
                return Ok(true);
            };
            if let Some(id) = id {
                if !id.starts_with('@') {
                    return fatal(format!("row id \"{id}\" does not begin with \"@\""));
                }
                let new = !ctx.symtab.symbols.contains_key(id);
                let sym = ctx.symtab.insert(id);
                if sym.created {
                    return fatal(format!(
                        "row id \"{id}\" may only be specified on one --id option"
                    ));
                }
                sym.created = true;
                if !new {
                    return fatal(format!(
                        "row id \"{id}\" specified on \"get\" command was used before it was defined"
                    ));
                }
                sym.uuid = uuid.clone();
                sym.strong_ref = true;
            }
            for arg in &a[3..] {
                if arg.eq_ignore_ascii_case("_uuid") || arg.eq_ignore_ascii_case("-uuid") {
                    ctx.line(&uuid);
                    continue;
                }
                let ca = parse_column_key_value(arg, &table, None)?;
                let col = &ca.column;
                ctx.txn.verify(&table.name, &uuid, &col.name);
                let d = ctx.txn.get(&table.name, &uuid, &col.name);
                if let Some(k) = ca.key {
                    let Some(_) = &col.ty.value else {
                        return fatal(format!(
                            "cannot specify key to get for non-map column {}",
                            col.name
                        ));
                    };
                    let (key, _) = atom_from_string(&col.ty.key, &k, &mut ctx.symtab, false)?;
                    match d.get(&key) {
                        None if must_exist => {
                            return fatal(format!(
                                "no key \"{k}\" in {} record \"{}\" column {}",
                                table.name, a[2], col.name
                            ))
                        }
                        None => {}
                        Some(v) => v.to_text(&mut ctx.out.text),
                    }
                } else {
                    let s = d.to_text(&col.ty);
                    ctx.out.text.push_str(&s);
                }
                ctx.out.text.push('\n');
            }
        }
        "list" => {
            let table = resolve_table(ctx, &a[1])?;
            let cols = parse_column_names(&table, c.value("--columns"))?;
            let mut out = make_table(&cols);
            if a.len() > 2 {
                for rec in &a[2..] {
                    if let Some(u) = get_row(ctx, &table.name, rec, must_exist)? {
                        list_record(ctx, &table, &u, &cols, &mut out);
                    }
                }
            } else {
                for u in ctx.txn.uuids(&table.name) {
                    list_record(ctx, &table, &u, &cols, &mut out);
                }
            }
            ctx.out.table = Some(out);
        }
        "find" => {
            let table = resolve_table(ctx, &a[1])?;
            let cols = parse_column_names(&table, c.value("--columns"))?;
            for arg in &a[2..] {
                let (name, _) = parse_token(arg)?;
                if name.is_empty() {
                    return fatal(format!("{arg}: missing column name"));
                }
                get_column(&table, &name)?;
            }
            let mut out = make_table(&cols);
            'rows: for u in ctx.txn.uuids(&table.name) {
                for arg in &a[2..] {
                    if !check_condition(ctx, &table, &u, arg)? {
                        continue 'rows;
                    }
                }
                list_record(ctx, &table, &u, &cols, &mut out);
            }
            ctx.out.table = Some(out);
        }
        "set" => {
            let table = resolve_table(ctx, &a[1])?;
            pre_columns(&table, &a[3..])?;
            if let Some(u) = get_row(ctx, &table.name, &a[2], must_exist)? {
                for arg in &a[3..] {
                    set_column(ctx, &table, &u, arg)?;
                }
            }
        }
        "add" | "remove" => {
            let table = resolve_table(ctx, &a[1])?;
            let col = get_column(&table, &a[3])?;
            let Some(u) = get_row(ctx, &table.name, &a[2], must_exist)? else {
                return Ok(true);
            };
            check_mutable(ctx, &table, &u, &col)?;
            if a[0] == "add" {
                add(ctx, &table, &u, &col, &a[4..])?;
            } else {
                remove(ctx, &table, &u, &col, &a[4..])?;
            }
        }
        "clear" => {
            let table = resolve_table(ctx, &a[1])?;
            for arg in &a[3..] {
                get_column(&table, arg)?;
            }
            if let Some(u) = get_row(ctx, &table.name, &a[2], must_exist)? {
                for arg in &a[3..] {
                    let col = get_column(&table, arg)?;
                    check_mutable(ctx, &table, &u, &col)?;
                    if col.ty.n_min > 0 {
                        return fatal(format!(
                            "\"clear\" operation cannot be applied to column {} of table {}, which is not allowed to be empty",
                            col.name, table.name
                        ));
                    }
                    ctx.txn.write(&table.name, &u, &col.name, Datum::default());
                }
            }
        }
        "create" => create(ctx, c)?,
        "destroy" => {
            let table = resolve_table(ctx, &a[1])?;
            let all = c.has("--all");
            if all && a.len() > 2 {
                return fatal("--all and records argument should not be specified together");
            }
            if all && !must_exist {
                return fatal("--all and --if-exists should not be specified together");
            }
            if !all && a.len() == 2 {
                crate::warn(
                    "db_ctl_base",
                    "either --all or records argument should be specified",
                );
                return Ok(true);
            }
            if all {
                for u in ctx.txn.uuids(&table.name) {
                    ctx.txn.delete(&table.name, &u);
                }
            } else {
                for rec in &a[2..] {
                    if let Some(u) = get_row(ctx, &table.name, rec, must_exist)? {
                        ctx.txn.delete(&table.name, &u);
                    }
                }
            }
        }
        "wait-until" => {
            let table = resolve_table(ctx, &a[1])?;
            pre_columns(&table, &a[3..])?;
            let Some(u) = get_row(ctx, &table.name, &a[2], false)? else {
                ctx.try_again = true;
                return Ok(true);
            };
            for arg in &a[3..] {
                if !check_condition(ctx, &table, &u, arg)? {
                    ctx.try_again = true;
                    return Ok(true);
                }
            }
        }
        "show" => crate::show::show(ctx),
        _ => return Ok(false),
    }
    Ok(true)
}

fn pre_columns(table: &Table, args: &[String]) -> R<()> {
    for arg in args {
        let (name, _) = parse_token(arg)?;
        if name.is_empty() {
            return fatal(format!("{arg}: missing column name"));
        }
        get_column(table, &name)?;
    }
    Ok(())
}

fn add(ctx: &mut Ctx, table: &Table, u: &str, col: &Column, vals: &[String]) -> R<()> {
    let ty = &col.ty;
    let mut new = ctx.txn.get(&table.name, u, &col.name);
    for v in vals {
        let add_ty = Type {
            n_min: 1,
            n_max: u32::MAX,
            ..ty.clone()
        };
        let mut add = datum_from_string(&add_ty, v, &mut ctx.symtab)?;
        if ctx.last && ty.is_map() {
            // The last command writes partial map updates, which replace the values
            // of keys already present (OVS's IDL turns them into delete + insert).
            add.union(&new);
            new = add;
        } else {
            new.union(&add);
        }
    }
    if !ctx.last && new.len() as u64 > u64::from(ty.n_max) {
        return fatal(format!(
            "\"add\" operation would put {} {} in column {} of table {} but the maximum number is {}",
            new.len(),
            if ty.is_map() { "pairs" } else { "values" },
            col.name,
            table.name,
            ty.n_max
        ));
    }
    ctx.txn.verify(&table.name, u, &col.name);
    ctx.txn.write(&table.name, u, &col.name, new);
    Ok(())
}

fn remove(ctx: &mut Ctx, table: &Table, u: &str, col: &Column, vals: &[String]) -> R<()> {
    let ty = &col.ty;
    let mut old = ctx.txn.get(&table.name, u, &col.name);
    for v in vals {
        let rm_ty = Type {
            n_min: 1,
            n_max: u32::MAX,
            ..ty.clone()
        };
        let rm = match datum_from_string(&rm_ty, v, &mut ctx.symtab) {
            Ok(d) => d,
            Err(e) if ty.is_map() => {
                let _ = e;
                let keys_ty = Type {
                    value: None,
                    ..rm_ty.clone()
                };
                datum_from_string(&keys_ty, v, &mut ctx.symtab)?
            }
            Err(e) => return Err(Fail::Fatal(e)),
        };
        old.subtract(&rm);
    }
    if (old.len() as u64) < u64::from(ty.n_min) {
        return fatal(format!(
            "\"remove\" operation would put {} {} in column {} of table {} but the minimum number is {}",
            old.len(),
            if ty.is_map() { "pairs" } else { "values" },
            col.name,
            table.name,
            ty.n_min
        ));
    }
    ctx.txn.verify(&table.name, u, &col.name);
    ctx.txn.write(&table.name, u, &col.name, old);
    Ok(())
}

fn create(ctx: &mut Ctx, c: &Command) -> R<()> {
    let table = resolve_table(ctx, &c.args[1])?;
    let id = c.value("--id");
    let mut uuid = None;
    if let Some(id) = id {
        if let Some(u) = parse_uuid(id) {
            uuid = Some(u);
        } else {
            if !id.starts_with('@') {
                return fatal(format!("row id \"{id}\" does not begin with \"@\""));
            }
            let sym = ctx.symtab.insert(id);
            if sym.created {
                return fatal(format!(
                    "row id \"{id}\" may only be specified on one --id option"
                ));
            }
            sym.created = true;
            if table.is_root {
                sym.strong_ref = true;
            }
            uuid = Some(sym.uuid.clone());
        }
    }
    let u = ctx.txn.insert(&table.name, uuid);
    for arg in &c.args[2..] {
        set_column(ctx, &table, &u, arg)?;
    }
    ctx.out.text = u;
    Ok(())
}
