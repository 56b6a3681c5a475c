//! Backend for macOS launchd (user and sudo modes): plist generation and launchctl control.
