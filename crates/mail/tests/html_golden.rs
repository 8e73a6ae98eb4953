#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! Golden corpus for the HTML sanitiser: every `tests/html/<case>.html` is sanitised
//! twice, with the sender's remote content blocked and allowed, and compared with
//! `<case>.blocked.out.html` and `<case>.allowed.out.html`. Each expected file starts
//! with a comment line holding the counts. On a mismatch the actual output is written
//! to `<case>.<mode>.actual.html`, so the difference is one `diff` away;
//! `UPDATE_GOLDEN=1` rewrites the expected files.
//!
//! `cid:` images resolve through a fixed table, as the reading pane's resolver would
//! for a message with those parts.

use std::path::{Path, PathBuf};
use switchboard_mail::{sanitize_html_with, InlineImage, SanitizeOptions};

fn inline_image(cid: &str) -> InlineImage {
    match cid {
        "floorplan@acme.test" => InlineImage::Data("data:image/png;base64,iVBORw0KGgo=".into()),
        "logo@acme.test" => InlineImage::Data("data:image/png;base64,TE9HTw==".into()),
        "huge-scan@acme.test" => InlineImage::Unavailable(
            "scan.tiff (7.0 MB) is too large to show here; it is listed with the attachments"
                .into(),
        ),
        "notes@acme.test" => InlineImage::Unavailable(
            "notes.txt is not an image; it is listed with the attachments".into(),
        ),
        _ => InlineImage::Unavailable("inline image missing from the message".into()),
    }
}

fn render(input: &str, allow_remote: bool) -> String {
    let out = sanitize_html_with(
        input,
        &SanitizeOptions {
            allow_remote,
            inline_images: Some(&inline_image),
        },
    );
    format!(
        "<!-- blocked_remote={} trackers_removed={} inlined_cids={:?} -->\n{}\n",
        out.blocked_remote, out.trackers_removed, out.inlined_cids, out.html
    )
}

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/html");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(".html") && !name.contains(".out.") && !name.contains(".actual.")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn html_corpus_matches_expected_output() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    let files = cases();
    assert!(files.len() >= 8, "the corpus went missing: {files:?}");
    for input_path in files {
        let input = std::fs::read_to_string(&input_path).unwrap();
        for (mode, allow) in [("blocked", false), ("allowed", true)] {
            let actual = render(&input, allow);
            let expected_path = input_path.with_extension(format!("{mode}.out.html"));
            let actual_path = input_path.with_extension(format!("{mode}.actual.html"));
            if update {
                std::fs::write(&expected_path, &actual).unwrap();
                continue;
            }
            match std::fs::read_to_string(&expected_path) {
                Ok(expected) if expected == actual => {
                    let _ = std::fs::remove_file(&actual_path);
                }
                _ => {
                    std::fs::write(&actual_path, &actual).unwrap();
                    failures.push(format!(
                        "diff {} {}",
                        expected_path.display(),
                        actual_path.display()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "sanitised output differs (UPDATE_GOLDEN=1 accepts it):\n{}",
        failures.join("\n")
    );
}

/// Whatever the mode, nothing in any output can run script or reach a server the user
/// did not allow.
#[test]
fn no_output_can_run_script_or_load_unasked() {
    for input_path in cases() {
        let input = std::fs::read_to_string(&input_path).unwrap();
        let blocked = render(&input, false).to_ascii_lowercase();
        let allowed = render(&input, true).to_ascii_lowercase();
        for out in [&blocked, &allowed] {
            for bad in [
                "<script",
                "onerror",
                "onload",
                "onmouseover",
                "javascript:",
                "<iframe",
                "<object",
                "<form",
                "<meta",
                "<base",
                "<link",
                "<style",
                "@import",
                "track/open",
                "sidekickopen",
                "awstrack",
                "mailtrack.io",
                "/wf/open",
                "google-analytics",
            ] {
                assert!(
                    !out.contains(bad),
                    "{}: {bad:?} in {out}",
                    input_path.display()
                );
            }
            // Remote loads are https, or there are none.
            assert!(!out.contains("src=\"http:"), "{}", input_path.display());
            assert!(!out.contains("src=\"//"), "{}", input_path.display());
        }
        for needle in ["src=\"https:", "url(\"https:", "background=\"https:"] {
            assert!(
                !blocked.contains(needle),
                "{}: {needle} while blocked",
                input_path.display()
            );
        }
    }
}
