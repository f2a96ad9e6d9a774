//! V8's structured serialization rewritten as JSON text, for the values that JSON carries
//! exactly. The receiving thread then builds the value with `JSON.parse`, which makes objects of
//! one shape faster than V8's deserializer, and without node:v8's `Deserializer`, which keeps
//! everything it read reachable until its wrapper is collected (so every payload survived a
//! scavenge). The sender's serializer already read the value once, getters included, so
//! exactness is a property of the bytes: what is not plain data (a Date, a Map, a view, a hole,
//! -0, an object met twice, ...) has its own tag here, and any tag not handled keeps V8's format.
//! The format: v8/src/objects/value-serializer.cc, versions 13 to 15 (Node 20 to 24).

use std::io::Write;

/// The first byte of the codec's JSON form (lib/js-tasks/codec.js's `JSON_TEXT`).
pub const JSON_TEXT: u8 = 8;
const VERSION_TAG: u8 = 0xff;
const VERSIONS: std::ops::RangeInclusive<u64> = 13..=15;
/// Array items that are not objects, beyond `ITEMS_PER_OBJECT` per object, after which V8's
/// format is kept: it is faster than JSON for arrays of numbers and strings (1,000 doubles: a
/// 45 µs round trip against 205 µs as JSON), JSON for objects.
const ITEMS_ALLOWED: usize = 64;
const ITEMS_PER_OBJECT: usize = 8;
/// Latin-1 bytes that JSON text cannot copy as they are: escapes, and non-ASCII (UTF-8 there).
const NEEDS_WORK: [bool; 256] = {
  let mut table = [false; 256];
  let mut byte = 0;
  while byte < 256 {
    table[byte] = byte < 0x20 || byte >= 0x80 || byte == b'"' as usize || byte == b'\\' as usize;
    byte += 1;
  }
  table
};
/// Deeper nesting keeps V8's format rather than recursing further.
const MAX_DEPTH: usize = 256;

/// `bytes` (V8's format, version header first) as `JSON_TEXT` then UTF-8 JSON text, when
/// `JSON.parse` of it gives what V8's deserializer would; `None` otherwise.
pub fn v8_to_json(bytes: &[u8]) -> Option<Vec<u8>> {
  let mut out = Vec::new();
  rewrite(bytes, &mut out).then_some(out)
}

/// `v8_to_json` into `out` (cleared first, so that a thread can keep one buffer): true when it
/// wrote the JSON form there.
pub fn rewrite(bytes: &[u8], out: &mut Vec<u8>) -> bool {
  out.clear();
  try_rewrite(bytes, out).is_some()
}

fn try_rewrite(bytes: &[u8], out: &mut Vec<u8>) -> Option<()> {
  let mut reader = Reader { bytes, at: 0 };
  if reader.byte()? != VERSION_TAG || !VERSIONS.contains(&reader.varint()?) {
    return None;
  }
  out.reserve(bytes.len() + bytes.len() / 4);
  out.push(JSON_TEXT);
  Writer { out, objects: 0, items: 0 }.value(&mut reader, 0)?;
  (reader.at == bytes.len()).then_some(())
}

struct Reader<'a> {
  bytes: &'a [u8],
  at: usize,
}

impl<'a> Reader<'a> {
  fn byte(&mut self) -> Option<u8> {
    let byte = *self.bytes.get(self.at)?;
    self.at += 1;
    Some(byte)
  }

  /// The next tag: padding bytes (which align two-byte strings) skipped.
  fn tag(&mut self) -> Option<u8> {
    loop {
      match self.byte()? {
        0 => continue,
        tag => return Some(tag),
      }
    }
  }

  fn varint(&mut self) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
      let byte = self.byte()?;
      value |= u64::from(byte & 0x7f) << shift;
      if byte & 0x80 == 0 {
        return Some(value);
      }
    }
    None
  }

  fn take(&mut self, len: u64) -> Option<&'a [u8]> {
    let end = self.at.checked_add(usize::try_from(len).ok()?)?;
    let slice = self.bytes.get(self.at..end)?;
    self.at = end;
    Some(slice)
  }

  fn int32(&mut self) -> Option<i32> {
    let zigzag = u32::try_from(self.varint()?).ok()?;
    Some(((zigzag >> 1) as i32) ^ -((zigzag & 1) as i32))
  }

  fn double(&mut self) -> Option<f64> {
    Some(f64::from_le_bytes(self.take(8)?.try_into().ok()?))
  }
}

struct Writer<'a> {
  out: &'a mut Vec<u8>,
  objects: usize,
  items: usize,
}

impl Writer<'_> {
  fn value(&mut self, reader: &mut Reader, depth: usize) -> Option<()> {
    let tag = reader.tag()?;
    self.tagged(tag, reader, depth)
  }

  fn tagged(&mut self, tag: u8, reader: &mut Reader, depth: usize) -> Option<()> {
    match tag {
      b'0' => self.out.extend_from_slice(b"null"),
      b'T' => self.out.extend_from_slice(b"true"),
      b'F' => self.out.extend_from_slice(b"false"),
      b'I' => self.int(i64::from(reader.int32()?)),
      b'U' => self.int(i64::from(u32::try_from(reader.varint()?).ok()?)),
      b'N' => self.double(reader.double()?)?,
      b'"' | b'c' | b'S' => self.string(tag, reader)?,
      b'o' | b'A' if depth == MAX_DEPTH => return None,
      b'o' => self.object(reader, depth + 1)?,
      b'A' => self.array(reader, depth + 1)?,
      // Everything else: undefined, holes, references to an object met before, Dates, boxed
      // primitives, BigInts, RegExps, Maps, Sets, buffers, views, errors, host objects, sparse
      // arrays.
      _ => return None,
    }
    Some(())
  }

  fn int(&mut self, value: i64) {
    // By hand: core::fmt costs more than the rest of a small value's rewrite.
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = value.unsigned_abs();
    loop {
      at -= 1;
      digits[at] = b'0' + (rest % 10) as u8;
      rest /= 10;
      if rest == 0 {
        break;
      }
    }
    if value < 0 {
      self.out.push(b'-');
    }
    self.ascii(&digits[at..]);
  }

  /// A double as the shortest text that reads back as the same double; -0, NaN and the
  /// infinities have none in JSON.
  fn double(&mut self, value: f64) -> Option<()> {
    if !value.is_finite() || (value == 0.0 && value.is_sign_negative()) {
      return None;
    }
    if value.fract() == 0.0 && value.abs() < 1e15 {
      self.int(value as i64);
    } else {
      // Ryu: the shortest digits that read back as `value`, in a form JSON takes ("1e21").
      self.ascii(ryu::Buffer::new().format_finite(value).as_bytes());
    }
    Some(())
  }

  fn string(&mut self, tag: u8, reader: &mut Reader) -> Option<()> {
    let len = reader.varint()?;
    let bytes = reader.take(len)?;
    self.out.push(b'"');
    match tag {
      // Latin-1: each byte is its code point.
      b'"' if !bytes.iter().any(|&byte| NEEDS_WORK[usize::from(byte)]) => {
        self.ascii(bytes); // nothing to escape: the common case
      }
      b'"' => bytes.iter().for_each(|&byte| self.char(char::from(byte))),
      b'S' => std::str::from_utf8(bytes).ok()?.chars().for_each(|c| self.char(c)),
      _ => {
        if len % 2 != 0 {
          return None;
        }
        let units = bytes.chunks_exact(2).map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
        for unit in char::decode_utf16(units) {
          match unit {
            Ok(c) => self.char(c),
            // A lone surrogate: JSON.parse reads the escape back as that code unit.
            Err(lone) => {
              let _ = write!(self.out, "\\u{:04x}", lone.unpaired_surrogate());
            }
          }
        }
      }
    }
    self.out.push(b'"');
    Some(())
  }

  /// Most keys and many strings are a few bytes: a loop beats a call to memmove for those.
  fn ascii(&mut self, bytes: &[u8]) {
    if bytes.len() <= 16 {
      bytes.iter().for_each(|&byte| self.out.push(byte));
    } else {
      self.out.extend_from_slice(bytes);
    }
  }

  fn char(&mut self, c: char) {
    match c {
      '"' => self.out.extend_from_slice(b"\\\""),
      '\\' => self.out.extend_from_slice(b"\\\\"),
      '\u{0}'..='\u{1f}' => {
        let _ = write!(self.out, "\\u{:04x}", u32::from(c));
      }
      _ => {
        let mut buffer = [0; 4];
        self.out.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
      }
    }
  }

  /// `o`, then key and value pairs, then `{` and their count. A key is a string, or a number
  /// for an integer-like key. Keys that need an escape in JSON are left to V8's format.
  fn object(&mut self, reader: &mut Reader, depth: usize) -> Option<()> {
    self.objects += 1;
    self.out.push(b'{');
    let mut count = 0u64;
    loop {
      let tag = reader.tag()?;
      if tag == b'{' {
        break;
      }
      if count > 0 {
        self.out.push(b',');
      }
      match tag {
        b'"' | b'c' | b'S' => {
          let start = self.out.len();
          self.string(tag, reader)?;
          // A key written with an escape keeps V8's format: Node 24's JSON.parse (V8 13.6) reads
          // the one-character key "\n" as "\\" once an object with the key "\\" was parsed.
          if self.out[start..].contains(&b'\\') {
            return None;
          }
        }
        b'I' | b'U' | b'N' => {
          let key = match tag {
            b'I' => f64::from(reader.int32()?),
            b'U' => reader.varint()? as f64,
            _ => reader.double()?,
          };
          if key.fract() != 0.0 || !(0.0..4294967295.0).contains(&key) {
            return None;
          }
          let _ = write!(self.out, "\"{}\"", key as u64);
        }
        _ => return None,
      }
      self.out.push(b':');
      self.value(reader, depth)?;
      count += 1;
    }
    (reader.varint()? == count).then_some(())?;
    self.out.push(b'}');
    Some(())
  }

  /// `A` and the length, the elements, then named properties (none here), then `$`, their
  /// count and the length.
  fn array(&mut self, reader: &mut Reader, depth: usize) -> Option<()> {
    let length = reader.varint()?;
    self.out.push(b'[');
    for index in 0..length {
      if index > 0 {
        self.out.push(b',');
      }
      let tag = reader.tag()?;
      if !matches!(tag, b'o' | b'A') {
        self.items += 1;
        if self.items > ITEMS_ALLOWED + ITEMS_PER_OBJECT * self.objects {
          return None;
        }
      }
      self.tagged(tag, reader, depth)?;
    }
    // A named property on the array (JSON would drop it) has a key here, not the end tag.
    (reader.tag()? == b'$' && reader.varint()? == 0 && reader.varint()? == length).then_some(())?;
    self.out.push(b']');
    Some(())
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn json(bytes: &[u8]) -> Option<String> {
    v8_to_json(bytes).map(|out| {
      assert_eq!(out[0], JSON_TEXT);
      String::from_utf8(out[1..].to_vec()).unwrap()
    })
  }

  /// V8's version header, then `body`.
  fn v8(body: &[u8]) -> Vec<u8> {
    [&[VERSION_TAG, 15][..], body].concat()
  }

  #[test]
  fn an_object_of_strings_numbers_booleans_null_and_arrays_becomes_json() {
    // { a: 1, bc: [true, null, -3], "2": 1.5 } with the index key first, as V8 writes it.
    let mut body = vec![b'o', b'I', 4, b'N'];
    body.extend_from_slice(&1.5f64.to_le_bytes());
    body.extend_from_slice(&[b'"', 1, b'a', b'I', 2, b'"', 2, b'b', b'c', b'A', 3, b'T', b'0', b'I', 5, b'$', 0, 3, b'{', 3]);
    assert_eq!(json(&v8(&body)).as_deref(), Some(r#"{"2":1.5,"a":1,"bc":[true,null,-3]}"#));
  }

  #[test]
  fn strings_become_utf8_with_lone_surrogates_and_control_characters_escaped() {
    // Latin-1 "é\n", then two-byte "✓" + U+1F600 as a pair + a lone U+D800, after a padding byte.
    let mut body = vec![b'A', 2, b'"', 2, 0xe9, b'\n', 0, b'c', 8];
    for unit in [0x2713u16, 0xd83d, 0xde00, 0xd800] {
      body.extend_from_slice(&unit.to_le_bytes());
    }
    body.extend_from_slice(&[b'$', 0, 2]);
    assert_eq!(json(&v8(&body)).as_deref(), Some("[\"é\\u000a\",\"✓😀\\ud800\"]"));
  }

  #[test]
  fn doubles_are_written_so_that_they_read_back_the_same() {
    for value in [0.1, 1e21, 5e-324, -1.7976931348623157e308, 123456789.125, 1e-7, 0.0] {
      let mut body = vec![b'A', 1, b'N'];
      body.extend_from_slice(&f64::to_le_bytes(value));
      body.extend_from_slice(&[b'$', 0, 1]);
      let text = json(&v8(&body)).unwrap();
      assert_eq!(text[1..text.len() - 1].parse::<f64>().unwrap().to_bits(), value.to_bits(), "{text}");
    }
  }

  #[test]
  fn what_json_would_change_keeps_v8s_format() {
    let minus_zero = [&[b'A', 1, b'N'][..], &(-0.0f64).to_le_bytes(), &[b'$', 0, 1]].concat();
    let nan = [&[b'A', 1, b'N'][..], &f64::NAN.to_le_bytes(), &[b'$', 0, 1]].concat();
    let cases: [(&str, &[u8]); 11] = [
      ("a key to escape", &[b'o', b'"', 1, b'\n', b'T', b'{', 1]),
      ("-0", &minus_zero),
      ("NaN", &nan),
      ("undefined", &[b'o', b'"', 1, b'a', b'_', b'{', 1]),
      ("a hole", &[b'A', 2, b'-', b'I', 2, b'$', 0, 2]),
      ("a named property on an array", &[b'A', 1, b'I', 2, b'"', 1, b'x', b'T', b'$', 1, 1]),
      ("an object met twice", &[b'A', 2, b'o', b'{', 0, b'^', 1, b'$', 0, 2]),
      ("a Date", &[b'D', 0, 0, 0, 0, 0, 0, 0, 0]),
      ("a host object (a Buffer)", &[b'\\', 1, 2]),
      ("a sparse array", &[b'a', 1, b'@', 0, 1]),
      ("a wrong property count", &[b'o', b'"', 1, b'a', b'T', b'{', 2]),
    ];
    for (name, body) in cases {
      assert_eq!(json(&v8(body)), None, "{name}");
    }
    assert_eq!(json(&[VERSION_TAG, 12, b'T']), None, "an older version");
    assert_eq!(json(&v8(b"TT")), None, "bytes after the value");
    assert_eq!(json(&v8(&[b'"', 5, b'a'])), None, "a string cut short");
  }

  #[test]
  fn long_arrays_of_primitives_and_deep_nesting_keep_v8s_format() {
    let items = |count: u8| [&[b'A', count][..], &vec![b'T'; count as usize], &[b'$', 0, count]].concat();
    assert!(json(&v8(&items(64))).is_some());
    assert_eq!(json(&v8(&items(65))), None);
    // Each object allows 8 more.
    let in_object = [&[b'A', 2, b'o', b'{', 0][..], &items(72)[..], &[b'$', 0, 2]].concat();
    assert!(json(&v8(&in_object)).is_some());
    let deep = |depth: usize| [[b'A', 1].repeat(depth), vec![b'T'], [b'$', 0, 1].repeat(depth)].concat();
    assert!(json(&v8(&deep(MAX_DEPTH))).is_some());
    assert_eq!(json(&v8(&deep(MAX_DEPTH + 1))), None);
  }
}
