//! Render stage: Tera templates → Typst markup.
//!
//! Invariant: every value interpolated with `{{ … }}` in a `*.typ.tera` template passes
//! through [`escape::markup`], so profile and matrix text is always data, never markup or
//! code. Templates use `| typst_str` for values in code position (a string literal) and
//! `| safe` only for markup we generate ourselves. The rendered output is never rendered
//! again as a template.

use std::cell::RefCell;
use std::rc::Rc;

use serde::Serialize;
use tera::{Context, Filter, Kwargs, State, Tera};

use crate::escape;
use crate::templates::TemplateSet;

/// `| typst_str`: a Typst string literal, quotes included; its output is not re-escaped.
struct TypstStr;

impl<'a> Filter<&'a str, String> for TypstStr {
    fn call(&self, value: &'a str, _: Kwargs, _: &State) -> String {
        escape::string(value)
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// A Tera instance holding a template set, ready to render.
pub struct Renderer {
    tera: Tera,
}

impl Renderer {
    /// Parses every Tera template of the set.
    pub fn new(templates: &TemplateSet) -> anyhow::Result<Renderer> {
        let mut tera = Tera::default();
        tera.set_escape_fn(|input, out| out.write_all(escape::markup(input).as_bytes()));
        tera.autoescape_on([".typ.tera"]);
        tera.register_filter("typst_str", TypstStr);
        for (name, text) in templates.tera_templates() {
            tera.add_raw_template(name, text).map_err(|e| {
                anyhow::anyhow!("template {name} does not parse:\n{}", tera_message(&e))
            })?;
        }
        Ok(Renderer { tera })
    }

    /// The renderer of `templates` for this thread, parsed on the thread's first document
    /// of that set (by its digest) and kept: a batch worker parses the Tera templates
    /// once, not once a document, and shares nothing with the other workers to do it.
    pub fn cached(templates: &TemplateSet) -> anyhow::Result<Rc<Renderer>> {
        thread_local! {
            static CACHED: RefCell<Option<([u8; 32], Rc<Renderer>)>> = const { RefCell::new(None) };
        }
        let digest = templates.digest();
        if let Some(hit) = CACHED.with_borrow(|c| {
            c.as_ref()
                .filter(|(d, _)| *d == digest)
                .map(|(_, r)| Rc::clone(r))
        }) {
            return Ok(hit);
        }
        let renderer = Rc::new(Renderer::new(templates)?);
        CACHED.set(Some((digest, Rc::clone(&renderer))));
        Ok(renderer)
    }

    /// Whether the set has this template.
    pub fn has(&self, name: &str) -> bool {
        self.tera.contains_template(name)
    }

    /// Renders `name` with `context` into Typst markup.
    pub fn render(&self, name: &str, context: &impl Serialize) -> anyhow::Result<String> {
        let ctx = Context::from_serialize(context).map_err(|e| {
            anyhow::anyhow!("template context does not serialise: {}", tera_message(&e))
        })?;
        self.tera
            .render(name, &ctx)
            .map_err(|e| anyhow::anyhow!("template {name} failed to render:\n{}", tera_message(&e)))
    }
}

/// Tera's useful text is in the error's sources: print them all.
fn tera_message(e: &tera::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push('\n');
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}
