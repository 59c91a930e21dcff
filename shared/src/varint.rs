//! Unsigned LEB128 varints in the strict form the link token requires.
//!
//! Strict means: at most 10 bytes, no bits beyond the u64 range, and minimal (no trailing
//! `0x80`-continued zero groups), so every value has exactly one encoding and a token cannot
//! be re-encoded into another valid token.

/// Longest encoding of a u64: ceil(64 / 7) bytes.
pub const MAX_LEN: usize = 10;

/// Why a varint could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarintError {
    /// The input ended while the continuation bit was still set.
    Truncated,
    /// The value does not fit in a u64.
    Overflow,
    /// The value has a shorter encoding.
    NonMinimal,
}

/// Appends the minimal encoding of `value` to `out`.
pub fn encode(mut value: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Number of bytes [`encode`] writes for `value`.
pub fn encoded_len(value: u64) -> usize {
    let bits = 64 - value.leading_zeros() as usize;
    bits.div_ceil(7).max(1)
}

/// Reads one varint from the front of `input`; returns the value and the bytes it used.
pub fn decode(input: &[u8]) -> Result<(u64, usize), VarintError> {
    let mut value: u64 = 0;
    for (i, &byte) in input.iter().enumerate().take(MAX_LEN) {
        let group = u64::from(byte & 0x7f);
        // The tenth byte may only carry the single remaining bit of a u64.
        if i == MAX_LEN - 1 && (byte & 0x80 != 0 || group > 1) {
            return Err(VarintError::Overflow);
        }
        value |= group << (7 * i);
        if byte & 0x80 == 0 {
            // A last byte of zero after at least one other byte means a shorter form exists.
            if i > 0 && byte == 0 {
                return Err(VarintError::NonMinimal);
            }
            return Ok((value, i + 1));
        }
    }
    if input.len() >= MAX_LEN {
        Err(VarintError::Overflow)
    } else {
        Err(VarintError::Truncated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        encode(v, &mut out);
        out
    }

    #[test]
    fn known_encodings() {
        assert_eq!(enc(0), [0x00]);
        assert_eq!(enc(1), [0x01]);
        assert_eq!(enc(127), [0x7f]);
        assert_eq!(enc(128), [0x80, 0x01]);
        assert_eq!(enc(300), [0xac, 0x02]);
        assert_eq!(
            enc(u64::MAX),
            [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
        );
    }

    #[test]
    fn round_trip_edges() {
        for v in [
            0,
            1,
            127,
            128,
            16383,
            16384,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let bytes = enc(v);
            assert_eq!(bytes.len(), encoded_len(v));
            assert_eq!(decode(&bytes), Ok((v, bytes.len())));
        }
    }

    #[test]
    fn refuses_non_minimal() {
        assert_eq!(decode(&[0x80, 0x00]), Err(VarintError::NonMinimal));
        assert_eq!(decode(&[0x81, 0x80, 0x00]), Err(VarintError::NonMinimal));
    }

    #[test]
    fn refuses_overflow() {
        // 2^64 exactly: ten bytes whose last carries bit 1 of group 9 plus one more.
        let mut too_big = vec![0x80; 9];
        too_big.push(0x02);
        assert_eq!(decode(&too_big), Err(VarintError::Overflow));
        // Eleven bytes.
        let mut long = vec![0xff; 10];
        long.push(0x01);
        assert_eq!(decode(&long), Err(VarintError::Overflow));
    }

    #[test]
    fn refuses_truncated() {
        assert_eq!(decode(&[]), Err(VarintError::Truncated));
        assert_eq!(decode(&[0x80]), Err(VarintError::Truncated));
        assert_eq!(decode(&[0xff, 0xff]), Err(VarintError::Truncated));
    }

    #[test]
    fn reads_only_the_first_varint() {
        assert_eq!(decode(&[0xac, 0x02, 0x05]), Ok((300, 2)));
    }
}
