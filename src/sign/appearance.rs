//! The visible appearance of a signature: a few lines of text drawn as vector outlines
//! (glyphs of the bundled Libertinus Serif, read with ttf-parser through
//! [`crate::pdf::outline::Segments`]).
//!
//! Outlines need no font resource, so the appearance adds nothing a PDF/A validator could
//! object to (every font of a PDF/A file must be embedded) and nothing to subset.
//!
//! Invariants: the text stays inside the signature line's box, its lowest descender at
//! least [`CLEARANCE`] above the rule under it; when the place has a date line, the
//! signing date is written on it, the same clearance above its rule.

use std::fmt::Write as _;

use serde::Deserialize;
use ttf_parser::Face;

use super::file::number;
use crate::pdf::outline::{Segment, Segments};

/// A fill colour for the text (the template's accent blue), as `r g b`.
const INK: &str = "0.122 0.227 0.373";

/// Points between the lowest descender of the text and the rule it stands on.
pub const CLEARANCE: f64 = 2.0;

/// Points between the top of a box and the tallest ascender of its text.
const TOP: f64 = 1.0;

/// The largest text size, in points.
const MAX_SIZE: f64 = 9.0;

/// Line pitch, in text sizes.
const PITCH: f64 = 1.15;

/// The date line inside a signature place, as the template measured it (points from the
/// place's top).
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct DateLine {
    /// Where the date line's box starts.
    pub top: f64,
    /// Its height (its rule is at `top + height`).
    pub height: f64,
}

/// A signature place: its size, the height of its signature line (from the top; the rule
/// is at its bottom; the whole place when absent) and its date line, if any.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    /// Width, points.
    pub width: f64,
    /// Height, points.
    pub height: f64,
    /// Height of the signature line's box, points.
    pub line: Option<f64>,
    /// The date line.
    pub date: Option<DateLine>,
}

fn face() -> Option<Face<'static>> {
    typst_assets::fonts().find_map(|data| {
        let face = Face::parse(data, 0).ok()?;
        let family = face
            .names()
            .into_iter()
            .find(|n| n.name_id == ttf_parser::name_id::FAMILY && n.is_unicode())
            .and_then(|n| n.to_string())?;
        (family == "Libertinus Serif" && face.is_regular()).then_some(face)
    })
}

/// Width of `text` in font units.
fn advance(face: &Face<'_>, text: &str) -> f64 {
    text.chars()
        .map(|c| {
            face.glyph_index(c)
                .or_else(|| face.glyph_index('?'))
                .and_then(|g| face.glyph_hor_advance(g))
                .unwrap_or(0) as f64
        })
        .sum()
}

/// Ascender and descender (positive, below the baseline) of the face, in text sizes.
fn extent(face: &Face<'_>) -> (f64, f64) {
    let upem = face.units_per_em() as f64;
    (
        face.ascender() as f64 / upem,
        -(face.descender() as f64) / upem,
    )
}

/// Draws `line` with its baseline at (`x`, `baseline`) (PDF coordinates), `size` points.
fn draw(out: &mut String, face: &Face<'_>, line: &str, x: f64, baseline: f64, size: f64) {
    let scale = size / face.units_per_em() as f64;
    let mut x = x;
    for c in line.chars() {
        let Some(glyph) = face.glyph_index(c).or_else(|| face.glyph_index('?')) else {
            continue;
        };
        let at = |gx: f32, gy: f32| {
            format!(
                "{} {}",
                number(x + gx as f64 * scale),
                number(baseline + gy as f64 * scale)
            )
        };
        let mut path = String::new();
        let mut segments = Segments::new(|s| {
            let _ = match s {
                Segment::Move(x, y) => writeln!(path, "{} m", at(x, y)),
                Segment::Line(x, y) => writeln!(path, "{} l", at(x, y)),
                Segment::Cubic([x1, y1, x2, y2, x, y]) => {
                    writeln!(path, "{} {} {} c", at(x1, y1), at(x2, y2), at(x, y))
                }
                Segment::Close => writeln!(path, "h"),
            };
        });
        if face.outline_glyph(glyph, &mut segments).is_some() {
            out.push_str(&path);
            out.push_str("f\n");
        }
        x += face.glyph_hor_advance(glyph).unwrap_or(0) as f64 * scale;
    }
}

/// The size that fits `lines` in a box `width` × `height` points, between [`TOP`] and
/// [`CLEARANCE`].
fn fitting_size(face: &Face<'_>, lines: &[String], width: f64, height: f64) -> f64 {
    let (ascent, descent) = extent(face);
    let upem = face.units_per_em() as f64;
    let widest = lines.iter().map(|l| advance(face, l)).fold(1.0, f64::max);
    let rows = lines.len().max(1) as f64 - 1.0;
    ((height - TOP - CLEARANCE) / (ascent + rows * PITCH + descent))
        .min((width - 6.0) * upem / widest)
        .clamp(0.0, MAX_SIZE)
}

/// The content stream of the appearance of `place` showing `lines` in its signature line
/// (with a thin frame at its left edge) and `date` on its date line.
pub fn content(place: &Place, lines: &[String], date: &str) -> String {
    let mut out = String::new();
    let line = place.line.unwrap_or(place.height).min(place.height);
    // PDF coordinates: y grows upwards from the bottom of the place.
    let line_bottom = place.height - line;
    let _ = writeln!(
        out,
        "q {INK} RG 1.2 w 0.6 {} m 0.6 {} l S Q",
        number(line_bottom + 0.6),
        number(place.height - 0.6)
    );
    let Some(face) = face() else {
        return out;
    };
    let (ascent, _) = extent(&face);
    let _ = writeln!(out, "q {INK} rg");
    let size = fitting_size(&face, lines, place.width, line);
    for (i, text) in lines.iter().enumerate() {
        let baseline = place.height - TOP - ascent * size - i as f64 * PITCH * size;
        draw(&mut out, &face, text, 4.0, baseline, size);
    }
    if let Some(d) = place.date {
        let rule = place.height - d.top - d.height;
        let dates = [date.to_owned()];
        let size = fitting_size(&face, &dates, place.width, d.height);
        let (_, descent) = extent(&face);
        draw(
            &mut out,
            &face,
            date,
            4.0,
            rule + CLEARANCE + descent * size,
            size,
        );
    }
    out.push_str("Q\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_becomes_filled_paths() {
        let place = super::Place {
            width: 200.0,
            height: 30.0,
            line: None,
            date: None,
        };
        let c = super::content(&place, &["Signed by Jane Roe".into()], "2026-12-01");
        assert!(
            c.contains(" m\n") && c.contains(" c\n") && c.contains("f\n"),
            "{c}"
        );
    }

    /// The y of every point of the filled text (after the ink colour is set).
    fn text_ys(stream: &str) -> Vec<f64> {
        let text = &stream[stream.find(" rg\n").unwrap()..];
        text.lines()
            .filter(|l| l.ends_with(" m") || l.ends_with(" l") || l.ends_with(" c"))
            .flat_map(|l| {
                let n: Vec<f64> = l.split(' ').filter_map(|w| w.parse().ok()).collect();
                n.chunks(2).map(|p| p[1]).collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn text_clears_the_signature_rule_and_the_date_stands_on_its_line() {
        // The place of the built-in template: a 28pt signature line, a 7pt gap, a 16pt date
        // line; three lines of text with descenders.
        let place = super::Place {
            width: 300.0,
            height: 51.0,
            line: Some(28.0),
            date: Some(super::DateLine {
                top: 35.0,
                height: 16.0,
            }),
        };
        let lines = [
            "Digitally signed by Paweł Kowalczyk",
            "Date: 2026-12-01 10:00 UTC",
            "Reason: Approval (gjpqy)",
        ]
        .map(String::from);
        let with_date = super::content(&place, &lines, "2026-12-01");
        let no_date = super::content(
            &super::Place {
                date: None,
                ..place
            },
            &lines,
            "",
        );
        let signature = text_ys(&no_date);
        let rule = place.height - 28.0;
        let lowest = signature.iter().copied().fold(f64::MAX, f64::min);
        let highest = signature.iter().copied().fold(f64::MIN, f64::max);
        assert!(
            lowest >= rule + super::CLEARANCE - 0.05,
            "text at {lowest}, rule at {rule}"
        );
        assert!(highest <= place.height, "text above the place: {highest}");
        let date: Vec<f64> = text_ys(&with_date)
            .into_iter()
            .filter(|y| *y < rule)
            .collect();
        assert!(!date.is_empty(), "the date line is empty");
        let date_rule = place.height - 35.0 - 16.0;
        assert!(date
            .iter()
            .all(|y| *y >= date_rule + super::CLEARANCE - 0.05 && *y < rule - 7.0));
    }
}
