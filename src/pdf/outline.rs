//! Text drawn as shapes: glyph outlines (read with ttf-parser) instead of text.
//!
//! Two users: the DRAFT watermark, which must stay out of the text layer (a text
//! extractor or a search index would read its letters as words of the annex, and PDF
//! readers do not all skip artifacts), and the signature appearance (`sign::appearance`),
//! whose outlines need no font resource in an update that must not add one.
//!
//! Invariants: [`Segments`] is the one conversion of a glyph outline to moves, lines and
//! cubic Béziers (quadratic curves become the equivalent cubic); [`watermarks_as_shapes`]
//! changes nothing but the text runs inside a `pdf.artifact(kind: "watermark")`, which
//! become filled outlines of the same glyphs at the same place and in the same colour.

use ttf_parser::OutlineBuilder;
use typst::ecow::EcoVec;
use typst::foundations::{Content, StyleChain};
use typst::introspection::{Location, Tag};
use typst::layout::{Abs, Frame, FrameItem, GroupItem, Point, Size};
use typst::model::Document as _;
use typst::pdf::{ArtifactElem, ArtifactKind};
use typst::text::TextItem;
use typst::visualize::{Curve, Geometry};
use typst_layout::{Page, PagedDocument};

/// One piece of an outline, in font units (y up).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Segment {
    /// Start a new contour at (x, y).
    Move(f32, f32),
    /// A straight line to (x, y).
    Line(f32, f32),
    /// A cubic Bézier: two control points, then the end point.
    Cubic([f32; 6]),
    /// Close the contour.
    Close,
}

/// An [`OutlineBuilder`] that hands every piece of a glyph outline to `sink` as a
/// [`Segment`], quadratic curves as the equivalent cubic.
pub struct Segments<F: FnMut(Segment)> {
    sink: F,
    last: (f32, f32),
}

impl<F: FnMut(Segment)> Segments<F> {
    /// A builder that feeds `sink`.
    pub fn new(sink: F) -> Self {
        Segments {
            sink,
            last: (0.0, 0.0),
        }
    }
}

impl<F: FnMut(Segment)> OutlineBuilder for Segments<F> {
    fn move_to(&mut self, x: f32, y: f32) {
        (self.sink)(Segment::Move(x, y));
        self.last = (x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        (self.sink)(Segment::Line(x, y));
        self.last = (x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (x0, y0) = self.last;
        let c1 = (x0 + 2.0 / 3.0 * (x1 - x0), y0 + 2.0 / 3.0 * (y1 - y0));
        let c2 = (x + 2.0 / 3.0 * (x1 - x), y + 2.0 / 3.0 * (y1 - y));
        self.curve_to(c1.0, c1.1, c2.0, c2.1, x, y);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        (self.sink)(Segment::Cubic([x1, y1, x2, y2, x, y]));
        self.last = (x, y);
    }
    fn close(&mut self) {
        (self.sink)(Segment::Close);
    }
}

/// The document with the text of every watermark artifact drawn as filled outlines. A
/// document without one is returned as it is.
pub fn watermarks_as_shapes(document: PagedDocument) -> PagedDocument {
    let mut pages: EcoVec<Page> = document.pages().iter().cloned().collect();
    let mut changed = false;
    for page in pages.make_mut() {
        changed |= outline_in(&mut page.frame, &mut Vec::new());
    }
    if !changed {
        return document;
    }
    PagedDocument::new(pages, document.info().clone())
}

/// Walks `frame`, tracking the artifacts open around each item (their location, and
/// whether they are watermarks); returns whether anything was redrawn.
fn outline_in(frame: &mut Frame, open: &mut Vec<(Option<Location>, bool)>) -> bool {
    let mut changed = false;
    frame.retain(|item| {
        match item {
            FrameItem::Group(group) => changed |= outline_in(&mut group.frame, open),
            FrameItem::Tag(Tag::Start(content, _)) => {
                if let Some(kind) = artifact_kind(content) {
                    open.push((content.location(), kind == ArtifactKind::Watermark));
                }
            }
            FrameItem::Tag(Tag::End(location, ..))
                if open.last().is_some_and(|(l, _)| *l == Some(*location)) =>
            {
                open.pop();
            }
            FrameItem::Text(text) if open.iter().any(|(_, watermark)| *watermark) => {
                *item = FrameItem::Group(GroupItem::new(glyph_shapes(text)));
                changed = true;
            }
            _ => {}
        }
        true
    });
    changed
}

fn artifact_kind(content: &Content) -> Option<ArtifactKind> {
    content
        .to_packed::<ArtifactElem>()
        .map(|artifact| artifact.kind.get(StyleChain::default()))
}

/// A frame (origin on the text's baseline) holding the glyphs of `text` as filled shapes.
fn glyph_shapes(text: &TextItem) -> Frame {
    let mut frame = Frame::soft(Size::zero());
    let face = text.font.ttf();
    let scale = text.size.to_pt() / text.font.units_per_em();
    let mut x = Abs::zero();
    for glyph in &text.glyphs {
        let origin = (
            (x + glyph.x_offset.at(text.size)).to_pt(),
            -glyph.y_offset.at(text.size).to_pt(),
        );
        let at = |gx: f32, gy: f32| {
            Point::new(
                Abs::pt(origin.0 + gx as f64 * scale),
                Abs::pt(origin.1 - gy as f64 * scale),
            )
        };
        let mut curve = Curve::new();
        let mut segments = Segments::new(|s| match s {
            Segment::Move(x, y) => curve.move_(at(x, y)),
            Segment::Line(x, y) => curve.line(at(x, y)),
            Segment::Cubic([x1, y1, x2, y2, x, y]) => curve.cubic(at(x1, y1), at(x2, y2), at(x, y)),
            Segment::Close => curve.close(),
        });
        let drawn = face
            .outline_glyph(ttf_parser::GlyphId(glyph.id), &mut segments)
            .is_some();
        if drawn && !curve.0.is_empty() {
            let shape = Geometry::Curve(curve).filled(text.fill.clone());
            frame.push(Point::zero(), FrameItem::Shape(shape, glyph.span.0));
        }
        x += glyph.x_advance.at(text.size);
    }
    frame
}
