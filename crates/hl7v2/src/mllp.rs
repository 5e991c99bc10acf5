//! MLLP framing: a message travels as `0x0B` + message + `0x1C 0x0D`.
//!
//! [`Deframer`] is fed whatever a socket read returned and hands back whole frames. It is
//! lenient where senders differ and strict where memory is at stake:
//!
//! - bytes before a start byte (line noise, a stray `0x0D` after the previous frame) are
//!   skipped;
//! - a frame ends at `0x1C`; the `0x0D` that should follow is skipped as noise before the
//!   next frame, so a sender that forgets it does not stall the connection;
//! - a start byte inside a frame means the previous frame was cut short: it is reported as
//!   [`FrameError::Interrupted`] and the new frame begins;
//! - a frame longer than the limit is reported once as [`FrameError::TooLarge`] and its
//!   bytes are discarded until its end byte, so memory stays bounded by the limit.

/// Start of block.
pub const START: u8 = 0x0B;
/// End of block.
pub const END: u8 = 0x1C;
/// Carriage return after the end of block.
pub const CR: u8 = 0x0D;

/// Wraps `message` in MLLP framing.
pub fn frame(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len().saturating_add(3));
    out.push(START);
    out.extend_from_slice(message);
    out.extend_from_slice(&[END, CR]);
    out
}

/// What went wrong with one frame (the stream carries on after it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The frame grew past the size limit; its bytes were discarded.
    #[error("message larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// A new start byte arrived before the frame's end byte.
    #[error("message interrupted by a new start of block")]
    Interrupted,
}

/// One result of [`Deframer::next_frame`].
pub type Frame = Result<Vec<u8>, FrameError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Looking for a start byte.
    Seeking,
    /// Inside a frame; `scanned` bytes of the buffer hold no end byte.
    Inside { scanned: usize },
    /// Inside a frame that passed the limit: dropping bytes until its end.
    Discarding,
}

/// Streaming MLLP de-framer with a per-frame size limit.
#[derive(Debug, Clone)]
pub struct Deframer {
    buf: Vec<u8>,
    state: State,
    limit: usize,
    /// Bytes skipped outside frames (for diagnostics).
    skipped: u64,
}

impl Deframer {
    /// A de-framer that refuses frames longer than `limit` bytes (the message alone).
    pub fn new(limit: usize) -> Self {
        Self { buf: Vec::new(), state: State::Seeking, limit, skipped: 0 }
    }

    /// Adds bytes as read from the connection. Call [`Self::next_frame`] until `None` after each.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes skipped outside frames so far.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Bytes held for an unfinished frame.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Whether a frame has started and not ended (the connection is mid-message).
    pub fn in_frame(&self) -> bool {
        !matches!(self.state, State::Seeking)
    }

    /// The next complete frame, or `None` when more bytes are needed.
    pub fn next_frame(&mut self) -> Option<Frame> {
        loop {
            match self.state {
                State::Seeking => {
                    let Some(at) = self.buf.iter().position(|b| *b == START) else {
                        self.skip(self.buf.len());
                        return None;
                    };
                    self.skip(at);
                    self.buf.drain(..=at);
                    self.state = State::Inside { scanned: 0 };
                }
                State::Inside { scanned } => {
                    let rest = self.buf.get(scanned..).unwrap_or_default();
                    match rest.iter().position(|b| *b == END || *b == START) {
                        Some(offset) => {
                            let at = scanned.saturating_add(offset);
                            let byte = self.buf.get(at).copied();
                            if at > self.limit {
                                self.buf.drain(..at);
                                self.state = State::Discarding;
                                return Some(Err(FrameError::TooLarge { limit: self.limit }));
                            }
                            let message: Vec<u8> = self.buf.drain(..at).collect();
                            if byte == Some(START) {
                                // Leave the start byte: the next round begins the new frame.
                                self.state = State::Seeking;
                                return Some(Err(FrameError::Interrupted));
                            }
                            self.buf.drain(..1);
                            self.state = State::Seeking;
                            return Some(Ok(message));
                        }
                        None => {
                            if self.buf.len() > self.limit {
                                self.buf.clear();
                                self.state = State::Discarding;
                                return Some(Err(FrameError::TooLarge { limit: self.limit }));
                            }
                            self.state = State::Inside { scanned: self.buf.len() };
                            return None;
                        }
                    }
                }
                State::Discarding => match self.buf.iter().position(|b| *b == END || *b == START) {
                    Some(at) => {
                        let byte = self.buf.get(at).copied();
                        self.buf.drain(..at);
                        if byte == Some(END) {
                            self.buf.drain(..1);
                        }
                        self.state = State::Seeking;
                    }
                    None => {
                        self.buf.clear();
                        return None;
                    }
                },
            }
        }
    }

    fn skip(&mut self, n: usize) {
        self.skipped = self.skipped.saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
        if n >= self.buf.len() {
            self.buf.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(d: &mut Deframer) -> Vec<Frame> {
        std::iter::from_fn(|| d.next_frame()).collect()
    }

    #[test]
    fn one_frame_in_pieces() {
        let framed = frame(b"MSH|^~\\&|A\rPID|1\r");
        let mut d = Deframer::new(1024);
        for (i, byte) in framed.iter().enumerate() {
            d.push(&[*byte]);
            let got = all(&mut d);
            if i == framed.len() - 2 {
                assert_eq!(got, vec![Ok(b"MSH|^~\\&|A\rPID|1\r".to_vec())], "complete at the end byte");
            } else {
                assert!(got.is_empty(), "byte {i}: {got:?}");
            }
        }
        assert_eq!(d.pending(), 0);
        assert!(!d.in_frame());
    }

    #[test]
    fn several_frames_and_junk_in_one_read() {
        let mut bytes = b"noise\r\n".to_vec();
        bytes.extend(frame(b"one"));
        bytes.extend(b"\x00\x01");
        bytes.extend(frame(b"two"));
        bytes.extend(&frame(b"three")[..3]);
        let mut d = Deframer::new(1024);
        d.push(&bytes);
        assert_eq!(all(&mut d), vec![Ok(b"one".to_vec()), Ok(b"two".to_vec())]);
        assert_eq!(d.skipped(), 11);
        assert!(d.in_frame());
        d.push(b"ree\x1c\x0d");
        assert_eq!(all(&mut d), vec![Ok(b"three".to_vec())]);
    }

    #[test]
    fn a_missing_carriage_return_does_not_stall() {
        let mut d = Deframer::new(1024);
        d.push(b"\x0bone\x1c");
        assert_eq!(all(&mut d), vec![Ok(b"one".to_vec())]);
        d.push(b"\x0btwo\x1c\x0d");
        assert_eq!(all(&mut d), vec![Ok(b"two".to_vec())]);
    }

    #[test]
    fn an_interrupted_frame_is_reported_and_the_next_one_read() {
        let mut d = Deframer::new(1024);
        d.push(b"\x0bhalf a mess\x0bwhole\x1c\x0d");
        assert_eq!(all(&mut d), vec![Err(FrameError::Interrupted), Ok(b"whole".to_vec())]);
    }

    #[test]
    fn too_large_is_reported_once_and_memory_stays_bounded() {
        let mut d = Deframer::new(8);
        d.push(b"\x0b0123456789");
        assert_eq!(all(&mut d), vec![Err(FrameError::TooLarge { limit: 8 })]);
        d.push(&[b'x'; 100]);
        assert!(all(&mut d).is_empty());
        assert_eq!(d.pending(), 0, "discarded bytes are not kept");
        d.push(b"tail\x1c\x0d\x0bok\x1c\x0d");
        assert_eq!(all(&mut d), vec![Ok(b"ok".to_vec())]);
        // Exactly at the limit is fine; one more byte is not.
        d.push(&frame(b"12345678"));
        assert_eq!(all(&mut d), vec![Ok(b"12345678".to_vec())]);
        d.push(&frame(b"123456789"));
        assert_eq!(all(&mut d), vec![Err(FrameError::TooLarge { limit: 8 })]);
        d.push(&frame(b"next"));
        assert_eq!(all(&mut d), vec![Ok(b"next".to_vec())]);
    }
}
