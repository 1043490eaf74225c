//! Durable storage in Open vSwitch's standalone database file format (ovsdb(5)):
//! a log of records, each `OVSDB JSON <length> <sha1>\n` followed by `<length>`
//! bytes of JSON and a newline. The first record is the schema, each later one a
//! transaction (`{"Table": {"uuid": row-or-null}, "_date": ms, "_is_diff": true}`).
//! `ovsdb-tool` reads files written here, and this reads files `ovsdb-tool` and
//! `ovsdb-server` write.
//!
//! A transaction's record is written and fsynced before the transaction is
//! acknowledged. On open, a torn or corrupt tail (a crash mid-write) is cut off at
//! the last complete record. Compaction writes schema plus one snapshot record to a
//! temporary file, fsyncs it and renames it over the log, so a crash at any moment
//! leaves either the old or the new file.
//!
//! Owned by the server's thread; nothing here is shared.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::db::{ChangeSet, Database, Row};
use crate::error::OvsdbError;
use crate::schema::{DatabaseSchema, COL_UUID};
use crate::sha1;
use crate::uuid::Uuid;
use crate::value::{Atom, Datum};

/// Storage errors.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A system call failed.
    #[error("{path}: {what}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not an OVSDB standalone database.
    #[error("{path}: {why}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// Another process (an `ovsdb-server`, `ovsdb-tool` or another rvs) holds the
    /// database's lock.
    #[error("{path}: database is locked by another process ({errno})")]
    Locked {
        /// The database file.
        path: PathBuf,
        /// What the lock call said.
        errno: nix::errno::Errno,
    },
    /// The schema record is not a valid schema.
    #[error("{path}: bad schema: {source}")]
    Schema {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: OvsdbError,
    },
}

/// Result of storage operations.
pub type Result<T> = std::result::Result<T, StorageError>;

fn io<'p>(path: &'p Path, what: &'static str) -> impl FnOnce(std::io::Error) -> StorageError + 'p {
    move |source| StorageError::Io {
        path: path.to_path_buf(),
        what,
        source,
    }
}

/// One record's bytes: header and body.
pub fn encode_record(json: &Value) -> Vec<u8> {
    let mut body = json.to_string().into_bytes();
    body.push(b'\n');
    let mut out = format!("OVSDB JSON {} {}\n", body.len(), sha1::hex(&body)).into_bytes();
    out.extend_from_slice(&body);
    out
}

/// Splits a file's bytes into records. Returns the parsed records and the length
/// of the valid prefix; anything after it is a torn or corrupt tail.
pub fn decode_records(data: &[u8]) -> (Vec<Value>, usize) {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let Some(nl) = data[pos..].iter().position(|b| *b == b'\n') else {
            break;
        };
        let Ok(header) = std::str::from_utf8(&data[pos..pos + nl]) else {
            break;
        };
        let parts: Vec<&str> = header.split(' ').collect();
        let [lead, magic, len, sum] = parts.as_slice() else {
            break;
        };
        if *lead != "OVSDB" || *magic != "JSON" || sum.len() != 40 {
            break;
        }
        let Ok(len) = len.parse::<usize>() else { break };
        let start = pos + nl + 1;
        let Some(end) = start.checked_add(len).filter(|e| *e <= data.len()) else {
            break;
        };
        let body = &data[start..end];
        if sha1::hex(body) != sum.to_ascii_lowercase() {
            break;
        }
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            break;
        };
        if !v.is_object() {
            break;
        }
        out.push(v);
        pos = end;
    }
    (out, pos)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The persistent columns of a row that differ from their defaults.
fn row_json_full(ts: &crate::schema::TableSchema, fields: &[Datum]) -> Value {
    let mut o = Map::new();
    for i in ts.user_columns() {
        let c = ts.column(i);
        if !c.ephemeral && !fields[i].is_default(&c.ty) {
            o.insert(c.name.clone(), fields[i].to_json());
        }
    }
    Value::Object(o)
}

/// The record of a change set, or None if nothing persistent changed.
pub fn changes_to_json(schema: &DatabaseSchema, cs: &ChangeSet) -> Option<Value> {
    let mut tables: Map<String, Value> = Map::new();
    for c in &cs.rows {
        let Some(ts) = schema.table(&c.table) else {
            continue;
        };
        let row = match (&c.old, &c.new) {
            (_, None) => Value::Null,
            (None, Some(new)) => row_json_full(ts, new),
            (Some(old), Some(new)) => {
                let mut o = Map::new();
                for i in ts.user_columns() {
                    let col = ts.column(i);
                    if !col.ephemeral && old[i] != new[i] {
                        o.insert(
                            col.name.clone(),
                            Datum::diff(&old[i], &new[i], &col.ty).to_json(),
                        );
                    }
                }
                if o.is_empty() {
                    continue;
                }
                Value::Object(o)
            }
        };
        tables
            .entry(c.table.clone())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .map(|t| t.insert(c.uuid.to_string(), row));
    }
    if tables.is_empty() {
        return None;
    }
    if !cs.comment.is_empty() {
        tables.insert("_comment".into(), json!(cs.comment.join("\n")));
    }
    tables.insert("_date".into(), json!(now_ms()));
    tables.insert("_is_diff".into(), json!(true));
    Some(Value::Object(tables))
}

/// Applies one transaction record to `db` (while loading).
fn apply_record(db: &mut Database, rec: &Value) -> std::result::Result<(), String> {
    let obj = rec
        .as_object()
        .ok_or("transaction record is not an object")?;
    let is_diff = obj
        .get("_is_diff")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let schema = db.schema.clone();
    for (tname, rows) in obj {
        if tname.starts_with('_') {
            continue;
        }
        let ts = schema
            .table(tname)
            .ok_or_else(|| format!("unknown table {tname}"))?;
        let rows = rows
            .as_object()
            .ok_or_else(|| format!("table {tname} is not an object"))?;
        let table = db.tables.entry(tname.clone()).or_default();
        for (u, row) in rows {
            let uuid = Uuid::parse(u).ok_or_else(|| format!("bad row UUID {u}"))?;
            if row.is_null() {
                table.rows.remove(&uuid);
                continue;
            }
            let cols = row
                .as_object()
                .ok_or_else(|| format!("row {u} is not an object"))?;
            let existed = table.rows.contains_key(&uuid);
            let r = table.rows.entry(uuid).or_insert_with(|| Row::new(ts, uuid));
            for (cname, v) in cols {
                let i = ts
                    .column_index(cname)
                    .ok_or_else(|| format!("unknown column {tname}.{cname}"))?;
                let ty = &ts.column(i).ty;
                if is_diff && existed {
                    let mut relaxed = ty.clone();
                    relaxed.min = 0;
                    relaxed.max = u32::MAX;
                    let d = Datum::from_json(v, &relaxed, None).map_err(|e| e.to_string())?;
                    r.fields[i].apply_diff(&d, ty);
                } else {
                    r.fields[i] = Datum::from_json(v, ty, None).map_err(|e| e.to_string())?;
                }
            }
            r.fields[COL_UUID] = Datum::single(Atom::Uuid(uuid));
        }
    }
    Ok(())
}

/// An open database file.
#[derive(Debug)]
pub struct Storage {
    path: PathBuf,
    file: File,
    /// Bytes in the file.
    size: u64,
    /// Size right after the last compaction (or open).
    base_size: u64,
    /// Transaction records since then.
    n_records: u64,
    _lock: nix::fcntl::Flock<File>,
}

/// The lock file Open vSwitch uses for a database (`.NAME.~lock~` beside it).
fn lock_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.~lock~"))
}

/// Locks the database against other writers: an `fcntl` write lock on OVS's lock
/// file (what `ovsdb-server` and `ovsdb-tool` take, so neither can open a database
/// rvs is serving, nor rvs one they are using), plus `flock` on the same file,
/// which also excludes a second opener within this process.
fn take_lock(path: &Path) -> Result<nix::fcntl::Flock<File>> {
    use std::os::fd::AsRawFd;
    let lp = lock_path(path);
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lp)
        .map_err(io(&lp, "open lock file"))?;
    let locked = |errno: nix::errno::Errno| StorageError::Locked {
        path: path.to_path_buf(),
        errno,
    };
    let f = nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusiveNonblock)
        .map_err(|(_, e)| locked(e))?;
    let lock = nix::libc::flock {
        l_type: nix::libc::F_WRLCK as i16,
        l_whence: nix::libc::SEEK_SET as i16,
        l_start: 0,
        l_len: 0,
        l_pid: 0,
    };
    nix::fcntl::fcntl(f.as_raw_fd(), nix::fcntl::FcntlArg::F_SETLK(&lock)).map_err(locked)?;
    Ok(f)
}

fn fsync_dir(path: &Path) {
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

impl Storage {
    /// Creates a database file holding only `schema` (like `ovsdb-tool create`).
    /// Fails if the file exists.
    pub fn create(path: &Path, schema: &DatabaseSchema) -> Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(io(path, "create"))?;
        f.write_all(&encode_record(&schema.to_json()))
            .map_err(io(path, "write"))?;
        f.sync_all().map_err(io(path, "fsync"))?;
        fsync_dir(path);
        Ok(())
    }

    /// Opens a database file and loads it, cutting off a torn tail.
    pub fn open(path: &Path) -> Result<(Storage, Database)> {
        let lock = take_lock(path)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(io(path, "open"))?;
        let mut data = Vec::new();
        file.read_to_end(&mut data).map_err(io(path, "read"))?;
        let (records, good) = decode_records(&data);
        let Some(schema_json) = records.first() else {
            return Err(StorageError::Format {
                path: path.to_path_buf(),
                why: "not an OVSDB standalone database (no schema record)".into(),
            });
        };
        let schema = DatabaseSchema::parse(schema_json).map_err(|source| StorageError::Schema {
            path: path.to_path_buf(),
            source,
        })?;
        let mut db = Database::new(Arc::new(schema));
        for r in &records[1..] {
            apply_record(&mut db, r).map_err(|why| StorageError::Format {
                path: path.to_path_buf(),
                why,
            })?;
        }
        db.recount_refs();
        if good < data.len() {
            log::warn!(
                "{}: {} bytes of an incomplete or corrupt record at offset {good} removed",
                path.display(),
                data.len() - good
            );
            file.set_len(good as u64).map_err(io(path, "truncate"))?;
            file.sync_all().map_err(io(path, "fsync"))?;
        }
        file.seek(SeekFrom::Start(good as u64))
            .map_err(io(path, "seek"))?;
        let s = Storage {
            path: path.to_path_buf(),
            file,
            size: good as u64,
            base_size: good as u64,
            n_records: records.len() as u64 - 1,
            _lock: lock,
        };
        Ok((s, db))
    }

    /// Opens `path`, creating it with `schema` first if it does not exist.
    pub fn open_or_create(path: &Path, schema: &DatabaseSchema) -> Result<(Storage, Database)> {
        if !path.exists() {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(io(dir, "create directory"))?;
            }
            Storage::create(path, schema)?;
        }
        Storage::open(path)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends the record of `cs` and fsyncs. Nothing is written when only
    /// ephemeral columns changed.
    pub fn commit(&mut self, schema: &DatabaseSchema, cs: &ChangeSet) -> Result<()> {
        let Some(rec) = changes_to_json(schema, cs) else {
            return Ok(());
        };
        let bytes = encode_record(&rec);
        if let Err(e) = self
            .file
            .write_all(&bytes)
            .and_then(|_| self.file.sync_data())
        {
            // Leave no partial record behind for the next commit to follow.
            let _ = self.file.set_len(self.size);
            let _ = self.file.seek(SeekFrom::Start(self.size));
            return Err(io(&self.path, "write")(e));
        }
        self.size += bytes.len() as u64;
        self.n_records += 1;
        Ok(())
    }

    /// Whether the log has grown enough that compacting pays off.
    pub fn should_compact(&self) -> bool {
        self.n_records >= 100 && self.size > self.base_size.saturating_mul(4).max(1 << 20)
    }

    /// Rewrites the file as the schema plus one snapshot of `db`.
    pub fn compact(&mut self, db: &Database) -> Result<()> {
        let tmp = self.path.with_extension("tmp~");
        let mut snap = Map::new();
        for (tname, t) in &db.tables {
            let Some(ts) = db.schema.table(tname) else {
                continue;
            };
            if t.rows.is_empty() {
                continue;
            }
            let rows: Map<String, Value> = t
                .rows
                .iter()
                .map(|(u, r)| (u.to_string(), row_json_full(ts, &r.fields)))
                .collect();
            snap.insert(tname.clone(), Value::Object(rows));
        }
        snap.insert("_comment".into(), json!("compacting database online"));
        snap.insert("_date".into(), json!(now_ms()));
        snap.insert("_is_diff".into(), json!(true));
        let mut bytes = encode_record(&db.schema.to_json());
        bytes.extend(encode_record(&Value::Object(snap)));
        {
            let mut f = File::create(&tmp).map_err(io(&tmp, "create"))?;
            f.write_all(&bytes).map_err(io(&tmp, "write"))?;
            f.sync_all().map_err(io(&tmp, "fsync"))?;
        }
        std::fs::rename(&tmp, &self.path).map_err(io(&self.path, "rename"))?;
        fsync_dir(&self.path);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.path)
            .map_err(io(&self.path, "reopen"))?;
        file.seek(SeekFrom::End(0))
            .map_err(io(&self.path, "seek"))?;
        self.file = file;
        self.size = bytes.len() as u64;
        self.base_size = self.size;
        self.n_records = 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::VSWITCH_SCHEMA;

    #[test]
    fn records_round_trip_and_torn_tails_are_cut() {
        let a = encode_record(&json!({"a": 1}));
        let b = encode_record(&json!({"b": [1, 2]}));
        let mut data = a.clone();
        data.extend_from_slice(&b);
        let (recs, good) = decode_records(&data);
        assert_eq!(recs.len(), 2);
        assert_eq!(good, data.len());
        for cut in 1..b.len() {
            let (recs, good) = decode_records(&data[..a.len() + cut]);
            assert_eq!((recs.len(), good), (1, a.len()), "cut {cut}");
        }
        let mut bad = data.clone();
        let n = bad.len();
        bad[n - 3] ^= 1;
        assert_eq!(decode_records(&bad).0.len(), 1);
    }

    #[test]
    fn create_open_and_compact() {
        let dir = std::env::temp_dir().join(format!("rvs-ovsdb-storage-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("conf.db");
        let schema = DatabaseSchema::parse(&serde_json::from_str(VSWITCH_SCHEMA).unwrap()).unwrap();
        let (mut st, db) = Storage::open_or_create(&path, &schema).unwrap();
        assert!(db.tables["Open_vSwitch"].rows.is_empty());
        // A second opener is refused while the first holds the file.
        assert!(Storage::open(&path).is_err());
        let ops = json!([{"op": "insert", "table": "Open_vSwitch", "row": {"next_cfg": 3}}]);
        struct NoLocks;
        impl crate::execute::SessionView for NoLocks {
            fn holds_lock(&self, _: &str) -> bool {
                false
            }
        }
        let mut db = db;
        let crate::execute::Outcome::Done {
            changes: Some(cs), ..
        } = crate::execute::transact(&db, ops.as_array().unwrap(), &NoLocks, 0)
        else {
            panic!("insert failed")
        };
        st.commit(&db.schema, &cs).unwrap();
        db.apply(&cs);
        st.compact(&db).unwrap();
        drop(st);
        let (_, again) = Storage::open(&path).unwrap();
        let row = again.tables["Open_vSwitch"].rows.values().next().unwrap();
        let ts = again.schema.table("Open_vSwitch").unwrap();
        assert_eq!(
            row.fields[ts.column_index("next_cfg").unwrap()].to_json(),
            json!(3)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
