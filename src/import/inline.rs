//! Inline content: the visible text and links of a heading, cell or prose line.
//!
//! Block structure is read by [`super::lines`]; only inline Markdown goes through
//! `pulldown-cmark`, wrapped as a one-cell GFM table so that block syntax at the start of a
//! cell (`1.`, `-`, `#`) stays text.
//!
//! Invariant: text without any markup character comes back exactly as given (trimmed), so
//! activity text stays verbatim.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::model::Link;

/// Visible text of a piece of inline Markdown, and its links.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Inline {
    pub(super) text: String,
    pub(super) links: Vec<Link>,
    /// The whole visible text is emphasised (`**x**`, `_x_`, `<b>x</b>`, `<strong>x</strong>`):
    /// a row whose only cell is emphasised is a heading, not an activity.
    pub(super) emphasised: bool,
}

/// Characters that may start inline markup; text without any is returned verbatim.
const MARKUP: &[char] = &['*', '_', '[', ']', '`', '<', '\\', '&', '!', '{', '~', '|'];

/// Reads inline Markdown as a GFM table cell (so that block syntax stays text) and returns
/// the visible text, trimmed, with links reduced to their text and `{.attr}` blocks after a
/// link dropped. HTML comments are not content (dropped, so no letter is read out of
/// `<!-- markdownlint-disable-line -->`); the emphasis tags `<b>`, `<strong>`, `<i>`, `<em>`
/// are markup like `**`; `<br>` is read as a space; other inline HTML is kept verbatim.
pub(super) fn inline(raw: &str) -> Inline {
    let raw = raw.trim();
    if !raw.contains(MARKUP) {
        return Inline {
            text: raw.to_owned(),
            links: vec![],
            emphasised: false,
        };
    }
    // Escape bare pipes (they would split the synthetic cell) and keep a trailing backslash
    // from escaping the closing pipe.
    let mut cell = String::with_capacity(raw.len() + 8);
    let mut escaped = false;
    for c in raw.chars() {
        if c == '|' && !escaped {
            cell.push('\\');
        }
        escaped = c == '\\' && !escaped;
        cell.push(c);
    }
    if escaped {
        cell.push(' ');
    }
    let doc = format!("|{cell}|\n|---|\n");
    let mut text = String::new();
    let mut links = Vec::new();
    let mut open_links: Vec<(String, usize)> = Vec::new();
    let mut link_ends = Vec::new();
    let mut in_cell = false;
    let mut seen_cell = false;
    // Emphasis depth (Markdown and HTML), and whether visible text was met outside it.
    let (mut depth, mut plain, mut shown) = (0usize, false, false);
    for event in Parser::new_ext(&doc, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::TableCell) => {
                in_cell = true;
                seen_cell = true;
            }
            Event::End(TagEnd::TableCell) => break,
            _ if !in_cell => {}
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                if !t.trim().is_empty() {
                    shown = true;
                    plain |= depth == 0;
                }
                text.push_str(&t)
            }
            Event::Start(Tag::Strong | Tag::Emphasis) => depth += 1,
            Event::End(TagEnd::Strong | TagEnd::Emphasis) => depth = depth.saturating_sub(1),
            Event::InlineHtml(h) | Event::Html(h) => {
                if is_br(&h) {
                    text.push(' ');
                } else if h.trim_start().starts_with("<!--") {
                    // A comment is not content.
                } else if let Some(open) = emphasis_tag(&h) {
                    if open {
                        depth += 1;
                    } else {
                        depth = depth.saturating_sub(1);
                    }
                } else {
                    shown = true;
                    plain |= depth == 0;
                    text.push_str(&h);
                }
            }
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::FootnoteReference(r) => {
                text.push_str("[^");
                text.push_str(&r);
                text.push(']');
            }
            Event::TaskListMarker(done) => text.push_str(if done { "[x] " } else { "[ ] " }),
            Event::Start(Tag::Link { dest_url, .. }) => {
                open_links.push((dest_url.to_string(), text.len()))
            }
            Event::End(TagEnd::Link) => {
                if let Some((url, start)) = open_links.pop() {
                    let link_text = text.get(start..).unwrap_or("").trim().to_owned();
                    links.push(Link {
                        text: link_text,
                        url,
                    });
                    link_ends.push(text.len());
                }
            }
            _ => {}
        }
    }
    if !seen_cell {
        return Inline {
            text: raw.to_owned(),
            links: vec![],
            emphasised: false,
        };
    }
    // Drop `{.external}`-style attribute blocks glued to a link, last first so that the
    // recorded positions stay valid.
    for &pos in link_ends.iter().rev() {
        if let Some(rest) = text.get(pos..) {
            if let Some(len) = attribute_block_len(rest) {
                text.replace_range(pos..pos + len, "");
            }
        }
    }
    Inline {
        text: text.trim().to_owned(),
        links,
        emphasised: shown && !plain,
    }
}

/// Whether `html` is an emphasis tag (`<b>`, `<strong>`, `<i>`, `<em>`, no attributes):
/// `Some(true)` opening, `Some(false)` closing.
fn emphasis_tag(html: &str) -> Option<bool> {
    let t: String = html
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    let inner = t.strip_prefix('<')?.strip_suffix('>')?;
    let (open, name) = match inner.strip_prefix('/') {
        Some(name) => (false, name),
        None => (true, inner),
    };
    matches!(name, "b" | "strong" | "i" | "em").then_some(open)
}

fn is_br(html: &str) -> bool {
    let t: String = html
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    matches!(t.as_str(), "<br>" | "<br/>" | "</br>")
}

/// Length of a `{.class}` / `{#id}` attribute block at the start of `s`, if any.
fn attribute_block_len(s: &str) -> Option<usize> {
    let inner = s.strip_prefix('{')?;
    let close = inner.find('}')?;
    let body = &inner[..close];
    let ok = body.starts_with(['.', '#'])
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " .#-_=\"'".contains(c));
    ok.then_some(close + 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{codes, imp, letters, HEAD};
    use crate::model::Activity;

    #[test]
    fn text_without_markup_is_kept_verbatim() {
        assert_eq!(
            inline("  Launch jobs once you have  retrieved 1. - # it  "),
            Inline {
                text: "Launch jobs once you have  retrieved 1. - # it".into(),
                links: vec![],
                emphasised: false,
            }
        );
    }

    #[test]
    fn emphasis_entities_escapes_and_breaks() {
        assert_eq!(inline("**Bold** and _it_").text, "Bold and it");
        assert_eq!(inline("1. **item**").text, "1. item");
        assert_eq!(inline("&amp; &lt;").text, "& <");
        assert_eq!(inline(r"a \* b").text, "a * b");
        assert_eq!(inline("a | b").text, "a | b");
        assert_eq!(inline("x<br>y").text, "x y");
        assert_eq!(inline("x<BR />y").text, "x y");
        assert_eq!(inline("x <span>y</span>").text, "x <span>y</span>");
        assert_eq!(inline("<b>x</b> <strong>y</strong>").text, "x y");
        assert_eq!(inline("R<!-- markdownlint-disable-line -->").text, "R");
        assert_eq!(inline("<!-- markdownlint-disable-line -->").text, "");
        assert!(inline("<b>Application health</b>").emphasised);
        assert!(inline("**Infrastructure**").emphasised);
        assert!(inline("_Network_ ").emphasised);
        assert!(!inline("**Bold** and more").emphasised);
        assert!(!inline("plain").emphasised);
        assert_eq!(inline(r"ends with \").text, r"ends with \");
    }

    #[test]
    fn links_give_their_text_and_url() {
        let i = inline("[a](http://x){.external} b");
        assert_eq!(i.text, "a b");
        assert_eq!(
            i.links,
            vec![Link {
                text: "a".into(),
                url: "http://x".into()
            }]
        );
        // An attribute block not glued to a link is text.
        assert_eq!(inline("x {.external}").text, "x {.external}");
    }

    #[test]
    fn br_tags_and_attribute_blocks() {
        assert!(is_br("<br>"));
        assert!(is_br("< BR / >"));
        assert!(is_br("</br>"));
        assert!(!is_br("<b>"));
        assert_eq!(attribute_block_len("{.external} x"), Some(11));
        assert_eq!(attribute_block_len("{#id}"), Some(5));
        assert_eq!(attribute_block_len("{not}"), None);
        assert_eq!(attribute_block_len("{.a"), None);
    }

    #[test]
    fn links_and_external_attributes_keep_the_text_and_store_the_url() {
        let page = format!(
            "### 1. S\n\n{HEAD}| Read the [Particular Conditions](https://ovh.to/pc){{.external}} first | RA | I |\n| See <https://docs.ovh.com> | RA | I |\n"
        );
        let i = imp(&page);
        let acts: Vec<&Activity> = i.matrix.activities().map(|(_, a)| a).collect();
        assert_eq!(acts[0].text, "Read the Particular Conditions first");
        assert_eq!(
            acts[0].links,
            vec![Link {
                text: "Particular Conditions".into(),
                url: "https://ovh.to/pc".into()
            }]
        );
        assert_eq!(acts[1].text, "See https://docs.ovh.com");
        assert_eq!(acts[1].links[0].url, "https://docs.ovh.com");
        assert_eq!(codes(&i, "import::link"), [5, 6]);
    }

    #[test]
    fn markup_is_dropped_and_text_kept_verbatim() {
        let page = format!(
            "### 1. S\n\n{HEAD}| **Bold** activity with __more__ | **RA** | I |\n| Gérer l’accès … (ISO 2700x) 日本 | RA | I |\n| 1. Not a list - nor * this | RA | I |\n| Pipe \\| inside, AT&T, a_b_c | RA | I |\n"
        );
        let i = imp(&page);
        let texts: Vec<&str> = i
            .matrix
            .activities()
            .map(|(_, a)| a.text.as_str())
            .collect();
        assert_eq!(
            texts,
            [
                "Bold activity with more",
                "Gérer l’accès … (ISO 2700x) 日本",
                "1. Not a list - nor * this",
                "Pipe | inside, AT&T, a_b_c"
            ]
        );
        assert_eq!(letters(&i, "Bold activity with more"), ["RA", "I"]);
        assert_eq!(
            i.matrix.activities().nth(1).unwrap().1.id,
            "1/gerer-l-acces-iso-2700x"
        );
    }
}
