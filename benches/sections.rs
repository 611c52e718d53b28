//! RESULTS.md is written by several benchmarks: each owns one `## ` section
//! (the cog_block table owns the part before the first one) and replaces
//! only that.

/// `text` with the section headed `heading` (a `## ` line) replaced by
/// `body` (which starts with that heading), or appended when absent.
pub fn replace_section(text: &str, heading: &str, body: &str) -> String {
    let marker = format!("\n{heading}\n");
    let body = body.trim_end();
    match text.find(&marker) {
        Some(start) => {
            let after = start + marker.len();
            let end = text[after..]
                .find("\n## ")
                .map_or(text.len(), |k| after + k);
            let head = text[..start].trim_end_matches('\n');
            format!("{head}\n\n{body}\n{}", &text[end..])
        }
        None => format!("{}\n\n{body}\n", text.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_only_its_section() {
        let t = "# R\n\ntable\n\n## A\n\na1\n\n## B\n\nb1\n";
        let r = super::replace_section(t, "## A", "## A\n\na2");
        assert_eq!(r, "# R\n\ntable\n\n## A\n\na2\n\n## B\n\nb1\n");
        let r = super::replace_section(t, "## C", "## C\n\nc");
        assert!(r.ends_with("## B\n\nb1\n\n## C\n\nc\n"));
    }
}
