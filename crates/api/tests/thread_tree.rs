#![allow(clippy::unwrap_used)]
//! A thread's messages come in date order, each with its place in the reply tree (JWZ over
//! References/In-Reply-To): depth and the message it answers.

use std::sync::Arc;
use switchboard_api::dto::ListThreadsArgs;
use switchboard_api::Api;
use switchboard_secrets::MemoryStore;

fn mail(id: &str, refs: &[&str], day: u32) -> String {
    let mut m = format!(
        "From a@x Tue Nov  3 10:00:00 2026\nMessage-ID: <{id}>\nFrom: Ann <ann@x.example>\nSubject: Plan\nDate: {day:02} Nov 2026 10:00:00 +0000\n"
    );
    if let Some(last) = refs.last() {
        let all: Vec<String> = refs.iter().map(|r| format!("<{r}>")).collect();
        m.push_str(&format!(
            "In-Reply-To: <{last}>\nReferences: {}\n",
            all.join(" ")
        ));
    }
    m.push_str("\nbody\n\n");
    m
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_know_their_depth_and_parent() {
    let dir = tempfile::tempdir().unwrap();
    let mbox = dir.path().join("in.mbox");
    // root (1) <- a (2) <- b (4); root <- c (3); d (5) answers a message we never got,
    // which itself answered root.
    let text = [
        mail("root@x", &[], 1),
        mail("a@x", &["root@x"], 2),
        mail("c@x", &["root@x"], 3),
        mail("b@x", &["root@x", "a@x"], 4),
        mail("d@x", &["root@x", "missing@x"], 5),
    ]
    .concat();
    std::fs::write(&mbox, text).unwrap();
    let api = Api::open(&dir.path().join("data"), Arc::new(MemoryStore::new()))
        .await
        .unwrap();
    api.import_mbox(&mbox, "Work").await.unwrap();
    let page = api
        .list_threads(ListThreadsArgs {
            account_id: None,
            offset: 0,
            limit: 10,
            folder_id: None,
            role: None,
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let thread = api.get_thread(page.items[0].id).await.unwrap();
    let by_mid = |mid: &str| {
        thread
            .messages
            .iter()
            .find(|m| m.message_id.as_deref() == Some(mid))
            .unwrap()
    };
    let order: Vec<&str> = thread
        .messages
        .iter()
        .map(|m| m.message_id.as_deref().unwrap())
        .collect();
    assert_eq!(order, ["root@x", "a@x", "c@x", "b@x", "d@x"], "date order");
    let root = by_mid("root@x").id;
    let a = by_mid("a@x").id;
    for (mid, depth, parent) in [
        ("root@x", 0, None),
        ("a@x", 1, Some(root)),
        ("c@x", 1, Some(root)),
        ("b@x", 2, Some(a)),
    ] {
        let m = by_mid(mid);
        assert_eq!((m.depth, m.parent_id), (Some(depth), parent), "{mid}");
    }
    // The missing message is a gap in the tree: d still sits below root.
    let d = by_mid("d@x");
    assert!(d.depth.unwrap() >= 1, "{:?}", d.depth);
}
