//! Font coverage (字库覆盖): which characters of a certificate the bundled font lacks, and the
//! note that tells the reader those boxes are rare characters, to be checked by scanning.

use std::collections::BTreeSet;

use crate::text::Face;
use crate::CertificateData;

/// Missing characters named one by one in the note before "等".
const MAX_NAMED_MISSING: usize = 6;

/// Characters of the certificate that the bundled font lacks.
pub(crate) fn missing_chars(face: &Face, d: &CertificateData, shown_rows: usize) -> BTreeSet<char> {
    let fields = [
        &d.title,
        &d.volunteer_name,
        &d.id_type,
        &d.id_number_masked,
        &d.volunteer_no,
        &d.period,
        &d.total_hours,
        &d.issuer,
        &d.person_in_charge,
        &d.handler,
        &d.contact,
        &d.certificate_no,
        &d.issue_date,
        &d.notes,
        &d.verify_url,
    ];
    fields
        .into_iter()
        .chain(d.content_lines.iter().take(shown_rows))
        .flat_map(|f| f.chars())
        .filter(|c| *c != ' ' && !face.has_char(*c))
        .collect()
}

pub(crate) fn missing_note(missing: &BTreeSet<char>) -> String {
    if missing.is_empty() {
        return String::new();
    }
    let named: Vec<String> = missing
        .iter()
        .take(MAX_NAMED_MISSING)
        .map(|c| format!("U+{:04X}", *c as u32))
        .collect();
    let more = if missing.len() > MAX_NAMED_MISSING {
        "等"
    } else {
        ""
    };
    format!(
        "本证明中以方框内编码表示的字（{}{}）超出内置字库，请以扫码核验结果为准。",
        named.join("、"),
        more
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_characters_are_named_in_the_note() {
        let missing: BTreeSet<char> = ['𠀀', '䶮'].into_iter().collect();
        let note = missing_note(&missing);
        assert!(
            note.contains("U+4DAE") && note.contains("U+20000"),
            "{note}"
        );
        assert!(missing_note(&BTreeSet::new()).is_empty());
    }
}
