//! Tests of header rewrite.
