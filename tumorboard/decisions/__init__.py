"""Treatment decisions of the board: record in the meeting, sign, amend, letter, follow-up, quality."""
