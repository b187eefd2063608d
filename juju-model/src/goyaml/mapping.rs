//! Mappings, block and flow (`yaml_parser_parse_block_mapping_key` and the flow
//! mapping states of go-yaml v2's `parserc.go`), and their keys and values.

use super::scalar::{starts_flow_plain, starts_special};
use super::*;

impl Reader {
    /// A block mapping whose keys are at column `indent`.
    pub(super) fn block_mapping(&mut self, indent: usize) -> Res<Bag> {
        let mut bag = Bag::new();
        let mut errors = Vec::new();
        loop {
            self.skip_to_next_token()?;
            if self.peek().is_none() || self.at_document_marker() {
                break;
            }
            if self.column != indent {
                return match self.column > indent {
                    true => self.syntax("mapping values are not allowed in this context"),
                    false => self.syntax("did not find expected key"),
                };
            }
            let key_line = self.line;
            let key_start = self.pos;
            let key = self.key()?;
            // A simple key is on one line, and at most 1024 characters before its `:`
            // (`yaml_simple_key_is_valid`, `yaml_parser_save_simple_key`).
            let mut colon = self.pos;
            while matches!(self.chars.get(colon), Some(' ' | '\t')) {
                colon += 1;
            }
            let simple = self.line == key_line && colon - key_start <= 1024;
            if !simple && self.chars.get(colon) == Some(&':') {
                return self.syntax("could not find expected ':'");
            }
            // The value indicator: `:` then a blank, break or the end.
            while is_blank(self.peek()) {
                self.skip();
            }
            if !(self.peek() == Some(':') && is_blankz(self.at(1))) {
                if bag.is_empty() && errors.is_empty() {
                    // A document that is one scalar: not a map (`decoder.terror`).
                    self.end_of_document()?;
                    let null = key.plain
                        && matches!(key.text.as_str(), "" | "~" | "null" | "Null" | "NULL");
                    return match null {
                        true => Ok(Bag::new()),
                        false => Err(Failure::Types(vec![scalar_into_map(&key, key_line)])),
                    };
                }
                return Err(Failure::Syntax {
                    line: key_line + 1,
                    problem: "could not find expected ':'".into(),
                });
            }
            self.skip();
            let value = self.block_value(indent)?;
            self.insert(&mut bag, &mut errors, key, value)?;
        }
        finish(bag, errors)
    }

    /// A key: a quoted or plain scalar on one line.
    pub(super) fn key(&mut self) -> Res<Scalar> {
        match self.peek() {
            Some('"') => self.quoted(false),
            Some('\'') => self.quoted(true),
            Some('?') if is_blankz(self.at(1)) => self.unsupported("a complex key"),
            Some('-') if is_blankz(self.at(1)) => self.unsupported("a sequence"),
            Some(c) if starts_special(c) => self.special(c),
            Some(',' | '[' | ']' | '{' | '}' | '|' | '>' | '#') => {
                self.syntax("did not find expected key")
            }
            _ => self.plain(0),
        }
    }

    /// The value after `key:` in a block mapping at `indent`.
    pub(super) fn block_value(&mut self, indent: usize) -> Res<Node> {
        while is_blank(self.peek()) {
            self.skip();
        }
        let line = self.line;
        let start_line_value =
            !(self.peek().is_none() || is_break(self.peek()) || self.peek() == Some('#'));
        if !start_line_value {
            // The value is on the next lines, more indented, or there is none.
            self.skip_to_next_token()?;
            // A block scalar's indicator is no indentation: at any column it is the value
            // (the parser takes the SCALAR token, `yaml_parser_parse_node`).
            if let Some(c @ ('|' | '>')) = self.peek() {
                return Ok(Node::Scalar(self.block_scalar(c == '|', indent)?));
            }
            if self.peek().is_none() || self.at_document_marker() || self.column <= indent {
                if self.column == indent && self.peek() == Some('-') && is_blankz(self.at(1)) {
                    return self.unsupported("a sequence");
                }
                return Ok(Node::Scalar(Scalar {
                    text: String::new(),
                    plain: true,
                    line,
                }));
            }
        }
        let node = match self.peek() {
            Some('"') => Node::Scalar(self.quoted(false)?),
            Some('\'') => Node::Scalar(self.quoted(true)?),
            Some(c @ ('|' | '>')) => Node::Scalar(self.block_scalar(c == '|', indent)?),
            Some('{' | '[') => {
                let (tag, line) = self.flow_collection_tag();
                self.skip_flow_collection()?;
                Node::Collection(tag, line)
            }
            Some('-') if is_blankz(self.at(1)) => {
                if start_line_value {
                    return self.syntax("block sequence entries are not allowed in this context");
                }
                let line = self.line;
                self.skip_block(indent);
                Node::Collection("!!seq", line)
            }
            Some(c) if starts_special(c) => return self.special(c),
            Some(',' | ']' | '}') => return self.syntax("did not find expected node content"),
            Some('?') if is_blankz(self.at(1)) => {
                return self.syntax("mapping keys are not allowed in this context")
            }
            _ => {
                let scalar = self.plain(indent + 1)?;
                // A nested block mapping: `key:` again on a deeper line.
                if !start_line_value && self.peek() == Some(':') && is_blankz(self.at(1)) {
                    let line = scalar.line;
                    self.skip_block(indent);
                    Node::Collection("!!map", line)
                } else {
                    Node::Scalar(scalar)
                }
            }
        };
        // The rest of the line: blanks and a comment only.
        while is_blank(self.peek()) {
            self.skip();
        }
        match self.peek() {
            None => {}
            Some('#') => {}
            c if is_break(c) => {}
            Some(':') if is_blankz(self.at(1)) => {
                return self.syntax("mapping values are not allowed in this context")
            }
            Some(_) if self.at_document_marker() => {}
            Some(_) if self.column > indent => return self.syntax("did not find expected key"),
            Some(_) => {}
        }
        Ok(node)
    }

    /// Skips the lines of a nested block collection: every line more indented than
    /// `indent` (go-yaml would read them; they make a type error either way).
    pub(super) fn skip_block(&mut self, indent: usize) {
        loop {
            while self.peek().is_some() && !is_break(self.peek()) {
                self.skip();
            }
            if self.peek().is_none() {
                return;
            }
            self.skip_line();
            let mut n = 0;
            while self.at(n) == Some(' ') {
                n += 1;
            }
            let blank_line =
                is_break(self.at(n)) || self.at(n).is_none() || self.at(n) == Some('#');
            if !blank_line && n <= indent {
                return;
            }
        }
    }

    pub(super) fn flow_collection_tag(&self) -> (&'static str, usize) {
        match self.peek() {
            Some('{') => ("!!map", self.line),
            _ => ("!!seq", self.line),
        }
    }

    /// Reads a flow collection (`{..}` or `[..]`) and drops it.
    pub(super) fn skip_flow_collection(&mut self) -> Res<()> {
        let close = if self.peek() == Some('{') { '}' } else { ']' };
        self.skip();
        self.flow += 1;
        loop {
            self.skip_to_next_token()?;
            match self.peek() {
                None => return self.syntax("did not find expected ',' or '}'"),
                Some(c) if c == close => {
                    self.skip();
                    self.flow -= 1;
                    return Ok(());
                }
                Some(',' | ':' | '?') => self.skip(),
                Some('{' | '[') => self.skip_flow_collection()?,
                Some('"') => drop(self.quoted(false)?),
                Some('\'') => drop(self.quoted(true)?),
                Some(c) if starts_special(c) => return self.special(c),
                Some(c) if !starts_flow_plain(c, self.at(1)) => {
                    return self.syntax("found character that cannot start any token")
                }
                Some(_) => drop(self.plain(0)?),
            }
        }
    }

    /// A flow mapping of scalars: the map and the type errors of its values.
    pub(super) fn flow_mapping(&mut self) -> Res<(Bag, Vec<String>)> {
        self.skip();
        self.flow += 1;
        let mut bag = Bag::new();
        let mut errors = Vec::new();
        loop {
            self.skip_to_next_token()?;
            if self.peek() == Some('}') {
                break;
            }
            let key = match self.peek() {
                None => return self.syntax("did not find expected ',' or '}'"),
                Some('"') => self.quoted(false)?,
                Some('\'') => self.quoted(true)?,
                Some('{' | '[') => return self.unsupported("a collection as a key"),
                Some('?') if is_blankz(self.at(1)) => return self.unsupported("a complex key"),
                Some(',') => return self.syntax("did not find expected node content"),
                Some(c) if starts_special(c) => return self.special(c),
                Some(c) if !starts_flow_plain(c, self.at(1)) => {
                    return self.syntax("found character that cannot start any token")
                }
                Some(_) => self.plain(0)?,
            };
            self.skip_to_next_token()?;
            let value = if self.peek() == Some(':') {
                self.skip();
                self.skip_to_next_token()?;
                match self.peek() {
                    Some(',' | '}') => Node::Scalar(Scalar {
                        text: String::new(),
                        plain: true,
                        line: self.line,
                    }),
                    Some('"') => Node::Scalar(self.quoted(false)?),
                    Some('\'') => Node::Scalar(self.quoted(true)?),
                    Some('{' | '[') => {
                        let (tag, line) = self.flow_collection_tag();
                        self.skip_flow_collection()?;
                        Node::Collection(tag, line)
                    }
                    None => return self.syntax("did not find expected ',' or '}'"),
                    Some(c) if starts_special(c) => return self.special(c),
                    Some(c) if !starts_flow_plain(c, self.at(1)) => {
                        return self.syntax("found character that cannot start any token")
                    }
                    Some(_) => Node::Scalar(self.plain(0)?),
                }
            } else {
                // `{a, b: c}`: a key without a value.
                Node::Scalar(Scalar {
                    text: String::new(),
                    plain: true,
                    line: self.line,
                })
            };
            self.insert(&mut bag, &mut errors, key, value)?;
            self.skip_to_next_token()?;
            match self.peek() {
                Some(',') => self.skip(),
                Some('}') => break,
                _ => return self.syntax("did not find expected ',' or '}'"),
            }
        }
        self.skip();
        self.flow -= 1;
        Ok((bag, errors))
    }

    /// Sets `key` to `value` (the last of a key given twice wins, as in go-yaml v2), or
    /// records the type error of a collection value (`decoder.terror`).
    pub(super) fn insert(
        &self,
        bag: &mut Bag,
        errors: &mut Vec<String>,
        key: Scalar,
        value: Node,
    ) -> Res<()> {
        if key.plain && key.text == "<<" {
            // `decoder.mapping` merges a `<<` key's value (`decoder.merge`): a scalar
            // cannot be merged.
            if let Node::Scalar(_) = value {
                return Err(Failure::Syntax {
                    line: 0,
                    problem: "map merge requires map or sequence of maps as the value".into(),
                });
            }
            return self.unsupported("a merge key");
        }
        match value {
            Node::Scalar(v) => {
                bag.insert(key.value(), v.value());
            }
            Node::Collection(tag, line) => {
                errors.push(format!("line {line}: cannot unmarshal {tag} into string"));
            }
        }
        Ok(())
    }

    /// Anchors, aliases, tags and reserved indicators.
    pub(super) fn special<T>(&self, c: char) -> Res<T> {
        match c {
            '&' => self.unsupported("an anchor"),
            '*' => self.unsupported("an alias"),
            '!' => self.unsupported("a tag"),
            _ => self.syntax("found character that cannot start any token"),
        }
    }
}
