// SPDX-License-Identifier: GPL-2.0

//! Wrap-safe arithmetic on the kernel's tick counter (jiffies), as the
//! kernel's `time_after_eq()` does it: the counter wraps, so two ticks are
//! compared by the sign of their difference, never with `>=`, and a
//! deadline is a tick plus a span, added with wrapping.  Spans are far
//! shorter than half the counter's range.

/// A tick of the counter (`unsigned long`, as `jiffies`).
pub type Tick = usize;

/// The tick `span` ticks after `t`.
pub const fn after(t: Tick, span: usize) -> Tick {
    t.wrapping_add(span)
}

/// Whether `a` is at or after `b` (`time_after_eq(a, b)`).
pub const fn at_or_after(a: Tick, b: Tick) -> bool {
    (a.wrapping_sub(b) as isize) >= 0
}

/// Ticks from `now` until `deadline`; 0 once it has passed.
pub const fn until(deadline: Tick, now: Tick) -> usize {
    if at_or_after(now, deadline) {
        0
    } else {
        deadline.wrapping_sub(now)
    }
}

/// The earlier of two ticks.
pub const fn earlier(a: Tick, b: Tick) -> Tick {
    if at_or_after(a, b) {
        b
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_across_the_wrap() {
        let before_wrap = usize::MAX - 5;
        let deadline = after(before_wrap, 10);
        assert_eq!(deadline, 4);
        assert!(!at_or_after(before_wrap, deadline));
        assert!(at_or_after(deadline, before_wrap));
        assert!(at_or_after(after(deadline, 1), deadline));
        assert!(at_or_after(deadline, deadline));
        assert_eq!(until(deadline, before_wrap), 10);
        assert_eq!(until(deadline, after(deadline, 3)), 0);
        assert_eq!(earlier(before_wrap, deadline), before_wrap);
        assert_eq!(earlier(deadline, before_wrap), before_wrap);
    }

    #[test]
    fn plain_order_away_from_the_wrap() {
        // The kernel starts jiffies 5 minutes before a 32-bit counter
        // would wrap; the rules hold wherever the counter stands.
        for base in [0usize, 1 << 31, usize::MAX / 2, usize::MAX] {
            for d in [0usize, 1, 10, 1000, 1 << 30] {
                let t = after(base, d);
                assert!(at_or_after(t, base));
                assert_eq!(until(t, base), d);
                assert_eq!(earlier(t, base), base);
                if d > 0 {
                    assert!(!at_or_after(base, t));
                }
            }
        }
    }
}
