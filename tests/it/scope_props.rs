//! Property: on random trees, with an admin placed anywhere, every read and every write
//! through the real router succeeds exactly inside the admin's subtree.

use proptest::prelude::*;
use serde_json::json;

use crate::harness::{spawn, volunteer_body};

/// A random tree: node i > 0 hangs under an earlier node.
fn arb_tree() -> impl Strategy<Value = (Vec<usize>, usize)> {
    (3usize..10)
        .prop_flat_map(|n| {
            (
                proptest::collection::vec(any::<prop::sample::Index>(), n - 1),
                0..n,
            )
        })
        .prop_map(|(picks, admin_at)| {
            let parents: Vec<usize> = picks
                .iter()
                .enumerate()
                .map(|(i, ix)| ix.index(i + 1))
                .collect();
            (parents, admin_at)
        })
}

fn is_descendant(parents: &[usize], node: usize, ancestor: usize) -> bool {
    let mut n = node;
    loop {
        if n == ancestor {
            return true;
        }
        if n == 0 {
            return false;
        }
        n = parents[n - 1];
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn admins_act_exactly_within_their_subtree((parents, admin_at) in arb_tree()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let t = spawn().await;
            // Units may nest under units to any depth: a tree of any shape.
            let mut ids = vec![t.org(&t.root, "根", "county", None).await];
            for (i, p) in parents.iter().enumerate() {
                let id = t.org(&t.root, &format!("节点{}", i + 1), "unit", Some(&ids[*p])).await;
                ids.push(id);
            }
            let mut vols = Vec::new();
            for (i, org) in ids.iter().enumerate() {
                let name = format!("志愿者{}", "甲乙丙丁戊己庚辛壬癸子丑".chars().nth(i).unwrap());
                vols.push(t.volunteer(&t.root, &name, org, i as u32 + 1).await);
            }
            let admin = t.account(&t.root, "scoped", "admin", &ids[admin_at]).await;
            let inside = |n: usize| is_descendant(&parents, n, admin_at);
            for n in 0..ids.len() {
                let org = t.get(&format!("/api/v1/orgs/{}", ids[n]), &admin).await;
                assert_eq!(org.status.as_u16() == 200, inside(n), "org {n} (admin at {admin_at}, tree {parents:?})");
                let v = t.get(&format!("/api/v1/volunteers/{}", vols[n]), &admin).await;
                assert_eq!(v.status.as_u16() == 200, inside(n), "volunteer {n}");
                let child = t
                    .post("/api/v1/orgs", &admin, json!({"name": format!("新{n}"), "level": "unit", "parent_id": ids[n]}))
                    .await;
                assert_eq!(child.status.as_u16() == 201, inside(n), "create under {n}: {}", child.text);
                let reg = t.post("/api/v1/volunteers", &admin, volunteer_body("新来的", &ids[n], 500 + n as u32)).await;
                assert_eq!(reg.status.as_u16() == 201, inside(n), "register at {n}: {}", reg.text);
            }
            let list = t.get("/api/v1/volunteers?per_page=200", &admin).await.expect(200);
            let expected = (0..ids.len()).filter(|n| inside(*n)).count() * 2;
            assert_eq!(list.body["total"], expected as i64);
        });
    }
}
