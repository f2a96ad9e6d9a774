//! V8's structured serialization rewritten in the "plain data" format, for the values that it
//! carries exactly. The receiving JS thread reads it with a hand-written reader
//! (lib/js-tasks/plain.js) that builds the objects of one shape with one generated object literal
//! per shape, about 4x faster than `JSON.parse`, and without node:v8's `Deserializer`, which keeps
//! everything it read reachable until its wrapper is collected (so every payload survived a
//! scavenge). The sender's serializer already read the value once, getters included, so
//! exactness is a property of the bytes: what is not plain data (a Date, a Map, a view, a hole,
//! an object met twice, ...) has its own tag here, and any tag not handled keeps V8's format.
//! V8's format: v8/src/objects/value-serializer.cc, versions 13 to 15 (Node 20 to 24).
//!
//! The plain format (little-endian; varint = unsigned LEB128, at most 5 bytes, below 2^32):
//!
//! ```text
//! message := 8  u32(offset of the table from the message's first byte)  value  table
//! table   := varint(shape count)  shape*        shape i is the i-th, at most 65535
//! shape   := varint(key count)  key*            a key is a string value; Object.keys order
//! value   := 0 UNDEFINED | 1 NULL | 2 TRUE | 3 FALSE
//!          | 4 F64 then 8 bytes (any bits: -0, NaN, infinities)  | 5 I32 then 4 bytes
//!          | 6 LATIN1 varint(byte length) bytes  | 7 UTF8 varint(byte length) bytes (well-formed)
//!          | 8 UTF16 varint(code units) 2 bytes each (lone surrogates allowed)
//!          | 9 ARRAY varint(length) value*     (dense: no holes)
//!          | 10 OBJECT u16(shape index) value* (one per key of the shape, in its order)
//! ```
//!
//! Nesting is at most 256 deep; one shape per distinct key list (the same encoded key bytes).

use std::collections::HashMap;
use std::ops::Range;

/// The first byte of a message in the plain format: the codec's tag for it (lib/js-tasks/codec.js).
pub const PLAIN: u8 = 8;
const VERSION_TAG: u8 = 0xff;
const VERSIONS: std::ops::RangeInclusive<u64> = 13..=15;
/// Deeper nesting keeps V8's format rather than recursing further.
const MAX_DEPTH: usize = 256;
/// Shapes found by a linear search before a hash map takes the rest: most messages have a few.
const LINEAR_SHAPES: usize = 8;

const UNDEFINED: u8 = 0;
const NULL: u8 = 1;
const TRUE: u8 = 2;
const FALSE: u8 = 3;
const F64: u8 = 4;
const I32: u8 = 5;
const LATIN1: u8 = 6;
const UTF8: u8 = 7;
const UTF16: u8 = 8;
const ARRAY: u8 = 9;
const OBJECT: u8 = 10;

/// `bytes` (V8's format, version header first) in the plain format, when that carries the same
/// value; `None` otherwise.
pub fn v8_to_plain(bytes: &[u8]) -> Option<Vec<u8>> {
  let mut reader = Reader { bytes, at: 0 };
  if reader.byte()? != VERSION_TAG || !VERSIONS.contains(&reader.varint()?) {
    return None;
  }
  // Capped: a large value that is not plain data (a Buffer, a typed array) is refused at its
  // first tag, and should cost no large allocation first.
  let mut out = Vec::with_capacity(bytes.len().min(64 * 1024));
  out.extend_from_slice(&[PLAIN, 0, 0, 0, 0]);
  let mut writer = Writer { out: &mut out, keys: Vec::new(), shapes: Shapes::default() };
  writer.value(&mut reader, 0)?;
  (reader.at == bytes.len()).then_some(())?;
  let shapes = writer.shapes;
  let offset = u32::try_from(out.len()).ok()?;
  out[1..5].copy_from_slice(&offset.to_le_bytes());
  write_varint(&mut out, u32::try_from(shapes.keys.len()).ok()?);
  out.extend_from_slice(&shapes.table);
  // The table's offset and the reader's positions are u32s.
  (out.len() <= u32::MAX as usize).then_some(out)
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

/// The message's shapes, by their encoded keys.
#[derive(Default)]
struct Shapes {
  /// The table after its count: each shape's key count and keys, in index order.
  table: Vec<u8>,
  /// Where each shape's keys are in `table`.
  keys: Vec<Range<usize>>,
  /// The shapes after the first `LINEAR_SHAPES`.
  index: HashMap<Vec<u8>, u16>,
}

impl Shapes {
  /// The index of the shape with `keys` (`count` of them), added if new; `None` past 65535.
  fn index_of(&mut self, keys: &[u8], count: u32) -> Option<u16> {
    let linear = &self.keys[..self.keys.len().min(LINEAR_SHAPES)];
    if let Some(found) = linear.iter().position(|range| &self.table[range.clone()] == keys) {
      return Some(found as u16);
    }
    if let Some(&found) = self.index.get(keys) {
      return Some(found);
    }
    let shape = u16::try_from(self.keys.len()).ok().filter(|&shape| shape < u16::MAX)?;
    write_varint(&mut self.table, count);
    let start = self.table.len();
    self.table.extend_from_slice(keys);
    self.keys.push(start..self.table.len());
    if usize::from(shape) >= LINEAR_SHAPES {
      self.index.insert(keys.to_vec(), shape);
    }
    Some(shape)
  }
}

struct Writer<'a> {
  out: &'a mut Vec<u8>,
  /// The keys of the objects being written, innermost last: each object truncates back to where
  /// its own began, so that objects cost no allocation of their own.
  keys: Vec<u8>,
  shapes: Shapes,
}

impl Writer<'_> {
  fn value(&mut self, reader: &mut Reader, depth: usize) -> Option<()> {
    let tag = reader.tag()?;
    self.tagged(tag, reader, depth)
  }

  fn tagged(&mut self, tag: u8, reader: &mut Reader, depth: usize) -> Option<()> {
    match tag {
      b'_' => self.out.push(UNDEFINED),
      b'0' => self.out.push(NULL),
      b'T' => self.out.push(TRUE),
      b'F' => self.out.push(FALSE),
      b'I' => write_i32(self.out, reader.int32()?),
      b'U' => self.number(u32::try_from(reader.varint()?).ok()?.into()),
      b'N' => self.number(reader.double()?),
      b'"' | b'c' | b'S' => write_string(tag, reader, self.out)?,
      b'o' | b'A' if depth == MAX_DEPTH => return None,
      b'o' => self.object(reader, depth + 1)?,
      b'A' => self.array(reader, depth + 1)?,
      // Everything else: holes, references to an object met before, Dates, boxed primitives,
      // BigInts, RegExps, Maps, Sets, buffers, views, errors, host objects, sparse arrays.
      _ => return None,
    }
    Some(())
  }

  /// An int32 where the double is one (so that JS gets a small integer), else its exact bits.
  fn number(&mut self, value: f64) {
    let int = value as i32;
    // Bits, not `==`: -0 stays a double.
    if f64::from(int).to_bits() == value.to_bits() {
      write_i32(self.out, int);
    } else {
      self.out.push(F64);
      self.out.extend_from_slice(&value.to_le_bytes());
    }
  }

  /// `o`, then key and value pairs, then `{` and their count. A key is a string, or a number for
  /// an integer-like key. The keys go to the shape table; the shape index is patched in at the end.
  fn object(&mut self, reader: &mut Reader, depth: usize) -> Option<()> {
    self.out.push(OBJECT);
    let shape_at = self.out.len();
    self.out.extend_from_slice(&[0, 0]);
    let keys_start = self.keys.len();
    let mut count = 0u32;
    loop {
      let tag = reader.tag()?;
      if tag == b'{' {
        break;
      }
      match tag {
        b'"' | b'c' | b'S' => write_string(tag, reader, &mut self.keys)?,
        b'I' | b'U' | b'N' => {
          let key = match tag {
            b'I' => f64::from(reader.int32()?),
            b'U' => reader.varint()? as f64,
            _ => reader.double()?,
          };
          if key.fract() != 0.0 || !(0.0..4294967295.0).contains(&key) {
            return None;
          }
          write_decimal_key(&mut self.keys, key as u32);
        }
        _ => return None,
      }
      self.value(reader, depth)?;
      count = count.checked_add(1)?;
    }
    (reader.varint()? == u64::from(count)).then_some(())?;
    let shape = self.shapes.index_of(&self.keys[keys_start..], count)?;
    self.out[shape_at..shape_at + 2].copy_from_slice(&shape.to_le_bytes());
    self.keys.truncate(keys_start);
    Some(())
  }

  /// `A` and the length, the elements, then named properties (none here), then `$`, their count
  /// and the length.
  fn array(&mut self, reader: &mut Reader, depth: usize) -> Option<()> {
    let length = reader.varint()?;
    self.out.push(ARRAY);
    write_varint(self.out, u32::try_from(length).ok()?);
    for _ in 0..length {
      self.value(reader, depth)?;
    }
    // A named property on the array (the format has no place for it) has a key here, not `$`.
    (reader.tag()? == b'$' && reader.varint()? == 0 && reader.varint()? == length).then_some(())
  }
}

fn write_varint(to: &mut Vec<u8>, mut value: u32) {
  while value >= 0x80 {
    to.push(value as u8 | 0x80);
    value >>= 7;
  }
  to.push(value as u8);
}

fn write_i32(to: &mut Vec<u8>, value: i32) {
  to.push(I32);
  to.extend_from_slice(&value.to_le_bytes());
}

/// An integer-like key as the string it is in JS, in decimal; by hand, as core::fmt costs more
/// than the rest of a small value's rewrite.
fn write_decimal_key(to: &mut Vec<u8>, mut value: u32) {
  let mut digits = [0u8; 10];
  let mut at = digits.len();
  loop {
    at -= 1;
    digits[at] = b'0' + (value % 10) as u8;
    value /= 10;
    if value == 0 {
      break;
    }
  }
  to.extend_from_slice(&[LATIN1, (digits.len() - at) as u8]);
  to.extend_from_slice(&digits[at..]);
}

/// The string after `tag`, copied as it is, except that well-formed UTF-16 becomes UTF-8: the
/// reader's UTF-8 decoding is much faster than its UTF-16 one.
fn write_string(tag: u8, reader: &mut Reader, to: &mut Vec<u8>) -> Option<()> {
  let len = reader.varint()?;
  let bytes = reader.take(len)?;
  let len = u32::try_from(len).ok()?;
  match tag {
    b'"' => {
      to.push(LATIN1);
      write_varint(to, len);
      to.extend_from_slice(bytes);
    }
    b'S' => {
      std::str::from_utf8(bytes).ok()?;
      to.push(UTF8);
      write_varint(to, len);
      to.extend_from_slice(bytes);
    }
    _ => {
      if len % 2 != 0 {
        return None;
      }
      let units = || bytes.chunks_exact(2).map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
      // The UTF-8 length first, which also finds a lone surrogate.
      let utf8_len = char::decode_utf16(units()).try_fold(0usize, |sum, unit| unit.ok().map(|c| sum + c.len_utf8()));
      match utf8_len {
        Some(utf8_len) => {
          to.push(UTF8);
          write_varint(to, u32::try_from(utf8_len).ok()?);
          to.reserve(utf8_len);
          let mut buffer = [0; 4];
          for c in char::decode_utf16(units()).flatten() {
            to.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
          }
        }
        None => {
          to.push(UTF16);
          write_varint(to, len / 2);
          to.extend_from_slice(bytes);
        }
      }
    }
  }
  Some(())
}

#[cfg(test)]
mod tests {
  use super::*;

  fn plain(bytes: &[u8]) -> Option<Vec<u8>> {
    v8_to_plain(bytes).inspect(|out| assert_eq!(out[0], PLAIN))
  }

  /// V8's version header, then `body`.
  fn v8(body: &[u8]) -> Vec<u8> {
    [&[VERSION_TAG, 15][..], body].concat()
  }

  /// A message: its tag, the table's offset, `value` and `table`.
  fn message(value: &[u8], table: &[u8]) -> Vec<u8> {
    [&[PLAIN][..], &(5 + value.len() as u32).to_le_bytes(), value, table].concat()
  }

  /// The value and the table of a message, checking its offset.
  fn parts(out: &[u8]) -> (&[u8], &[u8]) {
    let offset = u32::from_le_bytes(out[1..5].try_into().unwrap()) as usize;
    (&out[5..offset], &out[offset..])
  }

  /// `[value]` in V8's format.
  fn in_array(value: &[u8]) -> Vec<u8> {
    v8(&[&[b'A', 1][..], value, &[b'$', 0, 1]].concat())
  }

  #[test]
  fn an_object_of_strings_numbers_booleans_null_and_arrays_becomes_the_plain_form() {
    // { a: 1, bc: [true, null, -3], "2": 1.5 } with the index key first, as V8 writes it.
    let mut body = vec![b'o', b'I', 4, b'N'];
    body.extend_from_slice(&1.5f64.to_le_bytes());
    body.extend_from_slice(&[b'"', 1, b'a', b'I', 2, b'"', 2, b'b', b'c', b'A', 3, b'T', b'0', b'I', 5, b'$', 0, 3, b'{', 3]);
    let value =
      [&[OBJECT, 0, 0, F64][..], &1.5f64.to_le_bytes(), &[I32, 1, 0, 0, 0], &[ARRAY, 3, TRUE, NULL, I32, 0xfd, 0xff, 0xff, 0xff]].concat();
    let table = [1, 3, LATIN1, 1, b'2', LATIN1, 1, b'a', LATIN1, 2, b'b', b'c'];
    let expected = message(&value, &table);
    assert_eq!(&expected[1..5], &[31, 0, 0, 0]);
    assert_eq!(plain(&v8(&body)), Some(expected));
  }

  #[test]
  fn strings_keep_their_code_units() {
    // Latin-1 "é\n", then two-byte "✓" + U+1F600 as a pair, after a padding byte, then the same
    // with a lone U+D800.
    let mut body = vec![b'A', 3, b'"', 2, 0xe9, b'\n', 0, b'c', 6];
    for unit in [0x2713u16, 0xd83d, 0xde00] {
      body.extend_from_slice(&unit.to_le_bytes());
    }
    body.extend_from_slice(&[b'c', 8]);
    for unit in [0x2713u16, 0xd83d, 0xde00, 0xd800] {
      body.extend_from_slice(&unit.to_le_bytes());
    }
    body.extend_from_slice(&[b'$', 0, 3]);
    let value =
      [&[ARRAY, 3, LATIN1, 2, 0xe9, b'\n'][..], &[UTF8, 7], "✓😀".as_bytes(), &[UTF16, 4, 0x13, 0x27, 0x3d, 0xd8, 0x00, 0xde, 0x00, 0xd8]]
        .concat();
    assert_eq!(plain(&v8(&body)), Some(message(&value, &[0])));
    // UTF-8 as it is.
    let utf8 = [&[b'S', 7][..], "✓😀".as_bytes()].concat();
    assert_eq!(plain(&v8(&utf8)), Some(message(&[&[UTF8, 7][..], "✓😀".as_bytes()].concat(), &[0])));
  }

  #[test]
  fn doubles_keep_their_bits_and_integers_become_int32() {
    let doubles =
      [0.1, 1e21, 5e-324, -1.7976931348623157e308, 123456789.125, -0.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 2147483648.0];
    for value in doubles {
      let out = plain(&in_array(&[&[b'N'][..], &value.to_le_bytes()].concat())).unwrap();
      assert_eq!(parts(&out).0, [&[ARRAY, 1, F64][..], &value.to_le_bytes()].concat(), "{value}");
    }
    for value in [0.0, 1.0, -1.0, 2147483647.0, -2147483648.0] {
      let out = plain(&in_array(&[&[b'N'][..], &f64::to_le_bytes(value)].concat())).unwrap();
      assert_eq!(parts(&out).0, [&[ARRAY, 1, I32][..], &(value as i32).to_le_bytes()].concat(), "{value}");
    }
    // Uint32: 2^31 - 1 fits an int32, 2^31 does not.
    let out = plain(&in_array(&[b'U', 0xff, 0xff, 0xff, 0xff, 0x07])).unwrap();
    assert_eq!(parts(&out).0, [ARRAY, 1, I32, 0xff, 0xff, 0xff, 0x7f]);
    let out = plain(&in_array(&[b'U', 0x80, 0x80, 0x80, 0x80, 0x08])).unwrap();
    assert_eq!(parts(&out).0, [&[ARRAY, 1, F64][..], &2147483648f64.to_le_bytes()].concat());
  }

  #[test]
  fn objects_of_one_key_list_share_one_shape() {
    // [{ a: 1, b: 2 }, { a: 3, b: 4 }, { b: 5, a: 6 }]: the third is another shape.
    let mut body = vec![b'A', 3];
    for (first, second) in [(b'a', b'b'), (b'a', b'b'), (b'b', b'a')] {
      body.extend_from_slice(&[b'o', b'"', 1, first, b'I', 2, b'"', 1, second, b'I', 4, b'{', 2]);
    }
    body.extend_from_slice(&[b'$', 0, 3]);
    let object = |shape: u8| [OBJECT, shape, 0, I32, 1, 0, 0, 0, I32, 2, 0, 0, 0];
    let value = [&[ARRAY, 3][..], &object(0), &object(0), &object(1)].concat();
    let table = [2, 2, LATIN1, 1, b'a', LATIN1, 1, b'b', 2, LATIN1, 1, b'b', LATIN1, 1, b'a'];
    assert_eq!(plain(&v8(&body)), Some(message(&value, &table)));

    // [{ a: 1, b: { c: 2 } }, { a: 3, b: { c: 4 } }]: an object's shape is added when it ends, so
    // the inner one, which ends first, is shape 0.
    let mut body = vec![b'A', 2];
    for _ in 0..2 {
      body.extend_from_slice(&[b'o', b'"', 1, b'a', b'I', 2, b'"', 1, b'b', b'o', b'"', 1, b'c', b'I', 4, b'{', 1, b'{', 2]);
    }
    body.extend_from_slice(&[b'$', 0, 2]);
    let object = [OBJECT, 1, 0, I32, 1, 0, 0, 0, OBJECT, 0, 0, I32, 2, 0, 0, 0];
    let value = [&[ARRAY, 2][..], &object, &object].concat();
    let table = [2, 1, LATIN1, 1, b'c', 2, LATIN1, 1, b'a', LATIN1, 1, b'b'];
    assert_eq!(plain(&v8(&body)), Some(message(&value, &table)));

    // Past the shapes found by a linear search, and at the limit.
    let many = |count: u32, again: u32| {
      let mut items = Vec::new();
      for key in (0..count).chain(0..again) {
        items.extend_from_slice(b"oU");
        write_varint(&mut items, key);
        items.extend_from_slice(&[b'T', b'{', 1]);
      }
      let mut body = vec![b'A'];
      write_varint(&mut body, count + again);
      body.extend_from_slice(&items);
      body.extend_from_slice(&[b'$', 0]);
      write_varint(&mut body, count + again);
      v8(&body)
    };
    let out = plain(&many(20, 20)).unwrap();
    let (value, table) = parts(&out);
    assert_eq!(table[0], 20);
    for (item, object) in value[2..].chunks(4).enumerate() {
      assert_eq!(object, [OBJECT, (item % 20) as u8, 0, TRUE]);
    }
    assert!(plain(&many(65535, 0)).is_some());
    assert_eq!(plain(&many(65536, 0)), None);
  }

  #[test]
  fn what_is_not_plain_data_keeps_v8s_format() {
    let cases: [(&str, &[u8]); 12] = [
      ("a hole", &[b'A', 2, b'-', b'I', 2, b'$', 0, 2]),
      ("a named property on an array", &[b'A', 1, b'I', 2, b'"', 1, b'x', b'T', b'$', 1, 1]),
      ("an object met twice", &[b'A', 2, b'o', b'{', 0, b'^', 1, b'$', 0, 2]),
      ("a Date", &[b'D', 0, 0, 0, 0, 0, 0, 0, 0]),
      ("a host object (a Buffer)", &[b'\\', 1, 2]),
      ("a sparse array", &[b'a', 1, b'@', 0, 1]),
      ("a wrong property count", &[b'o', b'"', 1, b'a', b'T', b'{', 2]),
      ("a string cut short", &[b'"', 5, b'a']),
      ("a two-byte string of an odd length", &[b'c', 3, b'a', 0, b'b']),
      ("invalid UTF-8", &[b'S', 2, 0xc3, 0x28]),
      ("a key that is not integer-like", &[b'o', b'N', 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, b'T', b'{', 1]),
      ("a key past the last array index", &[b'o', b'U', 0xff, 0xff, 0xff, 0xff, 0x0f, b'T', b'{', 1]),
    ];
    for (name, body) in cases {
      assert_eq!(plain(&v8(body)), None, "{name}");
    }
    assert_eq!(plain(&[VERSION_TAG, 12, b'T']), None, "an older version");
    assert_eq!(plain(&v8(b"TT")), None, "bytes after the value");

    // What JSON could not carry is plain data.
    let minus_zero = [&[b'N'][..], &(-0.0f64).to_le_bytes()].concat();
    let nan = [&[b'N'][..], &f64::NAN.to_le_bytes()].concat();
    let cases: [(&str, &[u8], &[u8]); 4] = [
      ("a key to escape", &[b'o', b'"', 1, b'\n', b'T', b'{', 1], &[OBJECT, 0, 0, TRUE]),
      ("-0", &minus_zero, &[&[F64][..], &(-0.0f64).to_le_bytes()].concat()),
      ("NaN", &nan, &[&[F64][..], &f64::NAN.to_le_bytes()].concat()),
      ("undefined", &[b'o', b'"', 1, b'a', b'_', b'{', 1], &[OBJECT, 0, 0, UNDEFINED]),
    ];
    for (name, body, value) in cases {
      let out = plain(&v8(body)).unwrap_or_else(|| panic!("{name}"));
      assert_eq!(parts(&out).0, value, "{name}");
    }
  }

  #[test]
  fn deep_nesting_keeps_v8s_format_and_long_arrays_of_primitives_do_not() {
    let deep = |depth: usize| [[b'A', 1].repeat(depth), vec![b'T'], [b'$', 0, 1].repeat(depth)].concat();
    assert!(plain(&v8(&deep(MAX_DEPTH))).is_some());
    assert_eq!(plain(&v8(&deep(MAX_DEPTH + 1))), None);
    // 1000 items: a varint of two bytes.
    let long = [&[b'A', 0xe8, 0x07][..], &[b'I', 2].repeat(1000), &[b'$', 0, 0xe8, 0x07]].concat();
    let out = plain(&v8(&long)).unwrap();
    assert_eq!(parts(&out), (&[&[ARRAY, 0xe8, 0x07][..], &[I32, 1, 0, 0, 0].repeat(1000)].concat()[..], &[0u8][..]));
  }
}
