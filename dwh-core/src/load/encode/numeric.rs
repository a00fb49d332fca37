//! PostgreSQL's binary NUMERIC: a sign, a weight and base-10000 digits
//! (`numeric_send` in PostgreSQL's src/backend/utils/adt/numeric.c).

use bytes::{BufMut, BytesMut};

/// Appends `unscaled` × 10^-`scale` as a NUMERIC(`precision`, `scale_to`)
/// value: rounded half away from zero to the column's scale (as
/// PostgreSQL and Redshift round a value with more decimals), an error
/// when its integer digits do not fit the column's precision.
pub fn put_numeric(
    unscaled: i128,
    scale: u8,
    precision: u8,
    scale_to: u8,
    out: &mut BytesMut,
) -> Result<(), String> {
    let out_of_range = || {
        format!(
            "{} is out of range for NUMERIC({precision},{scale_to})",
            decimal_text(unscaled, scale)
        )
    };
    let magnitude = rescale(unscaled.unsigned_abs(), scale, scale_to).ok_or_else(out_of_range)?;
    if magnitude >= pow10(precision).ok_or_else(out_of_range)? {
        return Err(out_of_range());
    }
    let digits = base_10000(magnitude, scale_to);
    let (groups, weight) = trimmed(&digits.groups, digits.weight);
    out.put_i32(8 + 2 * groups.len() as i32);
    out.put_i16(groups.len() as i16);
    out.put_i16(weight);
    out.put_u16(if unscaled < 0 && magnitude != 0 {
        0x4000
    } else {
        0
    });
    out.put_i16(i16::from(scale_to));
    for group in groups {
        out.put_i16(*group);
    }
    Ok(())
}

/// 10^`n`, if it fits.
fn pow10(n: u8) -> Option<u128> {
    10u128.checked_pow(u32::from(n))
}

/// `magnitude` at scale `from`, brought to scale `to`.
fn rescale(magnitude: u128, from: u8, to: u8) -> Option<u128> {
    if from <= to {
        return magnitude.checked_mul(pow10(to - from)?);
    }
    let divisor = pow10(from - to)?;
    let (quotient, remainder) = (magnitude / divisor, magnitude % divisor);
    Some(quotient + u128::from(remainder >= divisor - remainder))
}

struct Groups {
    /// Most significant first.
    groups: Vec<i16>,
    /// The power of 10000 of the first group.
    weight: i16,
}

/// The base-10000 digits of `magnitude` × 10^-`scale`, aligned on the
/// decimal point.
fn base_10000(magnitude: u128, scale: u8) -> Groups {
    let (mut integer, mut fraction) = (magnitude / pow10(scale).unwrap_or(1), 0);
    if let Some(p) = pow10(scale) {
        fraction = magnitude % p;
    }
    let mut groups = Vec::new();
    // The fraction's digits padded on the right to whole groups of four.
    let pad = (4 - scale % 4) % 4;
    let fraction_groups = (usize::from(scale) + usize::from(pad)) / 4;
    for i in 0..fraction_groups {
        let take = if i == 0 { 4 - pad } else { 4 };
        let unit = 10u128.pow(u32::from(take));
        let group = (fraction % unit) * 10u128.pow(u32::from(4 - take));
        groups.push(group as i16);
        fraction /= unit;
    }
    let mut integer_groups = 0i16;
    while integer > 0 {
        groups.push((integer % 10_000) as i16);
        integer /= 10_000;
        integer_groups += 1;
    }
    groups.reverse();
    Groups {
        groups,
        weight: integer_groups - 1,
    }
}

/// Leading and trailing zero groups dropped, as PostgreSQL stores them.
fn trimmed(groups: &[i16], weight: i16) -> (&[i16], i16) {
    let leading = groups.iter().take_while(|g| **g == 0).count();
    let rest = &groups[leading..];
    let trailing = rest.iter().rev().take_while(|g| **g == 0).count();
    let rest = &rest[..rest.len() - trailing];
    if rest.is_empty() {
        return (rest, 0);
    }
    (rest, weight - leading as i16)
}

/// `unscaled` × 10^-`scale` as decimal text, for messages.
pub fn decimal_text(unscaled: i128, scale: u8) -> String {
    let digits = unscaled.unsigned_abs().to_string();
    let sign = if unscaled < 0 { "-" } else { "" };
    let scale = usize::from(scale);
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (integer, fraction) = padded.split_at(padded.len() - scale);
    format!("{sign}{integer}.{fraction}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(unscaled: i128, scale: u8, precision: u8, to: u8) -> Vec<i16> {
        let mut out = BytesMut::new();
        put_numeric(unscaled, scale, precision, to, &mut out).unwrap();
        let words: Vec<i16> = out[4..]
            .chunks(2)
            .map(|c| i16::from_be_bytes([c[0], c[1]]))
            .collect();
        let length = i32::from_be_bytes([out[0], out[1], out[2], out[3]]);
        assert_eq!(length as usize, out.len() - 4);
        words
    }

    // Expected words from PostgreSQL's documented layout: ndigits, weight,
    // sign, dscale, then base-10000 digits, most significant first.
    #[test]
    fn numerics_split_into_base_10000_groups() {
        // 12345.678 = 1 2345 . 6780
        assert_eq!(encode(12_345_678, 3, 10, 3), [3, 1, 0, 3, 1, 2345, 6780]);
        // -0.05 at scale 2: one group 0500 at weight -1.
        assert_eq!(encode(-5, 2, 5, 2), [1, -1, 0x4000, 2, 500]);
        // 10000 at scale 0: 1 0000, the zero group dropped.
        assert_eq!(encode(10_000, 0, 9, 0), [1, 1, 0, 0, 1]);
        // Zero: no digits, positive.
        assert_eq!(encode(0, 4, 9, 2), [0, 0, 0, 2]);
    }

    #[test]
    fn numerics_round_half_away_from_zero_to_the_column_scale() {
        // 1.005 into scale 2 is 1.01; -1.005 is -1.01.
        assert_eq!(encode(1005, 3, 5, 2), [2, 0, 0, 2, 1, 100]);
        assert_eq!(encode(-1005, 3, 5, 2), [2, 0, 0x4000, 2, 1, 100]);
        // 1.5 into scale 0 is 2.
        assert_eq!(encode(15, 1, 5, 0), [1, 0, 0, 0, 2]);
    }

    #[test]
    fn numerics_beyond_the_precision_are_refused() {
        let mut out = BytesMut::new();
        let err = put_numeric(123_456, 2, 5, 2, &mut out).unwrap_err();
        assert_eq!(err, "1234.56 is out of range for NUMERIC(5,2)");
        assert!(put_numeric(99_999, 2, 5, 2, &mut out).is_ok());
        assert_eq!(decimal_text(-5, 3), "-0.005");
    }
}
