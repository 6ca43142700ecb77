//! STAGE 1: bytes -> cues, following the W3C WebVTT parser algorithm.
