//! The reply tree of one thread, for display: Jamie Zawinski's threading algorithm
//! (<https://www.jwz.org/doc/threading.html>) over Message-ID and References.
//!
//! The store decides which messages form a thread (connected references, then the
//! subject fallback); this module only arranges one thread's messages into parents and
//! children. It is pure: no I/O, and the same messages in any order give the same tree.
//!
//! How the description's steps map here:
//! - Step 1: every message gets a container, keyed by Message-ID; each References chain
//!   links its containers parent → child where no link exists yet, and a message's own
//!   parent is the last reference, replacing a parent guessed from other messages'
//!   chains. A link that would close a loop is not made. Referenced ids we do not hold
//!   stay empty ("dummy") containers.
//! - Steps 2–4: containers without a parent are the roots. Empty containers without
//!   children are dropped; an empty container's children move up to its place, except
//!   that an empty root with several children stays, so siblings of a missing parent
//!   stay together.
//! - Step 5, grouping roots by subject, is skipped: the store already did it.
//!
//! Output has messages only. Children of a kept empty root become roots themselves
//! (`parent: None`, depth 0), ordered as a group at the date of their oldest member.
//! Siblings are ordered by date, then id. A second message with a Message-ID already
//! taken is threaded as if it had none, so neither copy is lost; messages are taken in
//! (date, id) order, which makes "second" independent of the input order.

use std::collections::HashMap;

/// One message of a thread, as threading needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeInput {
    /// The caller's message id (e.g. the store's row id), handed back in [`TreeNode`].
    pub id: i64,
    pub message_id: Option<String>,
    /// References in header order, then In-Reply-To if it is not already the last one.
    pub references: Vec<String>,
    /// Milliseconds since the epoch.
    pub date: i64,
}

/// One message in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeNode {
    pub id: i64,
    /// The message this one replies to, if it is in the thread.
    pub parent: Option<i64>,
    /// Number of ancestors shown above it (0 for a root).
    pub depth: u32,
}

#[derive(Debug, Default)]
struct Container {
    /// Index into the sorted input; `None` for a message we only know from references.
    message: Option<usize>,
    parent: Option<usize>,
    children: Vec<usize>,
}

/// Containers and the Message-ID table of step 1.
#[derive(Default)]
struct Forest {
    nodes: Vec<Container>,
    by_id: HashMap<String, usize>,
}

impl Forest {
    fn fresh(&mut self) -> usize {
        self.nodes.push(Container::default());
        self.nodes.len() - 1
    }

    fn for_id(&mut self, id: &str) -> usize {
        if let Some(&c) = self.by_id.get(id) {
            return c;
        }
        let c = self.fresh();
        self.by_id.insert(id.to_owned(), c);
        c
    }

    /// Whether `a` is `b` or one of its ancestors.
    fn is_ancestor_or_self(&self, a: usize, b: usize) -> bool {
        let mut cur = Some(b);
        // Links never form a loop, so the walk ends; the bound is a second guard.
        for _ in 0..=self.nodes.len() {
            match cur {
                Some(c) if c == a => return true,
                Some(c) => cur = self.nodes[c].parent,
                None => return false,
            }
        }
        true
    }

    fn unlink(&mut self, child: usize) {
        if let Some(p) = self.nodes[child].parent.take() {
            self.nodes[p].children.retain(|&c| c != child);
        }
    }

    /// Makes `parent` the parent of `child` unless that would close a loop.
    fn link(&mut self, parent: usize, child: usize) {
        if self.is_ancestor_or_self(child, parent) {
            return;
        }
        self.unlink(child);
        self.nodes[child].parent = Some(parent);
        self.nodes[parent].children.push(child);
    }
}

/// Arranges one thread's messages into display order: each root followed by its replies,
/// depth first.
pub fn arrange(messages: &[TreeInput]) -> Vec<TreeNode> {
    let mut sorted: Vec<&TreeInput> = messages.iter().collect();
    sorted.sort_by_key(|m| (m.date, m.id));

    // Step 1: containers and links.
    let mut forest = Forest::default();
    for (i, m) in sorted.iter().enumerate() {
        let own = match m.message_id.as_deref() {
            Some(id) => {
                let c = forest.for_id(id);
                if forest.nodes[c].message.is_some() {
                    forest.fresh() // a duplicate Message-ID: thread it as having none
                } else {
                    c
                }
            }
            None => forest.fresh(),
        };
        forest.nodes[own].message = Some(i);

        let refs: Vec<usize> = m
            .references
            .iter()
            .filter(|r| Some(r.as_str()) != m.message_id.as_deref())
            .map(|r| forest.for_id(r))
            .collect();
        for pair in refs.windows(2) {
            let (parent, child) = (pair[0], pair[1]);
            if forest.nodes[child].parent.is_none() {
                forest.link(parent, child);
            }
        }
        // The message's own references are the best word on its parent.
        match refs.last() {
            Some(&parent) => forest.link(parent, own),
            None => forest.unlink(own),
        }
    }

    // Steps 2–4: roots, then prune empty containers bottom-up.
    let roots: Vec<usize> = (0..forest.nodes.len())
        .filter(|&c| forest.nodes[c].parent.is_none())
        .collect();
    let order = post_order(&forest, &roots);
    for &c in &order {
        let children = std::mem::take(&mut forest.nodes[c].children);
        let mut kept = Vec::with_capacity(children.len());
        for child in children {
            if forest.nodes[child].message.is_some() {
                kept.push(child);
            } else {
                // Below a root, an empty container always gives way to its children.
                kept.append(&mut forest.nodes[child].children);
            }
        }
        for &k in &kept {
            forest.nodes[k].parent = Some(c);
        }
        forest.nodes[c].children = kept;
    }
    let mut top: Vec<usize> = Vec::with_capacity(roots.len());
    for r in roots {
        let node = &mut forest.nodes[r];
        if node.message.is_some() || node.children.len() > 1 {
            top.push(r);
        } else if let Some(only) = node.children.pop() {
            forest.nodes[only].parent = None;
            top.push(only);
        }
    }

    // Sort siblings by date then id; an empty root sorts at its oldest child.
    let order = post_order(&forest, &top);
    let mut key: Vec<(i64, i64)> = vec![(i64::MAX, i64::MAX); forest.nodes.len()];
    for &c in &order {
        let node = &forest.nodes[c];
        key[c] = match node.message {
            Some(i) => (sorted[i].date, sorted[i].id),
            None => node
                .children
                .iter()
                .map(|&k| key[k])
                .min()
                .unwrap_or((i64::MAX, i64::MAX)),
        };
    }
    for &c in &order {
        let mut children = std::mem::take(&mut forest.nodes[c].children);
        children.sort_by_key(|&k| key[k]);
        forest.nodes[c].children = children;
    }
    top.sort_by_key(|&k| key[k]);

    // Depth-first output; empty roots are invisible.
    let mut out = Vec::with_capacity(sorted.len());
    let mut stack: Vec<(usize, Option<i64>, u32)> =
        top.iter().rev().map(|&c| (c, None, 0)).collect();
    while let Some((c, parent, depth)) = stack.pop() {
        let node = &forest.nodes[c];
        let (below_parent, below_depth) = match node.message {
            Some(i) => {
                let id = sorted[i].id;
                out.push(TreeNode { id, parent, depth });
                (Some(id), depth + 1)
            }
            None => (parent, depth),
        };
        for &k in node.children.iter().rev() {
            stack.push((k, below_parent, below_depth));
        }
    }
    out
}

/// Containers below `roots`, children before their parents.
fn post_order(forest: &Forest, roots: &[usize]) -> Vec<usize> {
    let mut out = Vec::with_capacity(forest.nodes.len());
    let mut stack: Vec<(usize, bool)> = roots.iter().map(|&r| (r, false)).collect();
    while let Some((c, expanded)) = stack.pop() {
        if expanded {
            out.push(c);
        } else {
            stack.push((c, true));
            stack.extend(forest.nodes[c].children.iter().map(|&k| (k, false)));
        }
    }
    out
}
