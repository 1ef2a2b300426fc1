//! The visible appearance of a signature: a few lines of text drawn as vector outlines
//! (glyphs of the bundled Libertinus Serif, read with ttf-parser).
//!
//! Outlines need no font resource, so the appearance adds nothing a PDF/A validator could
//! object to (every font of a PDF/A file must be embedded) and nothing to subset.

use std::fmt::Write as _;

use ttf_parser::{Face, OutlineBuilder};

use super::file::number;

/// A fill colour for the text (the template's accent blue), as `r g b`.
const INK: &str = "0.122 0.227 0.373";

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

struct Pen<'a> {
    out: &'a mut String,
    dx: f64,
    dy: f64,
    scale: f64,
    last: (f32, f32),
}

impl Pen<'_> {
    fn pt(&self, x: f32, y: f32) -> String {
        format!(
            "{} {}",
            number(self.dx + x as f64 * self.scale),
            number(self.dy + y as f64 * self.scale)
        )
    }
}

impl OutlineBuilder for Pen<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        let p = self.pt(x, y);
        let _ = writeln!(self.out, "{p} m");
        self.last = (x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let p = self.pt(x, y);
        let _ = writeln!(self.out, "{p} l");
        self.last = (x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        // A quadratic Bézier as the equivalent cubic.
        let (x0, y0) = self.last;
        let c1 = (x0 + 2.0 / 3.0 * (x1 - x0), y0 + 2.0 / 3.0 * (y1 - y0));
        let c2 = (x + 2.0 / 3.0 * (x1 - x), y + 2.0 / 3.0 * (y1 - y));
        self.curve_to(c1.0, c1.1, c2.0, c2.1, x, y);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (a, b, c) = (self.pt(x1, y1), self.pt(x2, y2), self.pt(x, y));
        let _ = writeln!(self.out, "{a} {b} {c} c");
        self.last = (x, y);
    }
    fn close(&mut self) {
        self.out.push_str("h\n");
    }
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

/// The content stream of a `width` × `height` pt appearance showing `lines`, the first in
/// bold-ish ink, with a thin frame at the left edge.
pub fn content(width: f64, height: f64, lines: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "q {INK} RG 1.2 w 0.6 0.6 m 0.6 {} l S Q",
        number(height - 0.6)
    );
    let Some(face) = face() else {
        return out;
    };
    let upem = face.units_per_em() as f64;
    let widest = lines.iter().map(|l| advance(&face, l)).fold(1.0, f64::max);
    let size = (height / (lines.len().max(1) as f64 * 1.2))
        .min((width - 6.0) * upem / widest)
        .min(9.0);
    let scale = size / upem;
    let _ = writeln!(out, "q {INK} rg");
    for (i, line) in lines.iter().enumerate() {
        let baseline = height - (i as f64 + 1.0) * size * 1.15;
        let mut x = 4.0;
        for c in line.chars() {
            let Some(glyph) = face.glyph_index(c).or_else(|| face.glyph_index('?')) else {
                continue;
            };
            let mut pen = Pen {
                out: &mut out,
                dx: x,
                dy: baseline,
                scale,
                last: (0.0, 0.0),
            };
            if face.outline_glyph(glyph, &mut pen).is_some() {
                out.push_str("f\n");
            }
            x += face.glyph_hor_advance(glyph).unwrap_or(0) as f64 * scale;
        }
    }
    out.push_str("Q\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_becomes_filled_paths() {
        let c = super::content(
            200.0,
            30.0,
            &["Signed by Jane Roe".into(), "2026-12-01".into()],
        );
        assert!(
            c.contains(" m\n") && c.contains(" c\n") && c.contains("f\n"),
            "{c}"
        );
    }
}
