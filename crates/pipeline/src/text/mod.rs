//! STAGE 3: text cleaning (whitespace, quotes, optional filler removal) and sentence splitting.
