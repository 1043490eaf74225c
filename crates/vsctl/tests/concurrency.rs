//! A transaction built on a snapshot that another client changed meanwhile must be
//! refused by the server (the `wait` on the columns read fails), so rvs-vsctl runs its
//! commands again instead of overwriting the other client's change.

mod common;

use std::path::Path;
use std::rc::Rc;

use common::{rvs_vsctl, Server};
use rvs_vsctl::client::Client;
use rvs_vsctl::data::{Atom, Datum};
use rvs_vsctl::schema::Schema;
use rvs_vsctl::txn::{Snapshot, Txn};
use serde_json::{json, Value};

fn snapshot(c: &mut Client, schema: &Schema) -> Snapshot {
    let names: Vec<String> = schema.tables.keys().cloned().collect();
    let mut params = vec![json!("Open_vSwitch")];
    params.extend(
        names
            .iter()
            .map(|t| json!({"op": "select", "table": t, "where": []})),
    );
    let Ok(Value::Array(res)) = c.call("transact", params) else {
        panic!("select failed");
    };
    Snapshot::from_selects(schema, &names, &res).expect("snapshot")
}

#[test]
fn stale_snapshot_is_refused_and_nothing_is_clobbered() {
    let server = Server::start("race");
    let ovs = Path::new("ovs-vsctl");
    let run = |prog: &Path, args: &[&str]| {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let out = server.run(prog, &args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(ovs, &["--no-wait", "add-br", "br0"]);

    let sock = format!("unix:{}/db.sock", server.dir.display());
    let mut client = Client::connect(&sock).expect("connect");
    let Ok(schema_json) = client.call("get_schema", vec![json!("Open_vSwitch")]) else {
        panic!("get_schema");
    };
    let schema = Rc::new(Schema::parse(&schema_json).expect("schema"));
    let snap = snapshot(&mut client, &schema);
    let mut txn = Txn::new((*schema).clone(), snap);
    let root = txn.uuids("Open_vSwitch")[0].clone();
    // What add-br does: read the bridge list (verify), then write it with one more.
    txn.verify("Open_vSwitch", &root, "bridges");
    let br = txn.insert("Bridge", None);
    txn.write(
        "Bridge",
        &br,
        "name",
        Datum::scalar(Atom::String("br1".into())),
    );
    let mut bridges = txn.get("Open_vSwitch", &root, "bridges");
    bridges.keys.push(Atom::Uuid(br));
    bridges.sort();
    txn.write("Open_vSwitch", &root, "bridges", bridges);

    // Another client adds a bridge after our snapshot.
    run(ovs, &["--no-wait", "add-br", "br2"]);

    let ops = txn.ops(None, "race test", false);
    let mut params = vec![json!("Open_vSwitch")];
    params.extend(ops.ops);
    let Ok(Value::Array(res)) = client.call("transact", params) else {
        panic!("transact");
    };
    assert_eq!(res[0]["error"], json!("timed out"), "{res:?}");

    // rvs-vsctl itself retries on such a refusal; the end result keeps every bridge.
    run(&rvs_vsctl(), &["--no-wait", "add-br", "br1"]);
    assert_eq!(run(ovs, &["--no-wait", "list-br"]), "br0\nbr1\nbr2\n");
}
