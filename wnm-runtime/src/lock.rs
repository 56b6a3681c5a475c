//! The exclusive run lock (one wnm run at a time).
