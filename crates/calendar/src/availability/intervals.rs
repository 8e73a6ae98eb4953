//! Sets of instants as sorted, disjoint, half-open `[start, end)` spans of Unix seconds.
//! Every operation is one linear sweep over already sorted input, so a query costs
//! O(events log events) for the initial sort and O(events) after that.

/// A half-open span of Unix seconds.
pub(crate) type Span = (i64, i64);

/// Sorts and merges spans; touching spans (`a.end == b.start`) become one, empty ones go.
pub(crate) fn normalize(mut spans: Vec<Span>) -> Vec<Span> {
    spans.retain(|s| s.1 > s.0);
    spans.sort_unstable();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        match out.last_mut() {
            Some(last) if s.0 <= last.1 => last.1 = last.1.max(s.1),
            _ => out.push(s),
        }
    }
    out
}

/// The instants in both sets (inputs normalized).
pub(crate) fn intersect(a: &[Span], b: &[Span]) -> Vec<Span> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let start = a[i].0.max(b[j].0);
        let end = a[i].1.min(b[j].1);
        if start < end {
            out.push((start, end));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// The instants of `a` not in `b` (inputs normalized).
pub(crate) fn subtract(a: &[Span], b: &[Span]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut j = 0;
    for &(start, end) in a {
        let mut cur = start;
        while j < b.len() && b[j].1 <= cur {
            j += 1;
        }
        let mut k = j;
        while k < b.len() && b[k].0 < end {
            if b[k].0 > cur {
                out.push((cur, b[k].0));
            }
            cur = cur.max(b[k].1);
            if cur >= end {
                break;
            }
            k += 1;
        }
        if cur < end {
            out.push((cur, end));
        }
    }
    out
}

/// Total length in seconds.
pub(crate) fn total(spans: &[Span]) -> i64 {
    spans.iter().map(|s| s.1 - s.0).sum()
}

/// Whether some span of the normalized set contains all of `[start, end)`.
pub(crate) fn contains(spans: &[Span], start: i64, end: i64) -> bool {
    let idx = spans.partition_point(|s| s.1 < end);
    spans.get(idx).is_some_and(|s| s.0 <= start && end <= s.1)
}

/// Whether any span of the normalized set overlaps `[start, end)`.
pub(crate) fn overlaps(spans: &[Span], start: i64, end: i64) -> bool {
    let idx = spans.partition_point(|s| s.1 <= start);
    spans.get(idx).is_some_and(|s| s.0 < end)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn set_operations() {
        let a = normalize(vec![(10, 20), (0, 5), (5, 7), (30, 40), (3, 3)]);
        assert_eq!(a, vec![(0, 7), (10, 20), (30, 40)]);
        let b = vec![(4, 12), (15, 16), (35, 50)];
        assert_eq!(
            intersect(&a, &b),
            vec![(4, 7), (10, 12), (15, 16), (35, 40)]
        );
        assert_eq!(subtract(&a, &b), vec![(0, 4), (12, 15), (16, 20), (30, 35)]);
        assert_eq!(subtract(&a, &[]), a);
        assert_eq!(total(&a), 27);
        assert!(contains(&a, 10, 20));
        assert!(!contains(&a, 6, 11));
        assert!(overlaps(&a, 6, 11));
        assert!(!overlaps(&a, 7, 10));
        assert!(!overlaps(&a, 20, 30));
    }
}
