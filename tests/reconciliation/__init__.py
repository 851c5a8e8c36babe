"""Tests of the bank-evidence parsers and the normalised entry model."""
