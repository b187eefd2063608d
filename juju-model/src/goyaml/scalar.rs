//! Scalars: quoted, plain and block (`yaml_parser_scan_flow_scalar`,
//! `yaml_parser_scan_plain_scalar`, `yaml_parser_scan_block_scalar` in go-yaml v2's
//! `scannerc.go`).

use super::*;

impl Reader {
    /// A single- or double-quoted scalar: `yaml_parser_scan_flow_scalar` (`scannerc.go`).
    pub(super) fn quoted(&mut self, single: bool) -> Res<Scalar> {
        let line = self.line;
        self.skip();
        let mut s = String::new();
        let (mut leading_break, mut trailing_breaks, mut whitespaces) =
            (String::new(), String::new(), String::new());
        loop {
            if self.at_document_marker() {
                return self.syntax("found unexpected document indicator");
            }
            if self.peek().is_none() {
                return self.syntax("found unexpected end of stream");
            }
            let mut leading_blanks = false;
            while !is_blankz(self.peek()) {
                let c = self.peek().unwrap_or('\0');
                if single && c == '\'' && self.at(1) == Some('\'') {
                    s.push('\'');
                    self.skip();
                    self.skip();
                } else if c == if single { '\'' } else { '"' } {
                    // The closing quote.
                    break;
                } else if !single && c == '\\' && is_break(self.at(1)) {
                    // An escaped line break.
                    self.skip();
                    self.skip_line();
                    leading_blanks = true;
                    break;
                } else if !single && c == '\\' {
                    self.escape(&mut s)?;
                } else {
                    s.push(c);
                    self.skip();
                }
            }
            if self.peek() == Some(if single { '\'' } else { '"' }) {
                break;
            }
            // Blanks and breaks: kept between words on a line, folded across lines.
            while is_blank(self.peek()) || is_break(self.peek()) {
                if is_blank(self.peek()) {
                    if !leading_blanks {
                        whitespaces.push(self.peek().unwrap_or(' '));
                    }
                    self.skip();
                } else if !leading_blanks {
                    whitespaces.clear();
                    self.read_line(&mut leading_break);
                    leading_blanks = true;
                } else {
                    self.read_line(&mut trailing_breaks);
                }
            }
            if leading_blanks {
                fold(&mut s, &mut leading_break, &mut trailing_breaks);
            } else {
                s.push_str(&whitespaces);
                whitespaces.clear();
            }
        }
        self.skip();
        Ok(Scalar {
            text: s,
            plain: false,
            line,
        })
    }

    /// An escape sequence in a double-quoted scalar (`\` and what follows), onto `s`.
    fn escape(&mut self, s: &mut String) -> Res<()> {
        let mut code_length = 0;
        match self.at(1) {
            Some('0') => s.push('\0'),
            Some('a') => s.push('\u{7}'),
            Some('b') => s.push('\u{8}'),
            Some('t' | '\t') => s.push('\t'),
            Some('n') => s.push('\n'),
            Some('v') => s.push('\u{b}'),
            Some('f') => s.push('\u{c}'),
            Some('r') => s.push('\r'),
            Some('e') => s.push('\u{1b}'),
            Some(' ') => s.push(' '),
            Some('"') => s.push('"'),
            Some('\'') => s.push('\''),
            Some('\\') => s.push('\\'),
            Some('N') => s.push('\u{85}'),
            Some('_') => s.push('\u{a0}'),
            Some('L') => s.push('\u{2028}'),
            Some('P') => s.push('\u{2029}'),
            Some('x') => code_length = 2,
            Some('u') => code_length = 4,
            Some('U') => code_length = 8,
            _ => return self.syntax("found unknown escape character"),
        }
        self.skip();
        self.skip();
        if code_length > 0 {
            let mut value: u32 = 0;
            for k in 0..code_length {
                let Some(d) = self.at(k).and_then(|c| c.to_digit(16)) else {
                    return self.syntax("did not find expected hexdecimal number");
                };
                value = (value << 4) + d;
            }
            match char::from_u32(value) {
                Some(c) => s.push(c),
                None => return self.syntax("found invalid Unicode character escape code"),
            }
            for _ in 0..code_length {
                self.skip();
            }
        }
        Ok(())
    }

    /// A plain scalar: `yaml_parser_scan_plain_scalar`. In a block mapping, continuation
    /// lines are at column `indent` or more.
    pub(super) fn plain(&mut self, indent: usize) -> Res<Scalar> {
        let line = self.line;
        let start = self.pos;
        let mut s = String::new();
        let (mut leading_break, mut trailing_breaks, mut whitespaces) =
            (String::new(), String::new(), String::new());
        let mut leading_blanks = false;
        loop {
            if self.at_document_marker() || self.peek() == Some('#') {
                break;
            }
            while !is_blankz(self.peek()) {
                let c = self.peek().unwrap_or('\0');
                if (c == ':' && is_blankz(self.at(1)))
                    || (self.flow > 0 && matches!(c, ',' | '?' | '[' | ']' | '{' | '}'))
                {
                    break;
                }
                if leading_blanks || !whitespaces.is_empty() {
                    if leading_blanks {
                        fold(&mut s, &mut leading_break, &mut trailing_breaks);
                        leading_blanks = false;
                    } else {
                        s.push_str(&whitespaces);
                        whitespaces.clear();
                    }
                }
                s.push(c);
                self.skip();
            }
            if !(is_blank(self.peek()) || is_break(self.peek())) {
                break;
            }
            while is_blank(self.peek()) || is_break(self.peek()) {
                if is_blank(self.peek()) {
                    if leading_blanks && self.column < indent && self.peek() == Some('\t') {
                        return self.syntax("found a tab character that violates indentation");
                    }
                    if !leading_blanks {
                        whitespaces.push(self.peek().unwrap_or(' '));
                    }
                    self.skip();
                } else if !leading_blanks {
                    whitespaces.clear();
                    self.read_line(&mut leading_break);
                    leading_blanks = true;
                } else {
                    self.read_line(&mut trailing_breaks);
                }
            }
            if self.flow == 0 && self.column < indent {
                break;
            }
        }
        if self.pos == start {
            // Where a node should be: another collection's bracket, a document marker.
            return self.syntax("did not find expected node content");
        }
        Ok(Scalar {
            text: s,
            plain: true,
            line,
        })
    }

    /// A literal (`|`) or folded (`>`) block scalar: `yaml_parser_scan_block_scalar`, in
    /// a block mapping whose keys are at column `parent`.
    pub(super) fn block_scalar(&mut self, literal: bool, parent: usize) -> Res<Scalar> {
        let line = self.line;
        self.skip();
        let (chomping, increment) = self.block_scalar_header()?;
        // The mapping's indentation is `parent` (go-yaml's `parser.indent`).
        let parent = parent as isize;
        let mut indent = if increment > 0 {
            (parent.max(0) as usize) + increment
        } else {
            0
        };
        let mut s = String::new();
        let (mut leading_break, mut trailing_breaks) = (String::new(), String::new());
        self.block_scalar_breaks(&mut indent, &mut trailing_breaks, parent)?;
        let mut leading_blank = false;
        while self.column == indent && self.peek().is_some() {
            let trailing_blank = is_blank(self.peek());
            if !literal && !leading_blank && !trailing_blank && leading_break.starts_with('\n') {
                if trailing_breaks.is_empty() {
                    s.push(' ');
                }
            } else {
                s.push_str(&leading_break);
            }
            leading_break.clear();
            s.push_str(&trailing_breaks);
            trailing_breaks.clear();
            leading_blank = is_blank(self.peek());
            while self.peek().is_some() && !is_break(self.peek()) {
                s.push(self.peek().unwrap_or(' '));
                self.skip();
            }
            if is_break(self.peek()) {
                self.read_line(&mut leading_break);
            }
            self.block_scalar_breaks(&mut indent, &mut trailing_breaks, parent)?;
        }
        if chomping != -1 {
            s.push_str(&leading_break);
        }
        if chomping == 1 {
            s.push_str(&trailing_breaks);
        }
        Ok(Scalar {
            text: s,
            plain: false,
            line,
        })
    }

    /// A block scalar's header after `|` or `>`: its chomping (`-1` strip, `0` clip, `1`
    /// keep) and indentation indicators in either order, then an optional comment and the
    /// line break.
    fn block_scalar_header(&mut self) -> Res<(i8, usize)> {
        let (mut chomping, mut increment) = (0i8, 0usize);
        let digit = |c: Option<char>| c.filter(char::is_ascii_digit);
        if let Some(c @ ('+' | '-')) = self.peek() {
            chomping = if c == '+' { 1 } else { -1 };
            self.skip();
            if let Some(d) = digit(self.peek()) {
                if d == '0' {
                    return self.syntax("found an indentation indicator equal to 0");
                }
                increment = d as usize - '0' as usize;
                self.skip();
            }
        } else if let Some(d) = digit(self.peek()) {
            if d == '0' {
                return self.syntax("found an indentation indicator equal to 0");
            }
            increment = d as usize - '0' as usize;
            self.skip();
            if let Some(c @ ('+' | '-')) = self.peek() {
                chomping = if c == '+' { 1 } else { -1 };
                self.skip();
            }
        }
        while is_blank(self.peek()) {
            self.skip();
        }
        if self.peek() == Some('#') {
            while self.peek().is_some() && !is_break(self.peek()) {
                self.skip();
            }
        }
        if !(self.peek().is_none() || is_break(self.peek())) {
            return self.syntax("did not find expected comment or line break");
        }
        if is_break(self.peek()) {
            self.skip_line();
        }
        Ok((chomping, increment))
    }

    /// `yaml_parser_scan_block_scalar_breaks`: indentation and empty lines; sets the
    /// indentation from the first non-empty line when not given.
    pub(super) fn block_scalar_breaks(
        &mut self,
        indent: &mut usize,
        breaks: &mut String,
        parent: isize,
    ) -> Res<()> {
        let mut max_indent = 0;
        loop {
            while (*indent == 0 || self.column < *indent) && self.peek() == Some(' ') {
                self.skip();
            }
            max_indent = max_indent.max(self.column);
            if (*indent == 0 || self.column < *indent) && self.peek() == Some('\t') {
                return self.syntax("found a tab character where an indentation space is expected");
            }
            if !is_break(self.peek()) {
                break;
            }
            self.read_line(breaks);
        }
        if *indent == 0 {
            *indent = max_indent.max((parent + 1).max(1) as usize);
        }
        Ok(())
    }
}

/// Joins the breaks between two words (`yaml_parser_scan_flow_scalar`'s and
/// `yaml_parser_scan_plain_scalar`'s folding): one `\n` alone folds to a space, more
/// keep all but the first; an LS or PS first is kept, with what follows.
fn fold(s: &mut String, leading_break: &mut String, trailing_breaks: &mut String) {
    if leading_break.starts_with('\n') {
        if trailing_breaks.is_empty() {
            s.push(' ');
        } else {
            s.push_str(trailing_breaks);
        }
    } else {
        s.push_str(leading_break);
        s.push_str(trailing_breaks);
    }
    leading_break.clear();
    trailing_breaks.clear();
}

/// Whether `c` may start a plain scalar in a flow collection: not a block scalar's `|`
/// or `>`, nor a comment (`yaml_parser_fetch_next_token`).
pub(super) fn starts_flow_plain(c: char, next: Option<char>) -> bool {
    !(matches!(c, '|' | '>' | '#' | ':') || (c == '-' && is_blankz(next)))
}

/// Indicators that cannot start a plain scalar here (`yaml_parser_fetch_next_token`).
pub(super) fn starts_special(c: char) -> bool {
    matches!(c, '&' | '*' | '!' | '@' | '`' | '%')
}
