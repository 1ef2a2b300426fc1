//! The RACI rules of one row: someone must be Responsible, exactly one party Accountable,
//! and R and A are best held by the same party.

use super::places::Places;
use crate::diag::Finding;
use crate::model::{Activity, Letter, Letters, Matrix};

/// The RACI rules of one row.
pub(super) fn raci_row(m: &Matrix, a: &Activity, k: usize, places: &Places) -> Vec<Finding> {
    let letters: Vec<(&str, &str, Letters)> = m
        .parties
        .iter()
        .map(|p| (p.id.as_str(), p.name.as_str(), a.letters_of(&p.id)))
        .collect();
    let holders = |l: Letter| -> Vec<(&str, &str)> {
        letters
            .iter()
            .filter(|(_, _, set)| set.contains(l))
            .map(|(id, name, _)| (*id, *name))
            .collect()
    };
    let summary = letters
        .iter()
        .map(|(_, name, set)| format!("{name} {}", show(*set)))
        .collect::<Vec<_>>()
        .join(", ");
    let text = short(&a.text);
    let row = places.row(k, a);
    let mut out = Vec::new();
    if letters.iter().all(|(_, _, set)| set.is_empty()) {
        out.push(places.finding(
            Finding::warning(
                "raci::unassigned",
                format!("no party has any letter for “{text}”"),
            ),
            row,
            "no letters in this row",
        ));
        return out;
    }
    let (r, acc) = (holders(Letter::R), holders(Letter::A));
    if r.is_empty() {
        out.push(
            places
                .finding(
                    Finding::warning(
                        "raci::no-responsible",
                        format!("no party is Responsible (R) for “{text}”"),
                    ),
                    row.clone(),
                    "no R in this row",
                )
                .note(format!("letters: {summary}")),
        );
    }
    if acc.is_empty() {
        out.push(
            places
                .finding(
                    Finding::warning(
                        "raci::no-accountable",
                        format!("no party is Accountable (A) for “{text}”"),
                    ),
                    row.clone(),
                    "no A in this row",
                )
                .note(format!("letters: {summary}")),
        );
    }
    if acc.len() > 1 {
        let names: Vec<&str> = acc.iter().map(|(_, n)| *n).collect();
        let mut f = places.finding(
            Finding::warning(
                "raci::multiple-accountable",
                format!(
                    "{} parties are Accountable (A) for “{text}”: {}",
                    acc.len(),
                    names.join(" and ")
                ),
            ),
            places.cell(k, a, acc[0].0),
            format!("A for {}", acc[0].1),
        );
        for (id, name) in &acc[1..] {
            if let Some(span) = places.cell(k, a, id) {
                f.related
                    .push(places.location(span, &format!("and A for {name}")));
            }
        }
        out.push(f.note("exactly one party should answer for an activity"));
    }
    let both = r.iter().any(|p| acc.contains(p));
    if !r.is_empty() && !acc.is_empty() && !both {
        let doer: Vec<&str> = r.iter().map(|(_, n)| *n).collect();
        let owner: Vec<&str> = acc.iter().map(|(_, n)| *n).collect();
        let mut f = places.finding(
            Finding::warning(
                "raci::split-r-a",
                format!(
                    "R and A are split for “{text}”: {} carries it out, {} answers for it",
                    doer.join(" and "),
                    owner.join(" and ")
                ),
            ),
            places.cell(k, a, r[0].0),
            format!("R for {}", r[0].1),
        );
        for (id, name) in &acc {
            if let Some(span) = places.cell(k, a, id) {
                f.related
                    .push(places.location(span, &format!("A for {name}")));
            }
        }
        out.push(f.note(
            "the accountable party answers for work it does not do: the contract should say how it controls it",
        ));
    }
    out
}

pub(super) fn show(l: Letters) -> String {
    if l.is_empty() {
        "–".into()
    } else {
        l.to_string()
    }
}

/// An activity text cut to a length that fits a message line.
pub(super) fn short(text: &str) -> String {
    const MAX: usize = 70;
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= MAX {
        return text;
    }
    let cut: String = text.chars().take(MAX).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}
