//! How a figure against its target is written in the results.

/// `pass` or `FAIL`.
pub fn pass(passed: bool) -> &'static str {
    if passed {
        "pass"
    } else {
        "FAIL"
    }
}
