//! The chat session as a pure state machine.
